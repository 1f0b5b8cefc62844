// An environment for the parser's tests: the variables given, nothing else.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "args.hpp"

namespace openai_cli::test {

inline env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace openai_cli::test

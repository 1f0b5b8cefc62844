// YAML in and out through yaml-cpp: standard input's mapping of flags, --metadata files and
// arguments, and --format yaml. JSON is YAML, so one reader serves both.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "usage_error.hpp"

namespace openai_cli {

// The value YAML text denotes, with every scalar kept as the text written ({n: 5} gives "5",
// as the metadata API wants strings) except null (null, ~, or nothing), which stays null.
// Throws usage_error naming the line and column of a syntax error, prefixed with `what`.
boost::json::value parse_yaml(std::string_view text, std::string_view what);

// v as a YAML block document (no trailing newline). Strings that would read back as another
// type are quoted.
std::string to_yaml(const boost::json::value& v);

}  // namespace openai_cli

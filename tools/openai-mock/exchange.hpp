// Plain request/response structs shared by the sans-io store and the socket code.
// They carry no Beast types so the store can be unit-tested (and compiled) without Asio.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace openai_mock {

// HTTP field names are case-insensitive; a map with this order lets callers look up
// "authorization" whatever spelling the client used.
struct header_less {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) <
             std::tolower(static_cast<unsigned char>(y));
    });
  }
};

using header_map = std::map<std::string, std::string, header_less>;

struct request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form, still percent-encoded: "/v1/chat/completions?limit=2"
  header_map headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

struct response {
  unsigned status = 200;
  header_map headers;
  std::string body;
};

}  // namespace openai_mock

// One HTTP exchange as data: the request to send and the response as read. No knowledge of the
// API: which response headers are kept is the caller's choice (response_header_names).
#pragma once

#include <boost/beast/http/verb.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openai::detail::http {

using verb = boost::beast::http::verb;
using header = std::pair<std::string, std::string>;
using header_list = std::vector<header>;

struct request {
  verb method = verb::get;
  std::string target;  // origin-form: "/v1/chat/completions/chatcmpl-1?x=y"
  std::string body;    // empty for GET and DELETE
  // Headers every request of a client carries (Host, Authorization, ...): built once and
  // shared, so the hot path copies no strings for them.
  std::shared_ptr<const header_list> common_headers;
  // Per request; a name equal (in any case) to a common header's replaces it.
  header_list extra_headers;
};

// The most response headers a reader keeps.
inline constexpr std::size_t max_kept_headers = 8;

// The names (lower case) of the response headers to keep, in the order of response::kept.
struct response_header_names {
  std::array<std::string_view, max_kept_headers> names{};
  std::size_t count = 0;
};

struct response {
  unsigned status = 0;
  std::string body;
  // The value of each header the caller asked for (response_header_names), "" when absent.
  std::array<std::string, max_kept_headers> kept;

  void clear() {
    status = 0;
    body.clear();
    for (auto& value : kept) value.clear();
  }
};

}  // namespace openai::detail::http

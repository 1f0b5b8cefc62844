// A request as HTTP/1.1 bytes.
#pragma once

#include "http/message.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

namespace openai::detail::http {

// Where for_each_header says a header is not one of the common ones.
inline constexpr std::size_t not_common = static_cast<std::size_t>(-1);

// Calls f(name, value, common_index) for each header the request carries, in wire order: the
// common headers less those an extra header replaces (common_index: its place in
// *r.common_headers, so that what is derived from them can be computed once per client), then
// the extra headers (the last of a name wins; not_common). Content-Length is not among them.
// HTTP/1.1 rendering and HTTP/2 both go through here.
template <typename F>
void for_each_header(const request& r, F&& f) {
  auto overridden = [&](std::string_view name) {
    return std::any_of(r.extra_headers.begin(), r.extra_headers.end(),
                       [&](const header& h) { return boost::beast::iequals(h.first, name); });
  };
  if (r.common_headers) {
    for (std::size_t i = 0; i < r.common_headers->size(); ++i) {
      const auto& [name, value] = (*r.common_headers)[i];
      if (!overridden(name)) f(std::string_view(name), std::string_view(value), i);
    }
  }
  for (auto it = r.extra_headers.begin(); it != r.extra_headers.end(); ++it) {
    const bool replaced_later =
        std::any_of(std::next(it), r.extra_headers.end(),
                    [&](const header& h) { return boost::beast::iequals(h.first, it->first); });
    if (!replaced_later) f(std::string_view(it->first), std::string_view(it->second), not_common);
  }
}

// Whether a request sends Content-Length: with a body, and always for POST.
inline bool sends_content_length(const request& r) noexcept {
  return !r.body.empty() || r.method == verb::post;
}

// The request into `wire` (cleared first, its capacity reused): request line, common headers
// (less those an extra header replaces), extra headers (the last of a name wins), Content-Length
// when there is a body or the method is POST, then the body. One buffer: one write.
void render_request(const request& r, std::string& wire);

}  // namespace openai::detail::http

#include "http/render.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <charconv>

namespace openai::detail::http {

namespace {

void append_header(std::string& wire, std::string_view name, std::string_view value) {
  wire.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

void render_request(const request& r, std::string& wire) {
  wire.clear();
  const auto method = boost::beast::http::to_string(r.method);
  wire.append(method.data(), method.size()).append(" ");
  wire.append(r.target).append(" HTTP/1.1\r\n");
  auto overridden = [&](std::string_view name) {
    return std::any_of(r.extra_headers.begin(), r.extra_headers.end(),
                       [&](const header& h) { return boost::beast::iequals(h.first, name); });
  };
  if (r.common_headers) {
    for (const auto& [name, value] : *r.common_headers)
      if (!overridden(name)) append_header(wire, name, value);
  }
  // A later extra header of the same name replaces an earlier one.
  for (auto it = r.extra_headers.begin(); it != r.extra_headers.end(); ++it) {
    const bool replaced_later =
        std::any_of(std::next(it), r.extra_headers.end(),
                    [&](const header& h) { return boost::beast::iequals(h.first, it->first); });
    if (!replaced_later) append_header(wire, it->first, it->second);
  }
  if (!r.body.empty() || r.method == verb::post) {
    char length[24];
    const auto end = std::to_chars(length, length + sizeof length, r.body.size()).ptr;
    append_header(wire, "Content-Length", std::string_view(length, end - length));
  }
  wire.append("\r\n").append(r.body);
}

}  // namespace openai::detail::http

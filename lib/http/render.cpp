#include "http/render.hpp"

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
  for_each_header(r, [&](std::string_view name, std::string_view value, std::size_t) {
    append_header(wire, name, value);
  });
  if (sends_content_length(r)) {
    char length[24];
    const auto end = std::to_chars(length, length + sizeof length, r.body.size()).ptr;
    append_header(wire, "Content-Length", std::string_view(length, end - length));
  }
  wire.append("\r\n").append(r.body);
}

}  // namespace openai::detail::http

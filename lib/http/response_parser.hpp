// Parses one HTTP/1.1 response from bytes, keeping only what the caller acts on: status, body,
// keep-alive, and the headers it named. No header container: nothing is allocated per field.
// Pure: the connection feeds it bytes; unit tests feed it strings.
#pragma once

#include "http/message.hpp"
#include "http/response_limits.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>

namespace openai::detail::http {

class response_parser final : public boost::beast::http::basic_parser<false> {
 public:
  using error_code = boost::beast::error_code;

  response_parser(response& out, const response_header_names& keep, std::size_t body_limit)
      : out_(out), keep_(keep) {
    header_limit(response_limits::header_bytes);
    this->body_limit(body_limit);
    eager(true);
  }

  // Body bytes taken so far: what the body limit counts, and what is not overhead.
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }

  // Why the response must be refused although the parser has not failed, or "" to go on:
  // `consumed` bytes taken by parsers of this exchange so far (interim responses included),
  // `unparsed` what waits in the buffer for the rest of an element.
  std::string refusal(std::uint64_t consumed, std::string_view unparsed) const {
    const std::uint64_t overhead = consumed - body_bytes_;
    if (overhead > response_limits::overhead_bytes)
      return "carries more than " + std::to_string(response_limits::overhead_bytes) +
             " bytes of headers, chunk framing and trailers";
    if (is_header_done() && chunked()) {
      const std::size_t allowance = chunked_unparsed_allowance(unparsed);
      if (unparsed.size() > allowance)
        return std::string("has a ") +
               (allowance == response_limits::trailer_bytes ? "trailer section"
                                                            : "chunk header") +
               " longer than " + std::to_string(allowance) + " bytes";
    }
    return {};
  }

 private:
  using string_view = boost::beast::string_view;
  using field = boost::beast::http::field;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override {
    out_.status = static_cast<unsigned>(code);
  }
  void on_field_impl(field, string_view name, string_view value, error_code&) override {
    for (std::size_t i = 0; i < keep_.count; ++i) {
      if (name.size() == keep_.names[i].size() && boost::beast::iequals(name, keep_.names[i])) {
        out_.kept[i].assign(value.data(), value.size());
        return;
      }
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The body limit has already refused a larger Content-Length.
    if (length) out_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(string_view body, error_code&) override { return take(body); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    return take(body);
  }
  void on_finish_impl(error_code&) override {}

  std::size_t take(string_view body) {
    out_.body.append(body.data(), body.size());
    body_bytes_ += body.size();
    return body.size();
  }

  response& out_;
  const response_header_names& keep_;
  std::uint64_t body_bytes_ = 0;
};

// 1xx: an interim response, to be skipped (RFC 9110 15.2); 101 switches protocols, which no
// request of ours asks for.
inline bool is_interim(unsigned status) noexcept { return status >= 100 && status <= 199; }

// 204 and 304 have no body whatever their fields say (RFC 9110 6.4.1); a server that announces
// one anyway may send bytes the next request on the connection would read as its answer.
inline bool announces_body_it_may_not_have(unsigned status, const response_parser& parser) {
  return (status == 204 || status == 304) &&
         (parser.chunked() || parser.content_length().value_or(0) > 0);
}

}  // namespace openai::detail::http

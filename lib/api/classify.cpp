#include "api/classify.hpp"

#include "transport/h2_error.hpp"
#include "transport/proxy_error.hpp"

#include <openai/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace openai::detail {

namespace {

boost::system::error_code classify_transport(boost::system::error_code ec) noexcept {
  namespace http = boost::beast::http;
  if (ec == boost::asio::error::operation_aborted) return ec;
  if (ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out)
    return make_error_code(errc::timeout);
  if (ec.category() == proxy_category()) {
    // What the proxy said: a refusal is a network failure (another attempt may pass), refused
    // credentials are the caller's to fix.
    if (ec == proxy_errc::authentication) return make_error_code(errc::proxy_authentication);
    if (ec == proxy_errc::refused) return make_error_code(errc::network);
    return make_error_code(errc::bad_response);
  }
  if (ec.category() == h2_category()) {
    // A response that broke HTTP/2 is the server's fault, like malformed HTTP/1.1; the rest
    // (resets, cut streams, a server that will not speak h2, a connection another stream's
    // response broke) are network failures.
    if (ec == h2_errc::protocol_error) return make_error_code(errc::bad_response);
    return make_error_code(errc::network);
  }
  static const auto& http_category = make_error_code(http::error::end_of_stream).category();
  if (ec.category() == http_category) {
    // The connection ended before or inside a response: a network failure, worth a retry.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message)
      return make_error_code(errc::network);
    return make_error_code(errc::bad_response);
  }
  return make_error_code(errc::network);
}

}  // namespace

boost::system::error_code classify(const failure_facts& facts) noexcept {
  if (facts.invalid_input) return make_error_code(errc::invalid_argument);
  if (facts.transport) return classify_transport(facts.transport);
  if (facts.status < 200 || facts.status > 299) return make_error_code(errc_for_status(facts.status));
  if (facts.unusable_body) return make_error_code(errc::bad_response);
  return {};
}

}  // namespace openai::detail

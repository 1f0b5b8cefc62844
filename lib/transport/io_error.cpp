#include "transport/io_error.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace openai::detail {

boost::system::error_code classify_io_error(boost::system::error_code ec) noexcept {
  namespace http = boost::beast::http;
  if (!ec) return ec;
  if (ec == boost::asio::error::operation_aborted) return ec;
  if (ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out)
    return make_error_code(errc::timeout);
  static const auto& http_category = make_error_code(http::error::end_of_stream).category();
  if (ec.category() == http_category) {
    // The connection ended before or inside a response: a network failure, worth a retry.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message)
      return make_error_code(errc::network);
    return make_error_code(errc::bad_response);
  }
  return make_error_code(errc::network);
}

}  // namespace openai::detail

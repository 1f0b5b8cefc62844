// classify(): the one decision of a failure's kind, over every input it takes.
#include "api/classify.hpp"

#include "transport/h2_error.hpp"

#include <openai/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using openai::errc;
using openai::detail::classify;
using openai::detail::failure_facts;

namespace {

failure_facts transport(boost::system::error_code ec) {
  failure_facts f;
  f.transport = ec;
  return f;
}

failure_facts status(unsigned s, bool unusable_body = false) {
  failure_facts f;
  f.status = s;
  f.unusable_body = unusable_body;
  return f;
}

bool is(boost::system::error_code ec, errc e) { return ec == make_error_code(e); }

}  // namespace

BOOST_AUTO_TEST_SUITE(classify_failures)

BOOST_AUTO_TEST_CASE(refused_input_is_invalid_argument_whatever_else_is_set) {
  failure_facts f = status(500);
  f.invalid_input = true;
  BOOST_TEST(is(classify(f), errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(cancellation_passes_through) {
  BOOST_TEST((classify(transport(asio::error::operation_aborted)) ==
              asio::error::operation_aborted));
}

BOOST_AUTO_TEST_CASE(deadlines_are_timeouts) {
  BOOST_TEST(is(classify(transport(asio::error::timed_out)), errc::timeout));
  BOOST_TEST(is(classify(transport(boost::beast::error::timeout)), errc::timeout));
}

BOOST_AUTO_TEST_CASE(a_connection_that_ends_early_is_a_network_failure) {
  BOOST_TEST(is(classify(transport(beast_http::error::end_of_stream)), errc::network));
  BOOST_TEST(is(classify(transport(beast_http::error::partial_message)), errc::network));
  BOOST_TEST(is(classify(transport(asio::error::connection_reset)), errc::network));
  BOOST_TEST(is(classify(transport(asio::error::connection_refused)), errc::network));
  BOOST_TEST(is(classify(transport(asio::error::host_not_found)), errc::network));
  BOOST_TEST(is(classify(transport(asio::ssl::error::stream_truncated)), errc::network));
}

BOOST_AUTO_TEST_CASE(malformed_or_oversized_http_is_a_bad_response) {
  for (auto e : {beast_http::error::bad_version, beast_http::error::bad_status,
                 beast_http::error::header_limit, beast_http::error::body_limit,
                 beast_http::error::bad_chunk, beast_http::error::bad_field})
    BOOST_TEST(is(classify(transport(e)), errc::bad_response), make_error_code(e).message());
}

BOOST_AUTO_TEST_CASE(the_stream_that_broke_http2_is_a_bad_response_its_neighbours_a_network_failure) {
  using openai::detail::h2_errc;
  BOOST_TEST(is(classify(transport(h2_errc::protocol_error)), errc::bad_response));
  BOOST_TEST(is(classify(transport(h2_errc::connection_failed)), errc::network));
  BOOST_TEST(is(classify(transport(h2_errc::unprocessed)), errc::network));
}

BOOST_AUTO_TEST_CASE(each_status_has_its_kind) {
  BOOST_TEST(is(classify(status(400)), errc::bad_request));
  BOOST_TEST(is(classify(status(401)), errc::authentication));
  BOOST_TEST(is(classify(status(403)), errc::permission_denied));
  BOOST_TEST(is(classify(status(404)), errc::not_found));
  BOOST_TEST(is(classify(status(409)), errc::conflict));
  BOOST_TEST(is(classify(status(422)), errc::unprocessable_entity));
  BOOST_TEST(is(classify(status(429)), errc::rate_limited));
  for (unsigned s : {500u, 502u, 503u, 599u}) BOOST_TEST(is(classify(status(s)), errc::server_error));
  for (unsigned s : {100u, 302u, 418u, 600u}) BOOST_TEST(is(classify(status(s)), errc::api_error));
}

BOOST_AUTO_TEST_CASE(a_2xx_is_success_unless_its_body_is_unusable) {
  BOOST_TEST(!classify(status(200)));
  BOOST_TEST(!classify(status(204)));
  BOOST_TEST(is(classify(status(200, true)), errc::bad_response));
  // The status decides before the body does: a 404's body is the error's details.
  BOOST_TEST(is(classify(status(404, true)), errc::not_found));
}

BOOST_AUTO_TEST_SUITE_END()

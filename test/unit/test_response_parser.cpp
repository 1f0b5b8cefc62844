// The HTTP reader over bytes, without a socket: what it keeps, and what it refuses.
#include "http/response_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

namespace http = openai::detail::http;

namespace {

const http::response_header_names keep{{"x-request-id", "retry-after"}, 2};

struct parsed {
  http::response response;
  boost::beast::error_code ec;
  std::size_t used = 0;
  bool done = false;
};

parsed parse(const std::string& bytes, std::size_t body_limit = 1 << 20) {
  parsed p;
  http::response_parser parser(p.response, keep, body_limit);
  p.used = parser.put(boost::asio::buffer(bytes), p.ec);
  p.done = parser.is_done();
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(response_parser)

BOOST_AUTO_TEST_CASE(keeps_status_body_and_the_named_headers_only) {
  auto p = parse("HTTP/1.1 200 OK\r\nX-Request-ID: req_1\r\nServer: x\r\nRetry-After: 3\r\n"
                 "Content-Length: 2\r\n\r\n{}");
  BOOST_TEST(p.done);
  BOOST_TEST(p.response.status == 200u);
  BOOST_TEST(p.response.body == "{}");
  BOOST_TEST(p.response.kept[0] == "req_1");  // matched in any case
  BOOST_TEST(p.response.kept[1] == "3");
  BOOST_TEST(p.response.kept[2].empty());
}

BOOST_AUTO_TEST_CASE(an_interim_response_is_complete_after_its_header) {
  auto p = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n");
  BOOST_TEST(p.done);
  BOOST_TEST(http::is_interim(p.response.status));
  BOOST_TEST(p.used == std::string("HTTP/1.1 100 Continue\r\n\r\n").size());
  BOOST_TEST(!http::is_interim(200));
  BOOST_TEST(http::is_interim(103));
}

BOOST_AUTO_TEST_CASE(a_204_announcing_a_body_is_flagged) {
  http::response out;
  http::response_parser parser(out, keep, 1 << 20);
  boost::beast::error_code ec;
  const std::string head = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
  parser.put(boost::asio::buffer(head), ec);
  BOOST_TEST(parser.is_done());
  BOOST_TEST(http::announces_body_it_may_not_have(out.status, parser));

  http::response quiet;
  http::response_parser plain(quiet, keep, 1 << 20);
  const std::string empty = "HTTP/1.1 204 No Content\r\n\r\n";
  plain.put(boost::asio::buffer(empty), ec);
  BOOST_TEST(!http::announces_body_it_may_not_have(quiet.status, plain));
}

BOOST_AUTO_TEST_CASE(refuses_a_chunk_header_longer_than_its_allowance) {
  http::response out;
  http::response_parser parser(out, keep, 1 << 20);
  boost::beast::error_code ec;
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const auto used = parser.put(boost::asio::buffer(head), ec);
  BOOST_TEST(parser.is_header_done());
  const std::string pending = "10;ext=" + std::string(5000, 'a');
  BOOST_TEST(!parser.refusal(used, pending).empty());
  BOOST_TEST(parser.refusal(used, "10;ext=abc").empty());
  // Trailers get more room than a chunk header.
  BOOST_TEST(parser.refusal(used, "0\r\n" + std::string(5000, 'a')).empty());
  BOOST_TEST(!parser.refusal(used, "0\r\n" + std::string(70000, 'a')).empty());
}

BOOST_AUTO_TEST_CASE(refuses_more_overhead_than_a_response_may_carry) {
  http::response out;
  http::response_parser parser(out, keep, 1 << 20);
  BOOST_TEST(parser.refusal(1000, "").empty());
  BOOST_TEST(!parser.refusal(http::response_limits::overhead_bytes + 1, "").empty());
}

BOOST_AUTO_TEST_CASE(the_body_limit_refuses_a_longer_content_length) {
  auto p = parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 10);
  BOOST_TEST((p.ec == boost::beast::http::error::body_limit));
}

BOOST_AUTO_TEST_SUITE_END()

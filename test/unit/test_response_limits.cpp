// What the response reader may hold besides the body: the last-chunk test that decides between
// the chunk-header and the trailer allowance.
#include "http/response_limits.hpp"

#include <boost/test/unit_test.hpp>

using openai::detail::http::chunked_unparsed_allowance;
using openai::detail::http::response_limits;
using openai::detail::http::starts_last_chunk;

BOOST_AUTO_TEST_SUITE(response_limits_rules)

BOOST_AUTO_TEST_CASE(recognises_the_last_chunk_with_or_without_extensions) {
  BOOST_TEST(starts_last_chunk("0\r\n"));
  BOOST_TEST(starts_last_chunk("\r\n0\r\nX-Trailer: a"));
  BOOST_TEST(starts_last_chunk("000;ext=1\r\n"));
  BOOST_TEST(starts_last_chunk("0"));
}

BOOST_AUTO_TEST_CASE(a_chunk_with_a_size_is_not_the_last) {
  BOOST_TEST(!starts_last_chunk("10;ext=aaaa"));
  BOOST_TEST(!starts_last_chunk("\r\n1f\r\n"));
  BOOST_TEST(!starts_last_chunk("0a\r\n"));
  BOOST_TEST(!starts_last_chunk(""));
}

BOOST_AUTO_TEST_CASE(chunk_headers_get_four_kib_and_trailers_sixty_four) {
  BOOST_TEST(chunked_unparsed_allowance("10;ext=") == response_limits::chunk_header_bytes);
  BOOST_TEST(chunked_unparsed_allowance("0\r\nX-T: 1\r\n") == response_limits::trailer_bytes);
  BOOST_TEST(response_limits::chunk_header_bytes == 4096u);
  BOOST_TEST(response_limits::trailer_bytes == 65536u);
}

BOOST_AUTO_TEST_SUITE_END()

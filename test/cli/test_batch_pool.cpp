#include <boost/test/unit_test.hpp>

#include "batch_pool.hpp"

using namespace openai_cli;

namespace {

openai::client_options with(openai::http_version v, std::size_t max_streams = 256) {
  openai::client_options o;
  o.http_version = v;
  o.max_streams_per_connection = max_streams;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_pool)

BOOST_AUTO_TEST_CASE(over_http1_every_update_in_flight_gets_a_connection) {
  const openai::client_options o = with(openai::http_version::http1);
  BOOST_TEST(batch_max_connections(256, o) == 256u);
  BOOST_TEST(batch_max_connections(1024, o) == 1024u);
  // Never below the library's own pool size.
  BOOST_TEST(batch_max_connections(8, o) == o.max_connections);
}

BOOST_AUTO_TEST_CASE(over_http2_concurrency_becomes_streams_on_a_few_connections) {
  const openai::client_options o = with(openai::http_version::http2);
  BOOST_TEST(batch_max_connections(1, o) == 1u);
  BOOST_TEST(batch_max_connections(64, o) == 1u);
  BOOST_TEST(batch_max_connections(100, o) == 1u);
  BOOST_TEST(batch_max_connections(101, o) == 2u);
  BOOST_TEST(batch_max_connections(256, o) == 3u);
  BOOST_TEST(batch_max_connections(1024, o) == 11u);
}

BOOST_AUTO_TEST_CASE(over_http2_a_smaller_stream_cap_of_the_client_means_more_connections) {
  BOOST_TEST(batch_max_connections(256, with(openai::http_version::http2, 16)) == 16u);
  BOOST_TEST(batch_max_connections(256, with(openai::http_version::http2, 0)) == 256u);
}

BOOST_AUTO_TEST_CASE(automatic_keeps_the_http1_ceiling_for_a_server_that_picks_http1) {
  const openai::client_options o = with(openai::http_version::automatic);
  BOOST_TEST(batch_max_connections(256, o) == 256u);
  BOOST_TEST(batch_max_connections(8, o) == o.max_connections);
}

BOOST_AUTO_TEST_SUITE_END()

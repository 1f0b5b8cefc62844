// openai-mock's real-network flags seen by the real client: --latency delays each answer
// without holding a thread (20 streams on one h2 connection, and 20 HTTP/1.1 connections, all
// wait at once: the mock's delayed_peak counter says so, no wall-clock threshold), and
// --rate-limit's 429 reaches the client over h2 with the API's body and headers.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include "h2_helpers.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using openai::http_version;
using test_support::h2_options;
using test_support::mock_fixture;

namespace {

openai_mock::server_options with_latency(std::chrono::milliseconds latency, std::size_t seed = 40) {
  auto o = mock_fixture::default_options(seed);
  o.latency = latency;
  return o;
}

// Starts an update of each id in [first, last] together and runs them all to the end.
test_support::outcomes together(asio::io_context& io, openai::client& client, std::size_t first,
                                std::size_t last) {
  test_support::outcomes calls;
  for (std::size_t i = first; i <= last; ++i) calls.start(client, mock_fixture::id(i));
  io.run();
  io.restart();
  return calls;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_network)

BOOST_AUTO_TEST_CASE(an_answer_arrives_no_sooner_than_the_latency) {
  mock_fixture f(with_latency(300ms));
  for (auto version : {http_version::http1, http_version::http2}) {
    asio::io_context io;
    openai::client client(io.get_executor(), h2_options(f, version));
    test_support::warm_up(io, client, f.id(1));  // the handshake is not what is measured
    const auto start = std::chrono::steady_clock::now();
    test_support::run(io, client.update_completion(f.id(2), {{"late", "yes"}}));
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    BOOST_TEST(waited.count() >= 300);  // a lower bound only
  }
}

BOOST_AUTO_TEST_CASE(twenty_streams_on_one_h2_connection_wait_out_the_latency_together) {
  mock_fixture f(with_latency(300ms));
  asio::io_context io;
  openai::client client(io.get_executor(), h2_options(f));
  test_support::warm_up(io, client, f.id(40));
  const auto calls = together(io, client, 1, 20);
  test_support::all_succeeded_in_one_attempt(calls);
  const auto st = f.mock().stats();
  BOOST_TEST(st.h2_connections == 1u);
  // All 20 were in the mock before the first of them was answered.
  BOOST_TEST(st.delayed_peak == 20u);
  BOOST_TEST(st.requests == 21u);
}

BOOST_AUTO_TEST_CASE(twenty_http1_connections_wait_out_the_latency_together) {
  mock_fixture f(with_latency(300ms));
  asio::io_context io;
  auto o = h2_options(f, http_version::http1);
  o.max_connections = 20;
  openai::client client(io.get_executor(), o);
  // The first round opens the 20 connections (each busy for 300 ms); the second reuses them.
  test_support::all_succeeded_in_one_attempt(together(io, client, 1, 20));
  test_support::all_succeeded_in_one_attempt(together(io, client, 21, 40));
  const auto st = f.mock().stats();
  BOOST_TEST(st.h2_connections == 0u);
  BOOST_TEST(st.https_connections == 20u);
  BOOST_TEST(st.delayed_peak == 20u);
  BOOST_TEST(st.requests == 40u);
}

BOOST_AUTO_TEST_CASE(over_h2_a_spent_burst_gets_the_apis_429_with_its_headers) {
  auto mo = mock_fixture::default_options(20);
  mo.rate_limit = openai_mock::parse_rate_limit("6/m");  // one token per 10 s
  mo.rate_limit->burst = 3;
  mock_fixture f(mo);
  asio::io_context io;
  openai::client client(io.get_executor(), h2_options(f));  // no retries
  const auto calls = together(io, client, 1, 8);
  std::size_t refused = 0;
  for (const auto& [id, c] : calls.by_id) {
    BOOST_TEST(c.done);
    BOOST_TEST(!c.diag.ratelimit_remaining_requests.empty(), id);
    BOOST_TEST(!c.diag.ratelimit_reset_requests.empty(), id);
    if (!c.ec) continue;
    ++refused;
    BOOST_TEST((c.ec == openai::errc::rate_limited), id << ": " << c.ec.message());
    BOOST_TEST(c.diag.status == 429u);
    BOOST_TEST(c.diag.code == "rate_limit_exceeded");
    BOOST_TEST(c.diag.type == "requests");
    BOOST_TEST(c.diag.ratelimit_remaining_requests == "0");
    BOOST_TEST(c.diag.message.find("Limit 6, Used 6, Requested 1.") != std::string::npos,
               c.diag.message);
  }
  BOOST_TEST(refused >= 5u);  // at most 3 + what 10 s would refill
  const auto st = f.mock().stats();
  BOOST_TEST(st.rate_limited == refused);
  BOOST_TEST(st.faults_injected == 0u);  // the limit is no fault
  BOOST_TEST(st.requests == 8u);
}

BOOST_AUTO_TEST_SUITE_END()

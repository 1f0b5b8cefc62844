// How the client reads where one response ends and the next begins, against openai-mock's
// framing faults over real TLS: interim (1xx) responses, bodiless statuses that carry bytes, and
// responses that never end. An answer is only ever taken for the request it answers.
#include "fault_helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/resource.h>

#include <chrono>
#include <string>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using openai_mock::fault_action;
using test_support::failure;
using test_support::kind_count;
using test_support::mock_fixture;
using test_support::quick;
using test_support::run;
using test_support::scripted;
using test_support::step;

namespace {

openai_mock::fault_step interim(std::string text = {}) {
  auto s = step(fault_action::interim);
  s.text = std::move(text);
  return s;
}

openai_mock::fault_step endless(std::string where) {
  auto s = step(fault_action::endless);
  s.text = std::move(where);
  return s;
}

long peak_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(response_framing)

BOOST_AUTO_TEST_CASE(interim_responses_are_skipped_and_each_call_gets_its_own_answer) {
  // A 100 Continue nobody asked for and a 103 Early Hints with a Link header come before the
  // answer to completion 1; the next call, on the same connection, is for completion 2.
  mock_fixture f(scripted({interim()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto first = run(io, client.update_completion(f.id(1), {{"call", "first"}}));
  auto second = run(io, client.update_completion(f.id(2), {{"call", "second"}}));
  BOOST_TEST(first.id() == f.id(1));
  BOOST_TEST(first.metadata().at("call") == "first");
  BOOST_TEST(second.id() == f.id(2));
  BOOST_TEST(second.metadata().at("call") == "second");
  BOOST_TEST(kind_count(f.mock().stats(), "interim") == 1u);
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);  // the connection stayed in step
}

BOOST_AUTO_TEST_CASE(a_101_switching_protocols_is_a_bad_response_and_the_connection_is_dropped) {
  mock_fixture f(scripted(
      {interim("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n")}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));
  BOOST_TEST(e.attempts() == 1u);
  BOOST_TEST(std::string(e.what()).find("101") != std::string::npos, e.what());
  auto next = run(io, client.update_completion(f.id(2), {{"after", "101"}}));
  BOOST_TEST(next.id() == f.id(2));
  BOOST_TEST(f.mock().stats().tls_handshakes == 2u);
}

BOOST_AUTO_TEST_CASE(an_interim_response_without_a_final_one_is_a_bad_response) {
  mock_fixture f(scripted({step(fault_action::interim_then_close)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));
  BOOST_TEST(e.attempts() == 1u);
  BOOST_TEST(std::string(e.what()).find("interim") != std::string::npos, e.what());
}

BOOST_AUTO_TEST_CASE(a_204_carrying_a_body_leaves_its_connection_unused) {
  // The body arrives 100 ms after the 204's head: on a reused connection it would be read as
  // the answer to the next request.
  mock_fixture f(scripted({step(fault_action::no_content_with_body)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));  // a 2xx without JSON
  BOOST_TEST(e.status() == 204u);
  auto next = run(io, client.update_completion(f.id(2), {{"after", "204"}}));
  BOOST_TEST(next.id() == f.id(2));
  BOOST_TEST(next.metadata().at("after") == "204");
  BOOST_TEST(f.mock().stats().tls_handshakes == 2u);
}

BOOST_AUTO_TEST_CASE(endless_responses_are_refused_by_their_limits_not_by_the_clock) {
  // Each streams without end (up to 1 GiB); the reader must stop it by its byte limits, long
  // before the 30-second deadline, and without holding more than a few KiB of it.
  for (const std::string where : {"header_value", "header_fields", "chunk_extension",
                                  "trailers"}) {
    BOOST_TEST_CONTEXT(where) {
      mock_fixture f(scripted({endless(where)}));
      auto options = quick(f.options(), 2);
      options.timeout = 30s;
      asio::io_context io;
      openai::client client(io.get_executor(), options);
      const long before = peak_rss_kib();
      auto e = failure<openai::bad_response_error>(io, client, f.id(1));
      BOOST_TEST(e.attempts() == 1u);
      BOOST_TEST(peak_rss_kib() - before < 32 * 1024, "peak RSS grew by "
                                                          << (peak_rss_kib() - before) << " KiB");
      BOOST_TEST(kind_count(f.mock().stats(), "endless") == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(many_small_chunks_with_long_extensions_are_refused_in_total) {
  // Every chunk header stays under its own 4 KiB limit, but together they exceed what any
  // response may carry besides its body.
  mock_fixture f(scripted({endless("chunk_extensions")}));
  auto options = quick(f.options(), 0);
  options.timeout = 30s;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));
  BOOST_TEST(e.attempts() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// The client against a misbehaving server: openai-mock's fault injection drives the real
// client code over real TLS on loopback. Each case checks one behaviour: the error kind (or
// the recovery), and that nothing hangs.
#include "fault_helpers.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using openai_mock::fault_action;
using openai_mock::fault_plan;
using openai_mock::fault_step;
using test_support::mock_fixture;
using test_support::run;
using test_support::failure;
using test_support::kind_count;
using test_support::quick;
using test_support::scripted;
using test_support::step;
using test_support::with_header;

namespace {

using clock_type = std::chrono::steady_clock;

long long elapsed_ms(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
}

// One request over plain HTTP with a blocking socket (the way a script would drive the mock).
std::string http_call(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  const std::string req =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  asio::write(socket, asio::buffer(req));
  std::string out;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(out), ec);  // until the server closes
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_servers)

BOOST_AUTO_TEST_CASE(a_2xx_with_a_body_that_is_not_json_is_a_bad_response) {
  auto reply = fault_plan::error(200);
  reply.reply.body = "<html>not json</html>";
  reply.reply.headers["content-type"] = "text/html";
  mock_fixture f(scripted({reply}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::bad_response));
  BOOST_TEST(e.attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(a_body_shorter_than_its_content_length_is_a_network_error_and_retried,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "an HTTP/1.1 body cut short by the connection; over h2 the stream ends "
                         "with less than its content-length, a malformed response: http2_faults"})) {
  mock_fixture f(scripted(
      {step(fault_action::truncate), step(fault_action::truncate), step(fault_action::truncate)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::network), e.what());
  BOOST_TEST(e.attempts() == 3u);
  BOOST_TEST(kind_count(f.mock().stats(), "truncate") == 3u);
}

BOOST_AUTO_TEST_CASE(a_body_over_the_size_cap_is_a_bad_response_and_not_retried,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "oversized is an HTTP/1.1 wire fault"})) {
  mock_fixture f(scripted({step(fault_action::oversized), step(fault_action::oversized)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 1));  // default cap: 32 MiB
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::bad_response));
  BOOST_TEST(e.attempts() == 1u);
  BOOST_TEST(std::string(e.what()).find("exceeds the limit") != std::string::npos, e.what());
  BOOST_TEST(f.mock().stats().requests == 1u);
}

BOOST_AUTO_TEST_CASE(a_streamed_body_over_a_small_cap_is_a_bad_response) {
  auto big = step(fault_action::chunked);
  big.bytes = 64;
  mock_fixture f(scripted({big}));
  auto options = quick(f.options(), 2);
  options.max_response_bytes = 100;  // the completion is larger; chunks arrive without a length
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::bad_response));
  BOOST_TEST(e.attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(a_malformed_status_line_is_a_bad_response,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "h2 has no status line"})) {
  auto odd = step(fault_action::malformed_status);
  odd.text = "HTPP/9 200";
  mock_fixture f(scripted({step(fault_action::malformed_status), odd}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  for (int i = 0; i < 2; ++i) {
    auto e = failure<openai::bad_response_error>(io, client, f.id(1));
    BOOST_TEST((e.kind() == openai::errc::bad_response));
    BOOST_TEST(e.attempts() == 1u);
  }
  BOOST_TEST(kind_count(f.mock().stats(), "malformed_status") == 2u);
}

BOOST_AUTO_TEST_CASE(a_header_line_without_a_colon_is_a_bad_response,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "h2 headers are HPACK, not lines"})) {
  mock_fixture f(scripted({step(fault_action::malformed_header)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::bad_response_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::bad_response));
  BOOST_TEST(e.attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(a_chunked_body_is_accepted_and_the_connection_kept,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "h2 has no chunked coding"})) {
  auto small_chunks = step(fault_action::chunked);
  small_chunks.bytes = 7;
  mock_fixture f(scripted({small_chunks, small_chunks}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto first = run(io, client.update_completion(f.id(1), {{"chunked", "1"}}));
  auto second = run(io, client.update_completion(f.id(1), {{"chunked", "2"}}));
  BOOST_TEST(first.metadata().at("chunked") == "1");
  BOOST_TEST(second.metadata().at("chunked") == "2");
  BOOST_TEST(second.attempts() == 1u);
  BOOST_TEST(kind_count(f.mock().stats(), "chunked") == 2u);
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
}

BOOST_AUTO_TEST_CASE(a_slow_drip_trips_the_per_attempt_timeout,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "slow_drip is an HTTP/1.1 wire fault; h2: stall_window in http2_faults"})) {
  mock_fixture f(scripted({step(fault_action::slow_drip)}));
  auto options = quick(f.options(), 0);
  options.timeout = 1s;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  const auto start = clock_type::now();
  auto e = failure<openai::timeout_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::timeout));
  BOOST_TEST(e.attempts() == 1u);
  BOOST_TEST(elapsed_ms(start) >= 900);
}

BOOST_AUTO_TEST_CASE(a_delay_within_the_timeout_is_only_slow) {
  auto pause = step(fault_action::delay);
  pause.wait = 300ms;
  mock_fixture f(scripted({pause}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  const auto start = clock_type::now();
  auto c = run(io, client.update_completion(f.id(1), {{"slow", "yes"}}));
  BOOST_TEST(c.metadata().at("slow") == "yes");
  BOOST_TEST(elapsed_ms(start) >= 300);
}

BOOST_AUTO_TEST_CASE(a_delay_past_the_timeout_is_a_timeout) {
  auto pause = step(fault_action::delay);
  pause.wait = 1500ms;
  mock_fixture f(scripted({pause}));
  auto options = quick(f.options(), 0);
  options.timeout = 500ms;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto e = failure<openai::timeout_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::timeout));
}

BOOST_AUTO_TEST_CASE(a_server_that_accepts_but_never_answers_the_handshake_is_a_timeout) {
  // A listener that takes the TCP connection and then says nothing: the TLS handshake must end
  // by the call's deadline, not wait for the kernel.
  asio::io_context server_io;
  asio::ip::tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket silent(server_io);
  acceptor.async_accept(silent, [](boost::system::error_code) {});
  std::thread server([&] { server_io.run_for(10s); });

  mock_fixture f;  // only for its CA file
  auto options = quick(f.options(), 0);
  options.base_url = "https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v1";
  options.timeout = 400ms;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  const auto start = clock_type::now();
  auto e = failure<openai::timeout_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::timeout));
  BOOST_TEST(std::string(e.what()).find("handshake") != std::string::npos, e.what());
  BOOST_TEST((e.details().cause == asio::error::timed_out), e.details().cause.message());
  BOOST_TEST(elapsed_ms(start) >= 350);
  server_io.stop();
  server.join();
}

BOOST_AUTO_TEST_CASE(a_reset_mid_response_is_a_network_error) {
  mock_fixture f(scripted({step(fault_action::reset_mid_response)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::network), e.what());
  BOOST_TEST(e.attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(a_reset_before_the_response_is_retried_and_then_succeeds) {
  mock_fixture f(scripted({step(fault_action::reset), fault_plan::ok()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto c = run(io, client.update_completion(f.id(1), {{"after", "reset"}}));
  BOOST_TEST(c.metadata().at("after") == "reset");
  BOOST_TEST(c.attempts() == 2u);
  BOOST_TEST(kind_count(f.mock().stats(), "reset") == 1u);
}

BOOST_AUTO_TEST_CASE(two_429s_with_retry_after_ms_then_success_take_three_attempts) {
  mock_fixture f(
      scripted({fault_plan::error(429, "rate_limit_exceeded", 200ms),
                fault_plan::error(429, "rate_limit_exceeded", 300ms), fault_plan::ok()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  const auto start = clock_type::now();
  auto c = run(io, client.update_completion(f.id(1), {{"third", "time"}}));
  BOOST_TEST(elapsed_ms(start) >= 500);  // both waits honoured
  BOOST_TEST(c.attempts() == 3u);
  BOOST_TEST(c.metadata().at("third") == "time");
  BOOST_TEST(kind_count(f.mock().stats(), "status_429") == 2u);
}

BOOST_AUTO_TEST_CASE(a_429_for_insufficient_quota_fails_after_one_attempt) {
  mock_fixture f(scripted({fault_plan::error(429, "insufficient_quota", 10ms)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::rate_limit_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::rate_limited));
  BOOST_TEST(e.code() == "insufficient_quota");
  BOOST_TEST(e.attempts() == 1u);
  BOOST_TEST(f.mock().stats().requests == 1u);
}

BOOST_AUTO_TEST_CASE(x_should_retry_false_stops_the_retry_of_a_503) {
  mock_fixture f(scripted({with_header(fault_plan::error(503, {}, 10ms), "x-should-retry", "false"),
                           fault_plan::ok()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::internal_server_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::server_error));
  BOOST_TEST(e.status() == 503u);
  BOOST_TEST(e.attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(x_should_retry_true_retries_a_400) {
  mock_fixture f(scripted(
      {with_header(fault_plan::error(400, {}, 10ms), "x-should-retry", "true"), fault_plan::ok()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto c = run(io, client.update_completion(f.id(1), {{"retried", "400"}}));
  BOOST_TEST(c.attempts() == 2u);
  BOOST_TEST(c.metadata().at("retried") == "400");
}

BOOST_AUTO_TEST_CASE(a_retry_after_longer_than_sixty_seconds_fails_at_once) {
  auto slow_down = fault_plan::error(429, "rate_limit_exceeded");
  slow_down.reply.headers["retry-after"] = "120";
  mock_fixture f(scripted({slow_down, fault_plan::ok()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto e = failure<openai::rate_limit_error>(io, client, f.id(1));
  BOOST_TEST(e.attempts() == 1u);
  BOOST_TEST(f.mock().stats().requests == 1u);
}

BOOST_AUTO_TEST_CASE(a_server_closing_idle_connections_costs_no_attempt,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "idle_close and the keep-alive peek; h2 checks with PING, in http2"})) {
  constexpr int n = 6;
  auto o = mock_fixture::default_options(n);
  o.script["*"] = std::vector<fault_step>(n, step(fault_action::idle_close));
  mock_fixture f(std::move(o));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));  // no retries to spend
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 1; i <= n; ++i) {
      auto c = co_await client.update_completion(f.id(i), {{"idle", std::to_string(i)}});
      BOOST_TEST(c.attempts() == 1u);
      BOOST_TEST(c.metadata().at("idle") == std::to_string(i));
    }
  }());
  const auto stats = f.mock().stats();
  BOOST_TEST(stats.requests == std::uint64_t{n});  // the dropped re-sends are not requests
  BOOST_TEST(stats.tls_handshakes == std::uint64_t{n});
  BOOST_TEST(kind_count(stats, "idle_close") == std::uint64_t{n});
}

BOOST_AUTO_TEST_CASE(connection_close_answers_are_not_reused) {
  constexpr int n = 5;
  auto o = mock_fixture::default_options(n);
  o.script["*"] = std::vector<fault_step>(n, step(fault_action::close_after_response));
  mock_fixture f(std::move(o));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 1; i <= n; ++i) {
      auto c = co_await client.update_completion(f.id(i), {{"close", "yes"}});
      BOOST_TEST(c.attempts() == 1u);
    }
  }());
  BOOST_TEST(f.mock().stats().requests == std::uint64_t{n});
  BOOST_TEST(f.mock().stats().tls_handshakes == std::uint64_t{n});
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_host_name_is_rejected) {
  auto o = mock_fixture::default_options(2);
  o.certificates.subject_alt_names = {"DNS:other.example"};
  o.certificates.common_name = "other.example";
  mock_fixture f(std::move(o));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::network));
  BOOST_TEST(std::string(e.what()).find("certificate") != std::string::npos, e.what());
  BOOST_TEST(f.mock().stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(an_untrusted_self_signed_certificate_is_rejected) {
  auto o = mock_fixture::default_options(2);
  o.certificates.self_signed = true;
  mock_fixture f(std::move(o));
  auto options = quick(f.options(), 0);
  options.ca_file.clear();  // there is no CA to trust
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::network));
  BOOST_TEST(std::string(e.what()).find("self-signed certificate") != std::string::npos, e.what());
  // The cause is OpenSSL's own error, not the errc it was mapped to.
  BOOST_TEST(std::string(e.details().cause.category().name()) == "asio.ssl",
             e.details().cause.category().name());
  BOOST_TEST(f.mock().stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(an_expired_certificate_is_rejected) {
  auto o = mock_fixture::default_options(2);
  o.certificates.not_before = -48h;
  o.certificates.not_after = -24h;
  mock_fixture f(std::move(o));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST((e.kind() == openai::errc::network));
  BOOST_TEST(std::string(e.what()).find("certificate has expired") != std::string::npos, e.what());
  BOOST_TEST(f.mock().stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(random_faults_at_a_fifth_of_requests_are_all_recovered) {
  constexpr int n = 300;
  auto o = mock_fixture::default_options(n);
  o.random_faults.rate = 0.2;
  o.random_faults.seed = 42;
  mock_fixture f(std::move(o));
  auto options = quick(f.options(), 5);
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  int ok = 0;
  unsigned attempts = 0;
  // Sequential, so the request order (and with the seed, every fault) is the same each run.
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 1; i <= n; ++i) {
      auto c = co_await client.update_completion(f.id(i), {{"rnd", std::to_string(i)}});
      ok += c.metadata().at("rnd") == std::to_string(i);
      attempts += c.attempts();
    }
  }());
  BOOST_TEST(ok == n);
  const auto stats = f.mock().stats();
  BOOST_TEST(stats.faults_injected > 30u);
  BOOST_TEST(stats.faults_injected < 100u);
  std::uint64_t by_kind = 0;
  for (const auto& [kind, count] : stats.faults_by_kind) by_kind += count;
  BOOST_TEST(by_kind == stats.faults_injected);
  BOOST_TEST(attempts > unsigned{n});  // some faults cost a retry (a stale reset does not)
}

BOOST_AUTO_TEST_CASE(faults_posted_over_http_apply_to_the_next_requests) {
  mock_fixture f(mock_fixture::default_options(3));
  const std::string id = f.id(2);
  const auto answer =
      http_call(f.mock().http_port(), "POST", "/__mock/faults",
                R"({")" + id + R"(": [{"status": 429, "retry_after_ms": 50}, "ok"]})");
  BOOST_TEST(answer.rfind("HTTP/1.1 200", 0) == 0u, answer);
  BOOST_TEST(f.mock().pending_faults().at(id) == 2u);
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  auto c = run(io, client.update_completion(id, {{"over", "http"}}));
  BOOST_TEST(c.attempts() == 2u);
  BOOST_TEST(f.mock().pending_faults().empty());  // "ok" consumed too
  const auto bad = http_call(f.mock().http_port(), "POST", "/__mock/faults",
                             R"({"x": [{"action": "explode"}]})");
  BOOST_TEST(bad.rfind("HTTP/1.1 400", 0) == 0u, bad);
}

BOOST_AUTO_TEST_CASE(faults_scripted_on_a_running_server_apply) {
  mock_fixture f(mock_fixture::default_options(3));
  f.mock().script_faults(f.id(3), {fault_plan::error(500), fault_plan::error(500)});
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 1));
  auto e = failure<openai::internal_server_error>(io, client, f.id(3));
  BOOST_TEST(e.attempts() == 2u);
  f.mock().script_faults(f.id(3), {fault_plan::error(500)});
  f.mock().clear_faults();
  auto c = run(io, client.update_completion(f.id(3), {{"clean", "yes"}}));
  BOOST_TEST(c.attempts() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

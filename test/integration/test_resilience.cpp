// Deadlines, cancellation, shutdown, pool health and logging, against openai-mock over TLS.
#include "mock_fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using test_support::mock_fixture;
using test_support::run;

namespace {

const std::string slow_id = "chatcmpl-mock-000001";

// Answers requests about slow_id after 3 s; everything else at once.
openai_mock::fault_decider slow_first() {
  return [](const openai_mock::request& r) {
    if (r.target.find(slow_id) == std::string::npos) return openai_mock::fault_plan{};
    auto plan = openai_mock::fault_plan::make(openai_mock::fault_action::delay);
    plan.wait = 3s;
    return plan;
  };
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resilience)

BOOST_AUTO_TEST_CASE(a_per_call_timeout_raises_timeout_error_after_each_attempt) {
  mock_fixture f(3, slow_first());
  asio::io_context io;
  auto options = f.options();
  options.initial_retry_delay = 10ms;
  openai::client client(io.get_executor(), options);
  openai::request_options call;
  call.timeout = 300ms;
  call.max_retries = 1;
  const auto start = std::chrono::steady_clock::now();
  try {
    run(io, client.update_completion(slow_id, {{"a", "b"}}, call));
    BOOST_FAIL("slow server did not time out");
  } catch (const openai::timeout_error& e) {
    BOOST_TEST(e.attempts() == 2u);
    BOOST_TEST((e.kind() == openai::errc::timeout));
  }
  BOOST_TEST(seconds_since(start) < 2.5);  // two 0.3 s attempts, not the server's 3 s
}

BOOST_AUTO_TEST_CASE(cancelling_through_awaitable_operators_stops_the_call_and_frees_its_slot,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "a cancelled call discards its connection; h2 resets the stream, in http2_faults"})) {
  mock_fixture f(3, slow_first());
  asio::io_context io;
  auto options = f.options();
  options.max_connections = 1;
  openai::client client(io.get_executor(), options);
  const auto start = std::chrono::steady_clock::now();
  run(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
    auto result = co_await (client.update_completion(slow_id, {{"a", "b"}}) ||
                            timer.async_wait(asio::use_awaitable));
    BOOST_TEST(result.index() == 1u);  // the timer won
    // The only pool slot is free again: the next call gets a connection at once.
    auto c = co_await client.update_completion(f.id(2), {{"after", "cancel"}});
    BOOST_TEST(c.metadata().at("after") == "cancel");
  }());
  BOOST_TEST(seconds_since(start) < 2.5);
  BOOST_TEST(client.pool_stats().open <= 1u);
  BOOST_TEST(f.mock().stats().tls_handshakes == 2u);  // the cancelled connection was discarded
}

BOOST_AUTO_TEST_CASE(a_cancellation_slot_cancels_a_call_waiting_for_a_connection) {
  mock_fixture f(3, slow_first());
  asio::io_context io;
  auto options = f.options();
  options.max_connections = 1;
  options.max_streams_per_connection = 1;  // over h2 too, the second call must wait
  openai::client client(io.get_executor(), options);
  boost::system::error_code slow_result, waiting_result;
  asio::cancellation_signal cancel_waiting;
  // The slow call holds the only connection; the second call queues behind it.
  client.async_update_completion(slow_id, {{"a", "1"}},
                                 [&](boost::system::error_code ec, openai::chat_completion) {
                                   slow_result = ec;
                                 });
  client.async_update_completion(
      f.id(2), {{"a", "2"}},
      asio::bind_cancellation_slot(cancel_waiting.slot(),
                                   [&](boost::system::error_code ec, openai::chat_completion) {
                                     waiting_result = ec;
                                   }));
  asio::steady_timer timer(io, 200ms);
  timer.async_wait([&](auto) { cancel_waiting.emit(asio::cancellation_type::terminal); });
  io.run();
  BOOST_TEST((waiting_result == asio::error::operation_aborted));
  BOOST_TEST(!slow_result);  // the other caller is unaffected
  BOOST_TEST(f.mock().metadata_of(f.id(2))->empty());  // never sent
}

BOOST_AUTO_TEST_CASE(destroying_the_client_aborts_calls_in_flight) {
  mock_fixture f(10, slow_first());
  asio::io_context io;
  auto client = std::make_unique<openai::client>(io.get_executor(), f.options());
  std::atomic<int> aborted{0}, completed{0};
  for (int i = 0; i < 5; ++i)
    client->async_update_completion(slow_id, {{"i", std::to_string(i)}},
                                    [&](boost::system::error_code ec, openai::chat_completion) {
                                      (ec == asio::error::operation_aborted ? aborted : completed)++;
                                    });
  asio::steady_timer timer(io, 200ms);
  timer.async_wait([&](auto) { client.reset(); });
  const auto start = std::chrono::steady_clock::now();
  io.run();
  BOOST_TEST(aborted.load() == 5);
  BOOST_TEST(completed.load() == 0);
  BOOST_TEST(seconds_since(start) < 2.5);
}

BOOST_AUTO_TEST_CASE(calls_after_destruction_started_fail_rather_than_hang) {
  mock_fixture f;
  asio::io_context io;
  boost::system::error_code result;
  {
    openai::client client(io.get_executor(), f.options());
    client.async_update_completion(f.id(1), {{"a", "b"}},
                                   [&](boost::system::error_code ec, openai::chat_completion) {
                                     result = ec;
                                   });
  }
  io.run();
  BOOST_TEST((result == asio::error::operation_aborted));
}

BOOST_AUTO_TEST_CASE(waiters_get_errors_not_hangs_when_the_host_is_down) {
  // A port that was just free: nothing listens there.
  unsigned short port = 0;
  {
    asio::io_context probe;
    asio::ip::tcp::acceptor a(probe, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  asio::io_context io;
  openai::client_options options;
  options.api_key = test_support::api_key;
  options.base_url = "https://127.0.0.1:" + std::to_string(port) + "/v1";
  options.max_connections = 2;
  options.max_retries = 1;
  options.initial_retry_delay = 10ms;
  openai::client client(io.get_executor(), options);
  std::atomic<int> network_errors{0};
  for (int i = 0; i < 20; ++i)
    client.async_update_completion("chatcmpl-x", {{"a", "b"}},
                                   [&](boost::system::error_code ec, openai::chat_completion) {
                                     if (ec == openai::errc::network) network_errors++;
                                   });
  const auto start = std::chrono::steady_clock::now();
  io.run();
  BOOST_TEST(network_errors.load() == 20);
  BOOST_TEST(seconds_since(start) < 10.0);
  BOOST_TEST(client.pool_stats().open == 0u);
}

BOOST_AUTO_TEST_CASE(a_connection_idle_past_the_idle_timeout_is_not_reused) {
  mock_fixture f;
  asio::io_context io;
  auto options = f.options();
  options.idle_timeout = 200ms;
  openai::client client(io.get_executor(), options);
  run(io, [&]() -> asio::awaitable<void> {
    co_await client.update_completion(f.id(1), {{"a", "b"}});
    co_await client.update_completion(f.id(1), {{"a", "c"}});  // reused: still fresh
    asio::steady_timer timer(co_await asio::this_coro::executor, 400ms);
    co_await timer.async_wait(asio::use_awaitable);
    co_await client.update_completion(f.id(1), {{"a", "d"}});
  }());
  BOOST_TEST(f.mock().stats().tls_handshakes == 2u);
  BOOST_TEST(client.pool_stats().open == 1u);  // the expired one was closed, not kept
}

BOOST_AUTO_TEST_CASE(io_context_run_returns_when_calls_are_done_despite_idle_connections) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  const auto start = std::chrono::steady_clock::now();
  run(io, client.update_completion(f.id(1), {{"a", "b"}}));
  BOOST_TEST(seconds_since(start) < 5.0);  // no timer of the client's keeps run() busy
  BOOST_TEST(client.pool_stats().idle == 1u);
  client.close_idle_connections();
  BOOST_TEST(client.pool_stats().idle == 0u);
  BOOST_TEST(client.pool_stats().open == 0u);
}

BOOST_AUTO_TEST_CASE(a_connection_the_server_closed_while_idle_is_never_handed_out) {
  openai_mock::server_options o;
  o.seed_completions = 3;
  o.idle_timeout = std::chrono::seconds(1);  // the server drops idle connections after 1 s
  mock_fixture f(o);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  run(io, [&]() -> asio::awaitable<void> {
    co_await client.update_completion(f.id(1), {{"a", "b"}});
    asio::steady_timer timer(co_await asio::this_coro::executor, 1500ms);
    co_await timer.async_wait(asio::use_awaitable);
    auto c = co_await client.update_completion(f.id(1), {{"a", "c"}});
    BOOST_TEST(c.attempts() == 1u);  // noticed before sending, not by a failed attempt
  }());
  BOOST_TEST(f.mock().stats().tls_handshakes == 2u);
  BOOST_TEST(f.mock().stats().requests == 2u);
}

BOOST_AUTO_TEST_CASE(debug_log_has_a_line_per_request_and_response_and_never_the_key) {
  mock_fixture f;
  asio::io_context io;
  auto options = f.options();
  std::mutex mutex;
  std::vector<std::string> lines;
  options.debug_log = [&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  };
  openai::client client(io.get_executor(), options);
  run(io, client.update_completion(f.id(1), {{"a", "b"}}));
  // An id that embeds the key must not smuggle it into the log either.
  BOOST_CHECK_THROW(run(io, client.update_completion("x" + test_support::api_key, {})),
                    openai::not_found_error);
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0].find("-> POST /v1/chat/completions/" + f.id(1)) != std::string::npos);
  BOOST_TEST(lines[1].find("200") != std::string::npos);
  BOOST_TEST(lines[1].find("request id req_") != std::string::npos);
  BOOST_TEST(lines[3].find("404") != std::string::npos);
  for (const auto& line : lines) BOOST_TEST(line.find(test_support::api_key) == std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(an_echoed_key_is_redacted_from_error_messages) {
  mock_fixture f(2, [](const openai_mock::request&) {
    openai_mock::fault_plan plan;
    plan.action = openai_mock::fault_action::respond;
    plan.reply.status = 401;
    plan.reply.body = R"({"error":{"message":"Incorrect API key provided: )" + test_support::api_key +
                      R"(","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})";
    return plan;
  });
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  try {
    run(io, client.update_completion(f.id(1), {{"a", "b"}}));
    BOOST_FAIL("401 not reported");
  } catch (const openai::authentication_error& e) {
    BOOST_TEST(std::string(e.what()).find(test_support::api_key) == std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("[redacted]") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Duration options at duration::max(): "never", not an overflow. milliseconds::max() in the
// clocks' nanoseconds used to wrap to -1 ms, so every deadline had passed before it was set.
#include "fault_helpers.hpp"
#include "mock_fixture.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <variant>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using test_support::mock_fixture;
using test_support::run;
using test_support::with_header;

namespace {

constexpr auto forever = std::chrono::milliseconds::max();

}  // namespace

BOOST_AUTO_TEST_SUITE(duration_limits)

BOOST_AUTO_TEST_CASE(timeouts_of_duration_max_mean_no_timeout) {
  mock_fixture f(3);
  asio::io_context io;
  auto options = f.options();
  options.timeout = forever;
  options.connect_timeout = forever;
  openai::client client(io.get_executor(), options);
  auto c = run(io, client.update_completion(f.id(1), {{"limit", "client"}}));
  BOOST_TEST(c.metadata().at("limit") == "client");

  openai::request_options call;
  call.timeout = forever;
  auto d = run(io, client.update_completion(f.id(2), {{"limit", "call"}}, call));
  BOOST_TEST(d.metadata().at("limit") == "call");
}

BOOST_AUTO_TEST_CASE(an_idle_timeout_of_duration_max_keeps_reusing_the_connection) {
  mock_fixture f(3);
  asio::io_context io;
  auto options = f.options();
  options.idle_timeout = forever;
  openai::client client(io.get_executor(), options);
  for (int i = 1; i <= 3; ++i) run(io, client.update_completion(f.id(i), {{"n", "x"}}));
  BOOST_TEST(client.pool_stats().opened_total == 1u);
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
}

BOOST_AUTO_TEST_CASE(a_batch_request_timeout_of_duration_max_means_no_timeout) {
  mock_fixture f(4);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  std::vector<openai::update_item> items;
  for (std::uint64_t i = 1; i <= 4; ++i) items.push_back({f.id(i), {{"batch", "max"}}, i});
  openai::batch_options options;
  options.request.timeout = forever;
  auto summary =
      run(io, client.update_many(
                  openai::source_from_range(items),
                  [](openai::update_result r) { BOOST_TEST(r.ok(), r.details.message); }, options));
  BOOST_TEST(summary.ok == 4u);
}

BOOST_AUTO_TEST_CASE(retry_delays_of_duration_max_wait_instead_of_retrying_at_once) {
  std::atomic<int> requests{0};
  mock_fixture f(8, [&](const openai_mock::request&) {
    ++requests;
    return openai_mock::fault_plan::error(503);
  });
  asio::io_context io;
  auto options = f.options();
  options.initial_retry_delay = forever;
  options.max_retry_delay = forever;
  options.max_retries = 1;
  openai::client client(io.get_executor(), options);
  // Each retry waits "forever", so each call's timer ends it. The wrapped wait was a jittered,
  // so random, number of nanoseconds: negative for about half the calls, whose retry then went
  // out at once. Eight calls: at least one of them shows it, nearly always.
  int timer_won = 0;
  auto call = [&](std::size_t i) -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1s);
    auto result = co_await (client.update_completion(f.id(i), {{"a", "b"}}) ||
                            timer.async_wait(asio::use_awaitable));
    if (result.index() == 1) ++timer_won;
  };
  for (std::size_t i = 1; i <= 8; ++i) asio::co_spawn(io, call(i), asio::detached);
  io.run();
  BOOST_TEST(timer_won == 8);
  BOOST_TEST(requests.load() == 8);  // one attempt per call: no retry went out
}

BOOST_AUTO_TEST_CASE(a_rate_limit_reset_of_a_day_pauses_a_batch_no_longer_than_max_retry_after) {
  // Every answer says the budget is spent until a reset a day away.
  mock_fixture f(3, [](const openai_mock::request&) {
    return with_header(
        with_header(openai_mock::fault_plan::error(400), "x-ratelimit-remaining-requests", "0"),
        "x-ratelimit-reset-requests", "24h");
  });
  asio::io_context io;
  auto options = f.options();
  options.max_retry_after = 100ms;
  openai::client client(io.get_executor(), options);
  std::vector<openai::update_item> items;
  for (std::uint64_t i = 1; i <= 3; ++i) items.push_back({f.id(i), {{"a", "b"}}, i});
  openai::batch_options batch;
  batch.concurrency = 1;
  run(io, [&]() -> asio::awaitable<void> {
    // Only a guard against the day-long pause: each pause is 100 ms.
    asio::steady_timer guard(co_await asio::this_coro::executor, 60s);
    auto result =
        co_await (client.update_many(
                      openai::source_from_range(items), [](openai::update_result) {}, batch) ||
                  guard.async_wait(asio::use_awaitable));
    BOOST_REQUIRE(result.index() == 0u);
    BOOST_TEST(std::get<0>(result).total == 3u);
  }());
}

BOOST_AUTO_TEST_SUITE_END()

// client.update_many against openai-mock over TLS.
#include "mock_fixture.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::mock_fixture;
using test_support::run;

namespace {

std::vector<openai::update_item> tag_all(std::size_t n, std::string value) {
  std::vector<openai::update_item> items;
  for (std::size_t i = 1; i <= n; ++i)
    items.push_back({mock_fixture::id(i), {{"batch", value}}, i});
  return items;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(update_many)

BOOST_AUTO_TEST_CASE(updates_every_item_and_reports_one_result_each) {
  mock_fixture f(500);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto items = tag_all(500, "b7");
  std::map<std::uint64_t, int> results_per_tag;
  openai::batch_options options;
  options.concurrency = 32;
  auto summary = run(io, client.update_many(openai::source_from_range(items),
                                            [&](openai::update_result r) {
                                              BOOST_TEST(r.ok(), r.details.message);
                                              BOOST_TEST(r.completion_id == f.id(r.tag));
                                              BOOST_TEST(r.details.request_id.rfind("req_", 0) == 0u);
                                              ++results_per_tag[r.tag];
                                            },
                                            options));
  BOOST_TEST(summary.total == 500u);
  BOOST_TEST(summary.ok == 500u);
  BOOST_TEST(results_per_tag.size() == 500u);
  for (auto& [tag, n] : results_per_tag) BOOST_TEST(n == 1);
  for (std::size_t i = 1; i <= 500; ++i) BOOST_TEST(f.mock().metadata_of(f.id(i))->at("batch") == "b7");
  BOOST_TEST(f.mock().stats().tls_handshakes <= 32u);
}

BOOST_AUTO_TEST_CASE(invalid_items_become_error_results_without_being_sent) {
  mock_fixture f(10);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  std::vector<openai::update_item> items = tag_all(4, "ok");
  openai::metadata seventeen;
  for (int i = 0; i < 17; ++i) seventeen.insert_or_assign("k" + std::to_string(i), "v");
  items.push_back({f.id(5), seventeen, 5});
  items.push_back({f.id(6), {{std::string(65, 'k'), "v"}}, 6});
  items.push_back({"..", {{"a", "b"}}, 7});
  items.push_back({"chatcmpl-unknown", {{"a", "b"}}, 8});  // sent, answered 404
  items.push_back({f.id(9), {{"after", "errors"}}, 9});
  std::map<std::uint64_t, openai::update_result> results;
  auto summary = run(io, client.update_many(
                             openai::source_from_range(items),
                             [&](openai::update_result r) { results.emplace(r.tag, std::move(r)); }));
  BOOST_TEST(summary.total == 9u);
  BOOST_TEST(summary.ok == 5u);
  BOOST_TEST(summary.failed == 4u);
  for (std::uint64_t tag : {5u, 6u, 7u}) {
    BOOST_TEST((results.at(tag).ec == openai::errc::invalid_argument));
    BOOST_TEST(!results.at(tag).attempted);
    BOOST_TEST(!results.at(tag).details.violations.empty());
  }
  BOOST_TEST((results.at(8).ec == openai::errc::not_found));
  BOOST_TEST(results.at(8).details.status == 404u);
  BOOST_TEST(results.at(8).attempted);
  BOOST_TEST(results.at(9).ok());
  BOOST_TEST(f.mock().stats().requests == 6u);  // 4 + the 404 + the last: nothing invalid sent
  BOOST_TEST(f.mock().metadata_of(f.id(5))->empty());
}

BOOST_AUTO_TEST_CASE(repeated_429s_lower_the_concurrency_and_every_item_still_succeeds) {
  openai_mock::server_options o;
  o.seed_completions = 200;
  // The first 60 requests are refused with a short retry-after-ms; then the server recovers.
  auto refused = std::make_shared<std::atomic<int>>(0);
  o.faults = [refused](const openai_mock::request&) {
    if (refused->fetch_add(1) < 60) return openai_mock::fault_plan::error(429, "rate_limit_exceeded", 20ms);
    return openai_mock::fault_plan{};
  };
  mock_fixture f(o);
  asio::io_context io;
  auto client_options = f.options();
  client_options.max_retries = 10;
  openai::client client(io.get_executor(), client_options);
  auto items = tag_all(200, "aimd");
  openai::batch_options options;
  options.concurrency = 32;
  options.progress = std::make_shared<openai::batch_progress>();
  std::uint64_t lowest = 1000;
  options.on_progress = [&](const openai::batch_progress& p) {
    lowest = std::min(lowest, p.concurrency());
  };
  auto summary = run(io, client.update_many(openai::source_from_range(items),
                                            [](openai::update_result) {}, options));
  BOOST_TEST(summary.ok == 200u);
  BOOST_TEST(summary.retries >= 60u);
  BOOST_TEST(lowest < 32u);  // it backed off
  BOOST_TEST(options.progress->done() == 200u);
  BOOST_TEST(options.progress->retries() == summary.retries);
}

BOOST_AUTO_TEST_CASE(the_requests_per_second_cap_spaces_requests) {
  mock_fixture f(20);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto items = tag_all(20, "slow");
  openai::batch_options options;
  options.max_requests_per_second = 40;
  const auto start = std::chrono::steady_clock::now();
  auto summary = run(io, client.update_many(openai::source_from_range(items),
                                            [](openai::update_result) {}, options));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(summary.ok == 20u);
  BOOST_TEST(seconds >= 0.4);  // 20 requests at 40 per second cannot take less than ~0.475 s
}

// update_many at the default concurrency (64) against openai-mock's token bucket (burst: 100 ms
// worth), which announces its budget on every answer. Every item must succeed, each applied
// once (the mock's admitted requests are exactly the items), and the only 429s are those of the
// first wave, sent before any answer (64 requests for a burst of 20), plus 2 % at most.
// `halfway` runs once half the items are done (to change the limit).
void tag_at_a_rate_limit(const std::string& limit, std::size_t n,
                         std::function<void(openai_mock::server&)> halfway = {}) {
  auto o = mock_fixture::default_options(n);
  o.rate_limit = openai_mock::parse_rate_limit(limit);
  mock_fixture f(o);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto items = tag_all(n, "paced");
  std::size_t done = 0, failed = 0;
  auto summary = run(io, client.update_many(openai::source_from_range(items),
                                            [&](openai::update_result r) {
                                              if (!r.ok()) ++failed;
                                              BOOST_TEST(r.ok(), r.details.message);
                                              if (++done == n / 2 && halfway) halfway(f.mock());
                                            },
                                            {}));
  const auto stats = f.mock().stats();
  BOOST_TEST_MESSAGE(limit << ": " << stats.requests << " requests, " << stats.rate_limited
                           << " answered 429, " << summary.elapsed_seconds << " s");
  BOOST_TEST(summary.ok == n);
  BOOST_TEST(failed == 0u);
  BOOST_TEST(stats.requests - stats.rate_limited == n);  // nothing applied twice
  BOOST_TEST(stats.rate_limited <= 64 + n / 50);
  for (std::size_t i = 1; i <= n; ++i)
    BOOST_TEST(f.mock().metadata_of(f.id(i))->at("batch") == "paced");
}

BOOST_AUTO_TEST_CASE(a_batch_at_a_per_second_rate_limit_loses_no_item) {
  tag_at_a_rate_limit("200/s", 600);
}

BOOST_AUTO_TEST_CASE(a_batch_at_a_per_minute_rate_limit_loses_no_item) {
  tag_at_a_rate_limit("12000/m", 600);
}

BOOST_AUTO_TEST_CASE(a_batch_follows_a_rate_limit_that_drops_to_a_quarter) {
  tag_at_a_rate_limit("200/s", 400, [](openai_mock::server& mock) {
    mock.set_rate_limit(openai_mock::parse_rate_limit("50/s"));
  });
}

BOOST_AUTO_TEST_CASE(cancellation_stops_pulling_and_reports_the_rest_as_not_attempted) {
  mock_fixture f(400);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto items = tag_all(400, "cancel");
  asio::cancellation_signal cancel;
  std::set<std::uint64_t> seen;
  std::size_t ok = 0, not_attempted = 0;
  openai::batch_options options;
  options.concurrency = 8;
  openai::batch_summary summary;
  client.async_update_many(
      openai::source_from_range(items),
      [&](openai::update_result r) {
        BOOST_TEST(seen.insert(r.tag).second);  // one result per item
        if (r.ok()) ++ok;
        if (!r.attempted) ++not_attempted;
        if (seen.size() == 50) cancel.emit(asio::cancellation_type::terminal);
      },
      options,
      asio::bind_cancellation_slot(cancel.slot(),
                                   [&](std::exception_ptr e, openai::batch_summary s) {
                                     BOOST_TEST(!e);
                                     summary = s;
                                   }));
  io.run();
  BOOST_TEST(summary.cancelled);
  BOOST_TEST(seen.size() == 400u);
  BOOST_TEST(summary.ok == ok);
  BOOST_TEST(summary.not_attempted == not_attempted);
  BOOST_TEST(not_attempted > 300u);
  BOOST_TEST(f.mock().stats().requests == ok);  // in-flight ones finished, nothing else sent
}

BOOST_AUTO_TEST_CASE(takes_items_from_a_channel_until_it_closes) {
  mock_fixture f(50);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  asio::experimental::channel<void(boost::system::error_code, openai::update_item)> channel(io, 4);
  std::size_t results = 0;
  run(io, [&]() -> asio::awaitable<void> {
    auto producer = [&]() -> asio::awaitable<void> {
      for (std::size_t i = 1; i <= 50; ++i) {
        // A named item: g++ 12 mishandles braced temporaries inside co_await expressions.
        openai::update_item item{f.id(i), {{"via", "channel"}}, i};
        co_await channel.async_send({}, std::move(item), asio::use_awaitable);
      }
      channel.close();
    };
    asio::co_spawn(co_await asio::this_coro::executor, producer(), asio::detached);
    auto summary = co_await client.update_many(openai::source_from_channel(channel),
                                               [&](openai::update_result) { ++results; });
    BOOST_TEST(summary.ok == 50u);
  }());
  BOOST_TEST(results == 50u);
  BOOST_TEST(f.mock().metadata_of(f.id(50))->at("via") == "channel");
}

BOOST_AUTO_TEST_CASE(takes_items_from_a_generator) {
  mock_fixture f(30);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  std::size_t next = 1;
  auto summary = run(io, client.update_many(
                             openai::source_from_generator([&]() -> std::optional<openai::update_item> {
                               if (next > 30) return std::nullopt;
                               auto i = next++;
                               return openai::update_item{f.id(i), {{"via", "generator"}}, i};
                             }),
                             [](openai::update_result) {}));
  BOOST_TEST(summary.ok == 30u);
}

BOOST_AUTO_TEST_CASE(an_exception_from_the_sink_stops_the_batch_and_propagates) {
  mock_fixture f(100);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto items = tag_all(100, "x");
  std::size_t calls = 0;
  openai::batch_options options;
  options.concurrency = 4;
  options.report_unattempted = false;
  BOOST_CHECK_THROW(run(io, client.update_many(openai::source_from_range(items),
                                               [&](openai::update_result) {
                                                 if (++calls == 10) throw std::runtime_error("disk full");
                                               },
                                               options)),
                    std::runtime_error);
  BOOST_TEST(f.mock().stats().requests < 100u);
}

BOOST_AUTO_TEST_SUITE_END()

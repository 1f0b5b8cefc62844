// The attempt loop driven by a fake pool whose exchanges follow a script: no sockets, only the
// loop's decisions (re-send after a stale connection, retry after the policy's wait, stop).
#include "api/attempt_rules.hpp"
#include "transport/attempt_loop.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>

#include <deque>
#include <optional>

namespace asio = boost::asio;
using boost::system::error_code;
using openai::detail::attempt_outcome_of;
using openai::detail::attempt_policy;
using openai::detail::attempt_verdict;
using openai::detail::call_settings;
namespace http = openai::detail::http;

namespace {

// What one exchange does: fail with `ec` (after `received` bytes or none), or answer `status`.
struct exchange_step {
  error_code ec;
  unsigned status = 200;
  bool received = false;
};

struct fake_pool;

struct fake_connection {
  fake_pool* pool = nullptr;
  bool received = false;
  error_code cause;
  asio::awaitable<error_code> exchange(const http::request&, http::response& out,
                                       std::chrono::steady_clock::time_point, std::size_t,
                                       const http::response_header_names&, std::string& problem);
  error_code last_cause() const { return cause; }
  bool received_any() const { return received; }
  bool resumed() const { return false; }
  std::size_t bytes_sent() const { return 10; }
  std::size_t bytes_received() const { return received ? 20 : 0; }
  void close() {}
};

struct fake_lease {
  std::optional<fake_connection> conn;
  bool is_fresh = false;
  fake_connection* operator->() { return &*conn; }
  explicit operator bool() const { return conn.has_value(); }
  bool fresh() const { return is_fresh; }
  void reset() { conn.reset(); }
};

struct fake_pool {
  using lease = fake_lease;
  struct acquired {
    error_code ec;
    std::string problem;
    fake_lease conn;
    error_code cause;
  };
  std::deque<exchange_step> script;
  bool idle_available = false;  // try_acquire_idle hands out a reused connection
  unsigned opened = 0, reused = 0, exchanges = 0;
  std::vector<bool> prefer_new_asked;

  fake_lease try_acquire_idle() {
    if (!idle_available) return {};
    ++reused;
    return {fake_connection{this, false, {}}, false};
  }
  asio::awaitable<acquired> acquire(std::chrono::steady_clock::time_point, bool prefer_new) {
    prefer_new_asked.push_back(prefer_new);
    ++opened;
    co_return acquired{{}, {}, fake_lease{fake_connection{this, false, {}}, true}, {}};
  }
};

asio::awaitable<error_code> fake_connection::exchange(const http::request&, http::response& out,
                                                      std::chrono::steady_clock::time_point,
                                                      std::size_t,
                                                      const http::response_header_names&,
                                                      std::string& problem) {
  ++pool->exchanges;
  BOOST_TEST_REQUIRE(!pool->script.empty());
  const exchange_step step = pool->script.front();
  pool->script.pop_front();
  received = step.received;
  cause = step.ec;
  if (step.ec) {
    problem = "scripted failure";
    co_return step.ec;
  }
  out.status = step.status;
  co_return error_code{};
}

// Done after a 2xx or after `give_up_after` failed attempts; otherwise retry at once.
struct counting_policy final : attempt_policy {
  unsigned give_up_after = 3;
  unsigned judged = 0;
  http::response_header_names names{};
  const http::response_header_names& kept_headers() const noexcept override { return names; }
  attempt_verdict judge(error_code failure, const http::response& r) override {
    ++judged;
    if (!failure && r.status / 100 == 2) return {};
    if (judged >= give_up_after) return {};
    return {false, std::chrono::milliseconds(0)};
  }
};

// counting_policy that also records every attempt.
struct recording_policy final : attempt_policy {
  std::vector<openai::detail::attempt_record> records;
  counting_policy decide;
  const http::response_header_names& kept_headers() const noexcept override {
    return decide.kept_headers();
  }
  attempt_verdict judge(error_code failure, const http::response& r) override {
    return decide.judge(failure, r);
  }
  bool records_attempts() const noexcept override { return true; }
  void record(const openai::detail::attempt_record& r) override { records.push_back(r); }
};

template <typename Policy>
attempt_outcome_of<fake_lease> run(fake_pool& pool, Policy& policy) {
  asio::io_context io;
  attempt_outcome_of<fake_lease> out;
  http::request request;
  call_settings settings;
  asio::co_spawn(io, openai::detail::run_attempts(pool, request, settings, policy, out),
                 asio::detached);
  io.run();
  return out;
}

const error_code reset = make_error_code(asio::error::connection_reset);

}  // namespace

BOOST_AUTO_TEST_SUITE(attempt_loop)

BOOST_AUTO_TEST_CASE(a_2xx_ends_the_call_and_keeps_its_connection_leased) {
  fake_pool pool;
  pool.script = {{{}, 200}};
  counting_policy policy;
  auto out = run(pool, policy);
  BOOST_TEST(!out.ec);
  BOOST_TEST(out.attempts == 1u);
  BOOST_TEST(out.response.status == 200u);
  BOOST_TEST(static_cast<bool>(out.connection));  // for the caller to check the answer
}

BOOST_AUTO_TEST_CASE(a_stale_reused_connection_is_resent_once_on_a_new_one_without_an_attempt) {
  fake_pool pool;
  pool.idle_available = true;
  pool.script = {{reset, 0, false}, {{}, 200}};
  counting_policy policy;
  auto out = run(pool, policy);
  BOOST_TEST(!out.ec);
  BOOST_TEST(out.attempts == 1u);
  BOOST_TEST(policy.judged == 1u);  // the stale failure never reached the policy
  BOOST_TEST(pool.reused == 1u);
  BOOST_TEST_REQUIRE(pool.prefer_new_asked.size() == 1u);
  BOOST_TEST(pool.prefer_new_asked[0]);  // the re-send asks for a new connection
}

BOOST_AUTO_TEST_CASE(a_failure_after_response_bytes_is_not_stale) {
  fake_pool pool;
  pool.idle_available = true;
  pool.script = {{reset, 0, true}, {{}, 200}};
  counting_policy policy;
  auto out = run(pool, policy);
  BOOST_TEST(!out.ec);
  BOOST_TEST(out.attempts == 2u);  // a real attempt, retried by the policy
  BOOST_TEST(policy.judged == 2u);
}

BOOST_AUTO_TEST_CASE(a_stream_whose_connection_another_stream_broke_is_another_attempt) {
  fake_pool pool;
  pool.idle_available = true;
  pool.script = {{make_error_code(openai::detail::h2_errc::connection_failed), 0, false},
                 {{}, 200}};
  counting_policy policy;
  auto out = run(pool, policy);
  BOOST_TEST(!out.ec);
  BOOST_TEST(out.attempts == 2u);  // the server had seen it: not a stale re-send
  BOOST_TEST(policy.judged == 2u);
}

BOOST_AUTO_TEST_CASE(a_timeout_on_a_reused_connection_is_not_stale) {
  fake_pool pool;
  pool.idle_available = true;
  pool.script = {{make_error_code(asio::error::timed_out), 0, false}};
  counting_policy policy;
  policy.give_up_after = 1;
  auto out = run(pool, policy);
  BOOST_TEST((out.ec == asio::error::timed_out));
  BOOST_TEST(out.attempts == 1u);
  BOOST_TEST(pool.exchanges == 1u);
}

BOOST_AUTO_TEST_CASE(only_one_stale_resend_per_call) {
  fake_pool pool;
  pool.idle_available = true;
  pool.script = {{reset, 0, false}, {reset, 0, false}};
  counting_policy policy;
  policy.give_up_after = 1;
  auto out = run(pool, policy);
  BOOST_TEST((out.ec == reset));
  BOOST_TEST(pool.exchanges == 2u);  // the stale re-send, then a failure the policy ends
  BOOST_TEST(!out.connection);
}

BOOST_AUTO_TEST_CASE(the_policy_decides_how_many_attempts) {
  fake_pool pool;
  pool.script = {{{}, 503}, {{}, 503}, {{}, 503}, {{}, 200}};
  counting_policy policy;
  policy.give_up_after = 3;
  auto out = run(pool, policy);
  BOOST_TEST(!out.ec);
  BOOST_TEST(out.response.status == 503u);  // the last answer, for the layer above to judge
  BOOST_TEST(out.attempts == 3u);
}

BOOST_AUTO_TEST_CASE(each_attempt_is_recorded_but_not_the_stale_resend) {
  fake_pool pool;
  pool.idle_available = true;
  pool.script = {{reset, 0, false}, {{}, 503}, {{}, 200}};
  recording_policy policy;
  auto out = run(pool, policy);
  BOOST_TEST(out.attempts == 2u);
  BOOST_TEST_REQUIRE(policy.records.size() == 2u);
  BOOST_TEST(policy.records[0].attempt == 1u);
  BOOST_TEST(policy.records[0].status == 503u);
  BOOST_TEST(policy.records[0].fresh_connection);  // the re-send's new connection
  BOOST_TEST(policy.records[0].bytes_sent == 10u);
  BOOST_TEST(policy.records[1].attempt == 2u);
  BOOST_TEST(policy.records[1].status == 200u);
  BOOST_TEST(policy.records[1].had_connection);
}

BOOST_AUTO_TEST_CASE(a_policy_that_does_not_record_gets_no_records) {
  fake_pool pool;
  pool.script = {{{}, 200}};
  counting_policy policy;
  BOOST_TEST(!policy.records_attempts());
  BOOST_TEST(!run(pool, policy).ec);
}

BOOST_AUTO_TEST_CASE(with_the_api_rules_a_503_is_retried_and_a_404_is_not) {
  openai::detail::retry_config config;
  config.max_retries = 2;
  config.initial_backoff = std::chrono::milliseconds(1);
  config.max_backoff = std::chrono::milliseconds(1);
  {
    fake_pool pool;
    pool.script = {{{}, 503}, {{}, 200}};
    openai::detail::attempt_rules rules(config);
    auto out = run(pool, rules);
    BOOST_TEST(out.attempts == 2u);
    BOOST_TEST(out.response.status == 200u);
  }
  {
    fake_pool pool;
    pool.script = {{{}, 404}};
    openai::detail::attempt_rules rules(config);
    auto out = run(pool, rules);
    BOOST_TEST(out.attempts == 1u);
    BOOST_TEST(out.response.status == 404u);
  }
  {
    fake_pool pool;  // malformed HTTP is not retried; a reset is
    pool.script = {{make_error_code(boost::beast::http::error::bad_version), 0, true}};
    openai::detail::attempt_rules rules(config);
    BOOST_TEST(run(pool, rules).attempts == 1u);
    pool.script = {{reset, 0, true}, {{}, 200}};
    openai::detail::attempt_rules again(config);
    BOOST_TEST(run(pool, again).attempts == 2u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

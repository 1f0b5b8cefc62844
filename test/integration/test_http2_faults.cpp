// The HTTP/2 failure semantics against openai-mock's per-stream faults: GOAWAY and
// REFUSED_STREAM are re-sent without counting an attempt, another stream error fails only its
// call, a dropped connection only the calls on it, and a per-call timeout or a cancellation
// resets only its stream. Every client here has max_retries = 0, so each success is the
// protocol's doing, not a retry's.
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <vector>

#include "h2_helpers.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using openai_mock::fault_action;
using openai_mock::fault_plan;
using test_support::delayed;
using test_support::h2_options;
using test_support::kind_count;
using test_support::mock_fixture;
using test_support::outcomes;
using test_support::plans_by_id;
using test_support::run;
using test_support::stored_tag;

namespace {

constexpr std::size_t stored = 20;
const std::string warm_id = mock_fixture::id(stored);  // never faulted

fault_plan h2_fault(fault_action a, std::string code = {}, std::size_t bytes = 0) {
  auto p = fault_plan::make(a);
  p.text = std::move(code);
  p.bytes = bytes;
  return p;
}

// Calls 1..n except `faulted` succeeded in one attempt; `faulted` failed with `kind`.
void only_one_failed(const outcomes& calls, const std::string& faulted,
                     boost::system::error_code kind) {
  for (const auto& [id, o] : calls.by_id) {
    BOOST_TEST(o.done, id << " never completed");
    if (id == faulted) {
      BOOST_TEST((o.ec == kind), id << ": " << o.ec.message() << " (" << o.diag.message << ")");
      BOOST_TEST(o.diag.attempts == 1u);
    } else {
      BOOST_TEST(!o.ec, id << ": " << o.ec.message() << ": " << o.diag.message);
    }
  }
}

// After a stream of the one connection failed: the next call succeeds on that same connection.
void the_connection_still_serves(asio::io_context& io, openai::client& client, mock_fixture& f) {
  auto c = run(io, client.update_completion(f.id(7), {{"after", "fault"}}));
  BOOST_TEST(c.metadata().at("after") == "fault");
  BOOST_TEST(f.mock().stats().h2_connections == 1u);
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
  BOOST_TEST(client.pool_stats().http2 == 1u);
}

// Calls 1..5 on one warm connection; call 3 under `fault` with per-call options `call3`, the
// others held 600 ms so they are in flight while call 3 fails.
void one_of_five_fails(fault_plan fault, openai::request_options call3,
                       boost::system::error_code kind) {
  plans_by_id plans(delayed(600ms));
  plans.then(mock_fixture::id(3), std::move(fault)).then(warm_id, fault_plan::ok());
  mock_fixture f(stored, plans.decider());
  asio::io_context io;
  openai::client client(io.get_executor(), h2_options(f));
  test_support::warm_up(io, client, warm_id);
  outcomes calls;
  for (int i = 1; i <= 5; ++i)
    calls.start(client, f.id(i), i == 3 ? call3 : openai::request_options{});
  io.run();
  io.restart();
  only_one_failed(calls, f.id(3), kind);
  the_connection_still_serves(io, client, f);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http2_faults)

BOOST_AUTO_TEST_CASE(streams_above_a_goaway_are_resent_on_a_new_connection_without_an_attempt) {
  // Calls 1..4 are held 200 ms (answered after the GOAWAY), call 5's arrival sends GOAWAY
  // naming the stream before it: 5..10 were not processed and must be sent again elsewhere.
  plans_by_id plans;
  for (int i = 1; i <= 4; ++i) plans.then(mock_fixture::id(i), delayed(200ms));
  plans.then(mock_fixture::id(5), h2_fault(fault_action::goaway));
  mock_fixture f(stored, plans.decider());
  asio::io_context io;
  openai::client client(io.get_executor(), h2_options(f));
  test_support::warm_up(io, client, warm_id);
  outcomes calls;
  for (int i = 1; i <= 10; ++i)
    calls.start(client, f.id(i), {},
                i == 1 ? std::function<void()>([&] {
                  // Call 1's answer comes after the GOAWAY: this call must not open a stream on the
                  // going-away connection.
                  calls.start(client, f.id(11));
                })
                       : std::function<void()>());
  io.run();
  test_support::all_succeeded_in_one_attempt(calls);
  BOOST_TEST(calls.by_id.size() == 11u);
  const auto stats = f.mock().stats();
  BOOST_TEST(kind_count(stats, "goaway") == 1u);
  BOOST_TEST(stats.h2_connections == 2u);
  // Streams opened: the warm-up and at most 10 on the first connection, then the 6 re-sent
  // and call 11 on the second. One more would be call 11 tried on the going-away connection.
  BOOST_TEST(stats.h2_streams <= 1u + 10u + 6u + 1u);
  for (int i = 1; i <= 11; ++i) BOOST_TEST(stored_tag(f, f.id(i)) == "yes", f.id(i));
}

BOOST_AUTO_TEST_CASE(a_refused_stream_is_resent_without_counting_an_attempt) {
  plans_by_id plans;
  plans.then(mock_fixture::id(2), h2_fault(fault_action::rst_stream));  // REFUSED_STREAM
  mock_fixture f(stored, plans.decider());
  asio::io_context io;
  openai::client client(io.get_executor(), h2_options(f));
  test_support::warm_up(io, client, warm_id);
  outcomes calls;
  for (int i = 1; i <= 3; ++i) calls.start(client, f.id(i));
  io.run();
  test_support::all_succeeded_in_one_attempt(calls);
  BOOST_TEST(kind_count(f.mock().stats(), "rst_stream") == 1u);
  BOOST_TEST(stored_tag(f, f.id(2)) == "yes");
}

BOOST_AUTO_TEST_CASE(another_stream_error_fails_only_its_call_and_keeps_the_connection) {
  one_of_five_fails(h2_fault(fault_action::rst_stream, "internal_error"), {},
                    openai::errc::network);
}

BOOST_AUTO_TEST_CASE(a_per_call_timeout_on_a_stalled_stream_fails_only_that_call) {
  openai::request_options call;
  call.timeout = 300ms;
  one_of_five_fails(h2_fault(fault_action::stall_window, {}, 10), call, openai::errc::timeout);
}

BOOST_AUTO_TEST_CASE(a_per_call_timeout_on_a_slow_answer_fails_only_that_call) {
  openai::request_options call;
  call.timeout = 300ms;
  one_of_five_fails(delayed(3s), call, openai::errc::timeout);
}

BOOST_AUTO_TEST_CASE(cancelling_one_call_leaves_the_connection_serving_the_others) {
  plans_by_id plans(delayed(600ms));
  plans.then(mock_fixture::id(3), delayed(3s)).then(warm_id, fault_plan::ok());
  mock_fixture f(stored, plans.decider());
  asio::io_context io;
  openai::client client(io.get_executor(), h2_options(f));
  test_support::warm_up(io, client, warm_id);
  outcomes calls;
  asio::cancellation_signal cancel;
  for (int i = 1; i <= 5; ++i) {
    if (i == 3)
      calls.start(client, f.id(i), cancel);
    else
      calls.start(client, f.id(i));
  }
  asio::steady_timer timer(io, 200ms);  // call 3 is in flight, its answer 2.8 s away
  timer.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
  io.run();
  io.restart();
  only_one_failed(calls, f.id(3), asio::error::operation_aborted);
  the_connection_still_serves(io, client, f);
}

BOOST_AUTO_TEST_CASE(cancelled_calls_leave_no_stream_counted_in_flight) {
  // One connection of two streams: two calls in flight, eight waiting for a stream; all ten
  // cancelled at once, three times over. A stream counted but never given back would leave
  // the connection full for good, and the last call waiting until its deadline.
  mock_fixture f(stored, plans_by_id(delayed(300ms)).then(warm_id, fault_plan::ok()).decider());
  asio::io_context io;
  auto o = h2_options(f);
  o.max_connections = 1;
  o.max_streams_per_connection = 2;
  openai::client client(io.get_executor(), o);
  test_support::warm_up(io, client, warm_id);
  for (int round = 1; round <= 3; ++round) {
    outcomes calls;
    std::vector<std::unique_ptr<asio::cancellation_signal>> signals;
    for (int i = 1; i <= 10; ++i) {
      signals.push_back(std::make_unique<asio::cancellation_signal>());
      calls.start(client, f.id(i), *signals.back());
    }
    asio::steady_timer timer(io, 50ms);
    timer.async_wait([&](auto) {
      for (auto& s : signals) s->emit(asio::cancellation_type::terminal);
    });
    io.run();
    io.restart();
    for (const auto& [id, c] : calls.by_id)
      BOOST_TEST((c.ec == asio::error::operation_aborted), id << ": " << c.ec.message());
    BOOST_TEST(client.pool_stats().streams == 0u,
               "after round " << round << ": " << client.pool_stats().streams << " streams");
    BOOST_TEST(client.pool_stats().waiting == 0u);
  }
  auto c = run(io, client.update_completion(f.id(11), {{"after", "cancel"}}));
  BOOST_TEST(c.metadata().at("after") == "cancel");
  BOOST_TEST(f.mock().stats().h2_connections == 1u);
}

BOOST_AUTO_TEST_CASE(a_stream_ending_short_of_its_content_length_is_a_bad_response) {
  // A malformed response (RFC 9113 section 8.1.1), not a broken connection as over HTTP/1.1:
  // bad_response, not retried, and the connection goes on serving.
  plans_by_id plans;
  plans.then(mock_fixture::id(1), fault_plan::make(fault_action::truncate));
  mock_fixture f(stored, plans.decider());
  asio::io_context io;
  auto o = h2_options(f);
  o.max_retries = 2;
  openai::client client(io.get_executor(), o);
  test_support::warm_up(io, client, warm_id);
  outcomes calls;
  calls.start(client, f.id(1));
  io.run();
  io.restart();
  BOOST_TEST((calls.at(f.id(1)).ec == openai::errc::bad_response), calls.at(f.id(1)).ec.message());
  BOOST_TEST(calls.at(f.id(1)).diag.attempts == 1u);
  BOOST_TEST(kind_count(f.mock().stats(), "truncate") == 1u);
  the_connection_still_serves(io, client, f);
}

BOOST_AUTO_TEST_CASE(a_dropped_connection_fails_only_the_calls_on_it) {
  // Three streams per connection, two connections: calls 1..6 fill both, each held 500 ms but
  // call 3, whose connection is reset after part of its answer.
  plans_by_id plans(delayed(500ms));
  plans.then(mock_fixture::id(3), h2_fault(fault_action::drop_connection))
      .then(warm_id, fault_plan::ok());
  mock_fixture f(stored, plans.decider());
  asio::io_context io;
  auto o = h2_options(f);
  o.max_connections = 2;
  o.max_streams_per_connection = 3;
  openai::client client(io.get_executor(), o);
  test_support::warm_up(io, client, warm_id);
  outcomes calls;
  for (int i = 1; i <= 6; ++i) calls.start(client, f.id(i));
  io.run();
  io.restart();
  std::size_t failed = 0;
  for (const auto& [id, c] : calls.by_id) {
    BOOST_TEST(c.done);
    if (!c.ec) continue;
    ++failed;
    BOOST_TEST((c.ec == openai::errc::network), id << ": " << c.ec.message());
  }
  BOOST_TEST((calls.at(f.id(3)).ec == openai::errc::network));
  BOOST_TEST(failed == 3u);  // call 3 and the two beside it; the other connection's three succeed
  BOOST_TEST(kind_count(f.mock().stats(), "drop_connection") == 1u);
  auto c = run(io, client.update_completion(f.id(3), {{"after", "drop"}}));
  BOOST_TEST(c.metadata().at("after") == "drop");
  BOOST_TEST(client.pool_stats().open <= 2u);
}

BOOST_AUTO_TEST_SUITE_END()

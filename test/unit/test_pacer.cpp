#include "batch/pacer.hpp"

#include <boost/test/unit_test.hpp>

#include <deque>
#include <vector>

using namespace std::chrono_literals;
using openai::detail::pacer;
using openai::detail::pacer_feedback;
using openai::detail::parse_reset_duration;
using openai::detail::parse_reset_duration_us;

namespace {
const pacer::clock::time_point t0{std::chrono::hours(1)};

// Starts n requests at t and returns their tickets.
std::vector<pacer::ticket> start(pacer& p, int n, pacer::clock::time_point t = t0) {
  std::vector<pacer::ticket> tickets;
  for (int i = 0; i < n; ++i) tickets.push_back(p.on_start(t));
  return tickets;
}

// One request started and finished at t with the given feedback.
void one(pacer& p, pacer::clock::time_point t, const pacer_feedback& f) {
  p.on_finish(t, p.on_start(t), f);
}

const pacer_feedback clean{};
const pacer_feedback one_429{1, "", "", ""};
}  // namespace

BOOST_AUTO_TEST_SUITE(pacer_rules)

BOOST_AUTO_TEST_CASE(lets_requests_start_until_the_limit_is_in_flight) {
  pacer p(4, 0, true);
  start(p, 3);
  BOOST_TEST((p.next_start(t0) == t0));
  start(p, 1);
  BOOST_TEST(!p.next_start(t0).has_value());
}

BOOST_AUTO_TEST_CASE(halves_the_limit_on_a_429_once_per_second) {
  pacer p(64, 0, true);
  one(p, t0, one_429);
  BOOST_TEST(p.limit() == 32u);
  one(p, t0 + 100ms, one_429);  // same burst: no second halving
  BOOST_TEST(p.limit() == 32u);
  one(p, t0 + 1100ms, {2, "", "", ""});
  BOOST_TEST(p.limit() == 16u);
}

BOOST_AUTO_TEST_CASE(never_goes_below_the_minimum) {
  pacer p(2, 0, true);
  for (int i = 0; i < 5; ++i) one(p, t0 + std::chrono::seconds(2 * i), one_429);
  BOOST_TEST(p.limit() == 1u);
}

BOOST_AUTO_TEST_CASE(grows_back_by_one_per_window_of_clean_results) {
  pacer p(8, 0, true);
  one(p, t0, one_429);
  BOOST_TEST(p.limit() == 4u);
  for (int i = 0; i < 4; ++i) one(p, t0 + 2s, clean);
  BOOST_TEST(p.limit() == 5u);
  for (int i = 0; i < 100; ++i) one(p, t0 + 3s, clean);
  BOOST_TEST(p.limit() == 8u);  // back to the configured concurrency, not beyond
}

BOOST_AUTO_TEST_CASE(a_fixed_limit_ignores_429s) {
  pacer p(8, 0, false);
  one(p, t0, {3, "", "", ""});
  BOOST_TEST(p.limit() == 8u);
}

BOOST_AUTO_TEST_CASE(caps_requests_per_second) {
  pacer p(64, 10, true);  // one every 100 ms
  BOOST_TEST((p.next_start(t0) == t0));
  p.on_start(t0);
  BOOST_TEST((p.next_start(t0) == t0 + 100ms));
  p.on_start(t0 + 100ms);
  BOOST_TEST((p.next_start(t0 + 150ms) == t0 + 200ms));
}

BOOST_AUTO_TEST_CASE(a_slot_missed_by_a_late_wake_up_is_made_up_for) {
  pacer p(64, 1000, true);  // one per millisecond
  p.on_start(t0);
  p.on_start(t0 + 1500us);  // woke 0.5 ms late for the slot at t0 + 1 ms
  BOOST_TEST((p.next_start(t0 + 1500us) == t0 + 2ms));  // not t0 + 2.5 ms
  p.on_start(t0 + 1s);      // after a long idle time: no burst to make up for it
  BOOST_TEST((p.next_start(t0 + 1s) == t0 + 1001ms));
}

BOOST_AUTO_TEST_CASE(pauses_when_the_remaining_budget_is_spent_without_a_limit_header) {
  pacer p(64, 0, true);
  auto tickets = start(p, 11);
  p.on_finish(t0, tickets[0], {0, "", "100", "1s"});  // plenty left: no pause
  BOOST_TEST((p.next_start(t0) == t0));
  p.on_finish(t0, tickets[1], {0, "", "3", "1.5s"});  // 3 left, 9 in flight: wait for the reset
  BOOST_TEST((p.next_start(t0) == t0 + 1500ms));
  BOOST_TEST(!p.follows_server_budget());
}

BOOST_AUTO_TEST_CASE(follows_the_rate_and_the_budget_the_server_announces) {
  pacer p(64, 0, true);
  one(p, t0, {0, "200", "19", "905ms"});  // (200 - 19) / 0.905 s: 200 per second
  BOOST_TEST(p.follows_server_budget());
  BOOST_TEST(p.server_rate() == 200.0, boost::test_tools::tolerance(1e-9));
  start(p, 19);  // the 19 left go at once
  BOOST_TEST((p.next_start(t0) == t0 + 5ms));  // then one per 5 ms
  p.on_start(t0 + 5ms);
  BOOST_TEST((p.next_start(t0 + 5ms) == t0 + 10ms));
}

BOOST_AUTO_TEST_CASE(the_same_budget_given_per_minute) {
  pacer p(64, 0, true);
  one(p, t0, {0, "12000", "19", "59.905s"});  // 12,000 per minute: 200 per second
  BOOST_TEST(p.server_rate() == 200.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(requests_started_after_an_answer_spend_its_remaining_budget) {
  pacer p(64, 0, true);
  auto tickets = start(p, 3);
  p.on_finish(t0, tickets[0], {0, "100", "2", "980ms"});  // 100/s; the other two spend the 2
  BOOST_TEST((p.next_start(t0) == t0 + 10ms));
}

BOOST_AUTO_TEST_CASE(an_answer_overtaken_by_a_newer_one_is_not_used) {
  pacer p(64, 0, true);
  auto tickets = start(p, 2);
  p.on_finish(t0, tickets[1], {0, "100", "10", "900ms"});
  p.on_finish(t0, tickets[0], {0, "100", "0", "1s"});  // older: the server has refilled since
  BOOST_TEST((p.next_start(t0) == t0));
}

BOOST_AUTO_TEST_CASE(follows_a_limit_that_drops) {
  pacer p(64, 0, true);
  one(p, t0, {0, "200", "0", "1s"});
  BOOST_TEST(p.server_rate() == 200.0, boost::test_tools::tolerance(1e-9));
  one(p, t0 + 1s, {1, "50", "0", "1s"});  // a 429 with the new limit
  BOOST_TEST(p.server_rate() == 50.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST((p.next_start(t0 + 1s) == t0 + 1020ms));
  BOOST_TEST(p.limit() == 64u);  // the budget slows it down, not the concurrency
}

BOOST_AUTO_TEST_CASE(the_budget_refills_no_higher_than_the_server_showed) {
  pacer p(64, 0, true);
  one(p, t0, {0, "200", "19", "905ms"});
  start(p, 40, t0 + 10s);  // long idle: 20 tokens at most, not 2,000
  BOOST_TEST((p.next_start(t0 + 10s) >= t0 + 10s + 100ms));
}

// A simulated token bucket (burst 20, 200/s, the mock's headers) and a batch of 3,000 at
// concurrency 64 over a 1 ms round trip, in simulated time: only the first wave, sent before
// any answer, meets 429s; then the batch runs at the server's rate.
BOOST_AUTO_TEST_CASE(a_batch_at_a_token_bucket_meets_429s_only_before_the_first_answer) {
  struct flight {
    pacer::ticket ticket;
    pacer::clock::time_point answer_at;
    bool ok;
    double remaining;
  };
  double rate = 200, burst = 20, tokens = burst;
  pacer::clock::time_point refilled = t0;
  pacer p(64, 0, true);
  std::deque<flight> flights;
  int to_send = 3000, done = 0, rejected = 0, rejected_late = 0;
  auto now = t0;
  while (done < 3000) {
    if (now == t0 + 7500ms) rate = 50, burst = 5, tokens = std::min(tokens, burst);  // a quarter
    while (!flights.empty() && flights.front().answer_at <= now) {
      auto f = flights.front();
      flights.pop_front();
      const double limit = rate;
      const auto reset = std::chrono::microseconds(
          static_cast<long long>((limit - f.remaining) / rate * 1e6));
      const auto reset_text = std::to_string(reset.count()) + "us";
      const auto limit_text = std::to_string(static_cast<int>(limit));
      const auto remaining_text = std::to_string(static_cast<int>(f.remaining));
      p.on_finish(now, f.ticket, {f.ok ? 0u : 1u, limit_text, remaining_text, reset_text});
      if (f.ok) {
        ++done;
      } else {
        ++to_send;  // sent again, as the batch does
        ++rejected;
        if (now > t0 + 100ms && now < t0 + 7500ms) ++rejected_late;
      }
    }
    while (to_send > 0) {
      auto when = p.next_start(now);
      if (!when || *when > now) break;
      --to_send;
      const auto ticket = p.on_start(now);
      // The server takes it half a round trip later.
      const auto arrival = now + 500us;
      tokens = std::min(burst, tokens + rate * std::chrono::duration<double>(arrival - refilled).count());
      refilled = arrival;
      const bool ok = tokens >= 1;
      if (ok) tokens -= 1;
      flights.push_back({ticket, arrival + 500us, ok, std::floor(tokens)});
    }
    now += 100us;
  }
  BOOST_TEST_MESSAGE("429s: " << rejected << ", after the first wave: " << rejected_late
                                << ", simulated seconds: "
                                << std::chrono::duration<double>(now - t0).count());
  BOOST_TEST(rejected <= 64 - 20 + 20);  // the first wave, and the drop to a quarter
  BOOST_TEST(rejected_late == 0);
  // 1,500 at 200/s and 1,500 at 50/s: 37.5 s of simulated time, within 5 %.
  BOOST_TEST(std::chrono::duration<double>(now - t0).count() <= 7.5 + 30 * 1.05);
}

BOOST_AUTO_TEST_CASE(parses_reset_durations) {
  BOOST_TEST(parse_reset_duration("1s")->count() == 1000);
  BOOST_TEST(parse_reset_duration("20ms")->count() == 20);
  BOOST_TEST(parse_reset_duration("6m0s")->count() == 360000);
  BOOST_TEST(parse_reset_duration("1h2m3.5s")->count() == 3723500);
  BOOST_TEST(!parse_reset_duration("soon").has_value());
  BOOST_TEST(!parse_reset_duration("").has_value());
  BOOST_TEST(!parse_reset_duration("5").has_value());
}

BOOST_AUTO_TEST_CASE(rejects_nan_and_inf_reset_durations) {
  for (const char* text : {"nan", "inf", "infh", "nanh", "nans", "-nanms", "infinitys", "1hinfs"})
    BOOST_TEST(!parse_reset_duration(text).has_value(), text);
}

BOOST_AUTO_TEST_CASE(clamps_reset_durations_to_a_day) {
  BOOST_TEST(parse_reset_duration("24h")->count() == 86400000);
  BOOST_TEST(parse_reset_duration("1e300h")->count() == 86400000);
  BOOST_TEST(!parse_reset_duration("1e999h").has_value());  // not a number from_chars can hold
}

BOOST_AUTO_TEST_CASE(parses_reset_durations_to_the_microsecond) {
  BOOST_TEST(parse_reset_duration_us("1.0005s")->count() == 1000500);
  BOOST_TEST(parse_reset_duration_us("250us")->count() == 250);
  BOOST_TEST(parse_reset_duration("1.0005s")->count() == 1000);
}

BOOST_AUTO_TEST_CASE(never_pauses_longer_than_max_retry_after) {
  pacer defaults(64, 0, true);  // max_pause: 60 s, the default max_retry_after
  start(defaults, 10);
  one(defaults, t0, {0, "", "0", "24h"});
  BOOST_TEST((defaults.next_start(t0) == t0 + 60s));
  pacer short_cap(64, 0, true, 1, 5s);
  start(short_cap, 10);
  one(short_cap, t0, {0, "", "0", "infh"});  // not a duration: no pause at all
  BOOST_TEST((short_cap.next_start(t0) == t0));
  one(short_cap, t0, {0, "", "0", "6m0s"});
  BOOST_TEST((short_cap.next_start(t0) == t0 + 5s));
}

BOOST_AUTO_TEST_CASE(an_unbounded_pause_cap_saturates_at_the_end_of_time) {
  pacer p(64, 0, true, 1, std::chrono::milliseconds::max());
  start(p, 10);
  one(p, t0, {0, "", "0", "24h"});
  BOOST_TEST((p.next_start(t0) == t0 + 24h));
  const auto late = pacer::clock::time_point::max() - 1h;
  one(p, late, {0, "", "0", "24h"});
  BOOST_TEST((p.next_start(late) == pacer::clock::time_point::max()));
}

BOOST_AUTO_TEST_CASE(a_rate_too_small_for_the_clock_allows_one_request_then_waits_forever) {
  pacer p(64, 1e-300, true);
  BOOST_TEST((p.next_start(t0) == t0));
  p.on_start(t0);
  BOOST_TEST((p.next_start(t0) == pacer::clock::time_point::max()));
  p.on_start(t0);  // started anyway: still no overflow
  BOOST_TEST((p.next_start(t0) == pacer::clock::time_point::max()));
}

BOOST_AUTO_TEST_SUITE_END()

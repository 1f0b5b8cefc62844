#include "batch/pacer.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using openai::detail::pacer;
using openai::detail::parse_reset_duration;

namespace {
const pacer::clock::time_point t0{std::chrono::hours(1)};
}

BOOST_AUTO_TEST_SUITE(pacer_rules)

BOOST_AUTO_TEST_CASE(lets_requests_start_until_the_limit_is_in_flight) {
  pacer p(4, 0, true);
  BOOST_TEST((p.next_start(3, t0) == t0));
  BOOST_TEST(!p.next_start(4, t0).has_value());
}

BOOST_AUTO_TEST_CASE(halves_the_limit_on_a_429_once_per_second) {
  pacer p(64, 0, true);
  p.on_finish(t0, 1, "", "", 10);
  BOOST_TEST(p.limit() == 32u);
  p.on_finish(t0 + 100ms, 1, "", "", 10);  // same burst: no second halving
  BOOST_TEST(p.limit() == 32u);
  p.on_finish(t0 + 1100ms, 2, "", "", 10);
  BOOST_TEST(p.limit() == 16u);
}

BOOST_AUTO_TEST_CASE(never_goes_below_the_minimum) {
  pacer p(2, 0, true);
  for (int i = 0; i < 5; ++i) p.on_finish(t0 + std::chrono::seconds(2 * i), 1, "", "", 1);
  BOOST_TEST(p.limit() == 1u);
}

BOOST_AUTO_TEST_CASE(grows_back_by_one_per_window_of_clean_results) {
  pacer p(8, 0, true);
  p.on_finish(t0, 1, "", "", 1);
  BOOST_TEST(p.limit() == 4u);
  for (int i = 0; i < 4; ++i) p.on_finish(t0 + 2s, 0, "", "", 1);
  BOOST_TEST(p.limit() == 5u);
  for (int i = 0; i < 100; ++i) p.on_finish(t0 + 3s, 0, "", "", 1);
  BOOST_TEST(p.limit() == 8u);  // back to the configured concurrency, not beyond
}

BOOST_AUTO_TEST_CASE(a_fixed_limit_ignores_429s) {
  pacer p(8, 0, false);
  p.on_finish(t0, 3, "", "", 1);
  BOOST_TEST(p.limit() == 8u);
}

BOOST_AUTO_TEST_CASE(caps_requests_per_second) {
  pacer p(64, 10, true);  // one every 100 ms
  BOOST_TEST((p.next_start(0, t0) == t0));
  p.on_start(t0);
  BOOST_TEST((p.next_start(1, t0) == t0 + 100ms));
  p.on_start(t0 + 100ms);
  BOOST_TEST((p.next_start(2, t0 + 150ms) == t0 + 200ms));
}

BOOST_AUTO_TEST_CASE(pauses_when_the_remaining_budget_is_spent) {
  pacer p(64, 0, true);
  p.on_finish(t0, 0, "100", "1s", 10);  // plenty left: no pause
  BOOST_TEST((p.next_start(10, t0) == t0));
  p.on_finish(t0, 0, "3", "1.5s", 10);  // 3 left, 10 in flight: wait for the reset
  BOOST_TEST((p.next_start(10, t0) == t0 + 1500ms));
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

BOOST_AUTO_TEST_CASE(never_pauses_longer_than_max_retry_after) {
  pacer defaults(64, 0, true);  // max_pause: 60 s, the default max_retry_after
  defaults.on_finish(t0, 0, "0", "24h", 10);
  BOOST_TEST((defaults.next_start(10, t0) == t0 + 60s));
  pacer short_cap(64, 0, true, 1, 5s);
  short_cap.on_finish(t0, 0, "0", "infh", 10);  // not a duration: no pause at all
  BOOST_TEST((short_cap.next_start(10, t0) == t0));
  short_cap.on_finish(t0, 0, "0", "6m0s", 10);
  BOOST_TEST((short_cap.next_start(10, t0) == t0 + 5s));
}

BOOST_AUTO_TEST_CASE(an_unbounded_pause_cap_saturates_at_the_end_of_time) {
  pacer p(64, 0, true, 1, std::chrono::milliseconds::max());
  p.on_finish(t0, 0, "0", "24h", 10);
  BOOST_TEST((p.next_start(10, t0) == t0 + 24h));
  const auto late = pacer::clock::time_point::max() - 1h;
  p.on_finish(late, 0, "0", "24h", 10);
  BOOST_TEST((p.next_start(10, late) == pacer::clock::time_point::max()));
}

BOOST_AUTO_TEST_CASE(a_rate_too_small_for_the_clock_allows_one_request_then_waits_forever) {
  pacer p(64, 1e-300, true);
  BOOST_TEST((p.next_start(0, t0) == t0));
  p.on_start(t0);
  BOOST_TEST((p.next_start(1, t0) == pacer::clock::time_point::max()));
  p.on_start(t0);  // started anyway: still no overflow
  BOOST_TEST((p.next_start(2, t0) == pacer::clock::time_point::max()));
}

BOOST_AUTO_TEST_SUITE_END()

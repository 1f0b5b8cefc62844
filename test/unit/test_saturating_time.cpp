#include "support/saturating_time.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>

using namespace std::chrono_literals;
using openai::detail::reached;
using openai::detail::saturating_add;
using openai::detail::saturating_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using steady = std::chrono::steady_clock;

BOOST_AUTO_TEST_SUITE(saturating_time)

BOOST_AUTO_TEST_CASE(milliseconds_max_becomes_the_largest_nanoseconds) {
  BOOST_TEST(saturating_cast<nanoseconds>(milliseconds::max()).count() ==
             nanoseconds::max().count());
  BOOST_TEST(saturating_cast<nanoseconds>(milliseconds::min()).count() ==
             nanoseconds::min().count());
}

BOOST_AUTO_TEST_CASE(durations_that_fit_convert_exactly) {
  BOOST_TEST(saturating_cast<nanoseconds>(1500ms).count() == 1'500'000'000);
  BOOST_TEST(saturating_cast<nanoseconds>(-7ms).count() == -7'000'000);
  // The largest millisecond count whose nanoseconds still fit, and the first that does not.
  const milliseconds last_fitting{nanoseconds::max().count() / 1'000'000};
  BOOST_TEST(saturating_cast<nanoseconds>(last_fitting).count() ==
             last_fitting.count() * 1'000'000);
  BOOST_TEST(saturating_cast<nanoseconds>(last_fitting + 1ms).count() ==
             nanoseconds::max().count());
  BOOST_TEST(saturating_cast<milliseconds>(nanoseconds::max()).count() ==
             nanoseconds::max().count() / 1'000'000);
}

BOOST_AUTO_TEST_CASE(floating_durations_clamp_and_nan_is_zero) {
  using seconds_d = std::chrono::duration<double>;
  BOOST_TEST(saturating_cast<nanoseconds>(seconds_d(1e300)).count() == nanoseconds::max().count());
  BOOST_TEST(saturating_cast<nanoseconds>(seconds_d(-1e300)).count() == nanoseconds::min().count());
  BOOST_TEST(
      saturating_cast<nanoseconds>(seconds_d(std::numeric_limits<double>::infinity())).count() ==
      nanoseconds::max().count());
  BOOST_TEST(
      saturating_cast<nanoseconds>(seconds_d(std::numeric_limits<double>::quiet_NaN())).count() ==
      0);
  BOOST_TEST(saturating_cast<milliseconds>(seconds_d(0.25)).count() == 250);
}

BOOST_AUTO_TEST_CASE(now_plus_milliseconds_max_is_the_end_of_time) {
  const auto now = steady::now();
  BOOST_TEST((saturating_add(now, milliseconds::max()) == steady::time_point::max()));
  BOOST_TEST((saturating_add(steady::time_point{} - 1s, milliseconds::min()) ==
              steady::time_point::min()));
  BOOST_TEST((saturating_add(steady::time_point::max() - 1s, 2s) == steady::time_point::max()));
  BOOST_TEST((saturating_add(steady::time_point::min() + 1s, -2s) == steady::time_point::min()));
}

BOOST_AUTO_TEST_CASE(ordinary_additions_are_exact) {
  const steady::time_point t{std::chrono::hours(5)};
  BOOST_TEST((saturating_add(t, 250ms) == t + 250ms));
  BOOST_TEST((saturating_add(t, -250ms) == t - 250ms));
  BOOST_TEST((saturating_add(t, 0ms) == t));
}

BOOST_AUTO_TEST_CASE(no_elapsed_time_reaches_a_limit_of_max) {
  BOOST_TEST(!reached(nanoseconds::max() - 1ns, milliseconds::max()));
  BOOST_TEST(!reached(std::chrono::hours(24 * 365 * 200), milliseconds::max()));
  BOOST_TEST(reached(nanoseconds(30'000'000'000), 30s));
  BOOST_TEST(!reached(nanoseconds(29'999'999'999), 30s));
}

BOOST_AUTO_TEST_SUITE_END()

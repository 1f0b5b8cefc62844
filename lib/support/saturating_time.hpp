// Duration and deadline arithmetic that clamps instead of overflowing. Options are milliseconds
// and the clocks count nanoseconds: milliseconds::max() in nanoseconds, or now() plus it, does
// not fit, and signed overflow is undefined behaviour. Clamped, a duration::max() option is a
// deadline of time_point::max(): a timer that never fires, "no timeout".
#pragma once

#include <chrono>
#include <cmath>
#include <ratio>
#include <type_traits>

namespace openai::detail {

// d in To's unit, clamped to To's range (NaN: zero). Truncates toward zero like duration_cast.
template <typename To, typename Rep, typename Period>
constexpr To saturating_cast(std::chrono::duration<Rep, Period> d) {
  using from = std::chrono::duration<Rep, Period>;
  if constexpr (std::is_floating_point_v<Rep>) {
    using wide = std::chrono::duration<long double, typename To::period>;
    const long double v = std::chrono::duration_cast<wide>(d).count();
    if (std::isnan(v)) return To::zero();
    if (v >= static_cast<long double>(To::max().count())) return To::max();
    if (v <= static_cast<long double>(To::min().count())) return To::min();
    return To(static_cast<typename To::rep>(v));
  } else if constexpr (std::ratio_less_equal_v<typename To::period, Period>) {
    // To is the finer unit: To's limits in d's unit, truncated toward zero, are the largest
    // values that still fit.
    constexpr from highest = std::chrono::duration_cast<from>(To::max());
    constexpr from lowest = std::chrono::duration_cast<from>(To::min());
    if (d > highest) return To::max();
    if (d < lowest) return To::min();
    return std::chrono::duration_cast<To>(d);
  } else {
    return std::chrono::duration_cast<To>(d);  // to a coarser unit: always fits
  }
}

// t + d, clamped to [time_point::min(), time_point::max()].
template <typename Clock, typename Duration, typename Rep, typename Period>
constexpr std::chrono::time_point<Clock, Duration> saturating_add(
    std::chrono::time_point<Clock, Duration> t, std::chrono::duration<Rep, Period> d) {
  using time_point = std::chrono::time_point<Clock, Duration>;
  const Duration step = saturating_cast<Duration>(d);
  const Duration since = t.time_since_epoch();
  if (step > Duration::zero() && since > Duration::max() - step) return time_point::max();
  if (step < Duration::zero() && since < Duration::min() - step) return time_point::min();
  return t + step;
}

// Whether `elapsed` has reached `limit`, for any limit up to duration::max() (which it never
// reaches).
template <typename Rep1, typename Period1, typename Rep2, typename Period2>
constexpr bool reached(std::chrono::duration<Rep1, Period1> elapsed,
                       std::chrono::duration<Rep2, Period2> limit) {
  return elapsed >= saturating_cast<std::chrono::duration<Rep1, Period1>>(limit);
}

}  // namespace openai::detail

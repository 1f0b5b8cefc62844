#include "batch/pacer.hpp"

#include "support/saturating_time.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace openai::detail {

pacer::pacer(std::size_t max_concurrency, double max_rps, bool adaptive,
             std::size_t min_concurrency, std::chrono::milliseconds max_pause)
    : max_(std::max<std::size_t>(max_concurrency, 1)),
      min_(std::clamp<std::size_t>(min_concurrency, 1, std::max<std::size_t>(max_concurrency, 1))),
      adaptive_(adaptive),
      limit_(max_),
      max_pause_(max_pause) {
  // A tiny rate gives an interval beyond the clock's range: clamped, one request and then none.
  if (max_rps > 0)
    interval_ = saturating_cast<clock::duration>(std::chrono::duration<double>(1.0 / max_rps));
}

std::optional<pacer::clock::time_point> pacer::next_start(std::size_t in_flight,
                                                          clock::time_point now) const {
  if (in_flight >= limit_) return std::nullopt;
  return std::max({now, next_slot_, paused_until_});
}

void pacer::on_start(clock::time_point now) {
  if (interval_.count() > 0) next_slot_ = saturating_add(std::max(next_slot_, now), interval_);
}

void pacer::on_finish(clock::time_point now, unsigned rate_limited, std::string_view remaining,
                      std::string_view reset, std::size_t in_flight) {
  if (adaptive_) {
    if (rate_limited > 0) {
      // Halve once per second at most: many 429s arriving together are one signal, not many.
      if (now - last_decrease_ >= std::chrono::seconds(1)) {
        limit_ = std::max(min_, limit_ / 2);
        last_decrease_ = now;
      }
      successes_since_increase_ = 0;
    } else if (limit_ < max_ && ++successes_since_increase_ >= limit_) {
      ++limit_;  // one more after a whole window of clean responses
      successes_since_increase_ = 0;
    }
  }
  // Pace before 429s happen: when the server's remaining budget would not cover what is in
  // flight, hold new requests until its window resets.
  std::size_t left = 0;
  const auto* end = remaining.data() + remaining.size();
  if (!remaining.empty() && std::from_chars(remaining.data(), end, left).ptr == end &&
      left <= in_flight) {
    if (auto wait = parse_reset_duration(reset))
      paused_until_ = std::max(paused_until_, saturating_add(now, std::min(*wait, max_pause_)));
  }
}

std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  while (!text.empty()) {
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    // "inf" and "nan" parse as numbers; neither is a duration (and nan would not convert).
    if (ec != std::errc{} || value < 0 || !std::isfinite(value)) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    double unit_ms = 0;
    if (text.starts_with("ms")) {
      unit_ms = 1, text.remove_prefix(2);
    } else if (text.starts_with("s")) {
      unit_ms = 1000, text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit_ms = 60000, text.remove_prefix(1);
    } else if (text.starts_with("h")) {
      unit_ms = 3600000, text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total_ms += value * unit_ms;
  }
  return std::chrono::milliseconds(static_cast<long long>(std::min(total_ms, 86400000.0)));
}

}  // namespace openai::detail

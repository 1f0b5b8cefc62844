#include "batch/pacer.hpp"

#include "support/saturating_time.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace openai::detail {

namespace {

// A rate cap lost to a late wake-up is made up for within this much: the loop's timer fires a
// little after each slot, and without catching up those delays add up (a cap of 1,000/s ran at
// 912/s). Short enough that the catch-up is a burst of a few requests at most.
constexpr auto rate_cap_catch_up = std::chrono::milliseconds(10);

std::optional<double> parse_count(std::string_view text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  if (text.empty() || std::from_chars(text.data(), end, value).ptr != end ||
      !std::isfinite(value) || value < 0)
    return std::nullopt;
  return value;
}

double seconds(pacer::clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

pacer::pacer(std::size_t max_concurrency, double max_rps, bool adaptive,
             std::size_t min_concurrency, std::chrono::milliseconds max_pause)
    : max_(std::max<std::size_t>(max_concurrency, 1)),
      min_(std::clamp<std::size_t>(min_concurrency, 1, std::max<std::size_t>(max_concurrency, 1))),
      adaptive_(adaptive),
      limit_(max_),
      max_pause_(max_pause) {
  in_flight_.reserve(max_);
  // A tiny rate gives an interval beyond the clock's range: clamped, one request and then none.
  if (max_rps > 0)
    interval_ = saturating_cast<clock::duration>(std::chrono::duration<double>(1.0 / max_rps));
}

double pacer::tokens_at(clock::time_point now) const {
  const double refilled = tokens_ + server_rate_ * seconds(now - tokens_time_);
  return std::min(refilled, std::max(most_tokens_, 1.0));
}

std::optional<pacer::clock::time_point> pacer::next_start(clock::time_point now) const {
  if (in_flight_.size() >= limit_) return std::nullopt;
  auto when = std::max({now, next_slot_, paused_until_});
  if (server_rate_ > 0) {
    // Not before the estimated budget holds one token again.
    const double missing = 1.0 - tokens_at(when);
    if (missing > 0)
      when = saturating_add(
          when, saturating_cast<clock::duration>(std::chrono::duration<double>(missing / server_rate_)));
  }
  return when;
}

pacer::ticket pacer::on_start(clock::time_point now) {
  if (interval_.count() > 0) {
    // Slightly late for its slot: the next slot follows the missed one. Long idle: from now.
    const auto base = now - next_slot_ <= rate_cap_catch_up ? next_slot_ : now;
    next_slot_ = saturating_add(base, interval_);
  }
  if (server_rate_ > 0) {
    tokens_ = tokens_at(now) - 1;
    tokens_time_ = now;
  }
  const ticket t = next_ticket_++;
  in_flight_.push_back(t);
  return t;
}

void pacer::on_finish(clock::time_point now, ticket t, const pacer_feedback& feedback) {
  if (auto it = std::lower_bound(in_flight_.begin(), in_flight_.end(), t);
      it != in_flight_.end() && *it == t)
    in_flight_.erase(it);
  const auto limit = parse_count(feedback.limit);
  const auto remaining = parse_count(feedback.remaining);
  const auto reset = parse_reset_duration_us(feedback.reset);
  const bool announced = limit && remaining && reset;

  if (adaptive_) {
    // A server that announces its budget is followed by it; halving the concurrency on its
    // 429s as well would only cost throughput where round trips are long.
    if (feedback.rate_limited > 0 && !announced) {
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

  if (announced) {
    // (L - R) / T is the refill rate; a full bucket (R == L, T == 0) says nothing new about it.
    if (*limit > *remaining && reset->count() > 0)
      server_rate_ = (*limit - *remaining) / (static_cast<double>(reset->count()) / 1e6);
    if (server_rate_ > 0 && t > newest_answer_) {
      // Every request started after this one and still in flight spends a token of R.
      const auto started_after =
          static_cast<double>(in_flight_.end() -
                              std::upper_bound(in_flight_.begin(), in_flight_.end(), t));
      most_tokens_ = std::max(most_tokens_, *remaining + 1);
      tokens_ = *remaining - started_after;
      tokens_time_ = now;
      newest_answer_ = t;
    }
    return;
  }
  // Only remaining and reset (no limit): no rate to follow. When the remaining budget would not
  // cover what is in flight, hold new requests until the window resets.
  if (remaining && *remaining <= static_cast<double>(in_flight_.size())) {
    if (auto wait = parse_reset_duration(feedback.reset))
      paused_until_ = std::max(paused_until_, saturating_add(now, std::min(*wait, max_pause_)));
  }
}

std::optional<std::chrono::microseconds> parse_reset_duration_us(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_us = 0;
  while (!text.empty()) {
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    // "inf" and "nan" parse as numbers; neither is a duration (and nan would not convert).
    if (ec != std::errc{} || value < 0 || !std::isfinite(value)) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    double unit_us = 0;
    if (text.starts_with("ms")) {
      unit_us = 1e3, text.remove_prefix(2);
    } else if (text.starts_with("us") || text.starts_with("\u00b5s")) {
      unit_us = 1, text.remove_prefix(text.starts_with("us") ? 2 : 3);
    } else if (text.starts_with("s")) {
      unit_us = 1e6, text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit_us = 60e6, text.remove_prefix(1);
    } else if (text.starts_with("h")) {
      unit_us = 3600e6, text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total_us += value * unit_us;
  }
  return std::chrono::microseconds(static_cast<long long>(std::min(total_us, 86400e6)));
}

std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text) {
  auto us = parse_reset_duration_us(text);
  if (!us) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*us);
}

}  // namespace openai::detail

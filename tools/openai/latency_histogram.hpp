// Per-update latencies of a batch in fixed memory, for the p50/p99 of update-many's summary:
// log-linear buckets (32 per power of two of microseconds, so a percentile is within about 2 %
// of the exact one) instead of keeping every sample of a 10^6-line batch.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace openai_cli {

class latency_histogram {
 public:
  void add(std::chrono::microseconds latency) noexcept;
  std::uint64_t count() const noexcept { return count_; }
  // The latency at or below which a fraction q (0..1] of the samples lie; 0 without samples.
  std::chrono::microseconds percentile(double q) const noexcept;

 private:
  static constexpr int powers = 40;  // up to 2^40 us: twelve days; 32 buckets per power of two
  std::array<std::uint64_t, (powers + 1) * 32> buckets_{};
  std::uint64_t count_ = 0;
};

}  // namespace openai_cli

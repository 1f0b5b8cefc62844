#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace openai_cli {

namespace {

constexpr int sub_bits = 5;
constexpr std::uint64_t sub_count = 1u << sub_bits;

// Values under sub_count microseconds have a bucket each; above, the bucket of v is its power
// of two and its next sub_bits bits.
std::size_t bucket_of(std::uint64_t v) noexcept {
  if (v < sub_count) return static_cast<std::size_t>(v);
  const int power = std::bit_width(v) - 1;  // >= sub_bits
  const std::uint64_t mantissa = (v >> (power - sub_bits)) & (sub_count - 1);
  return static_cast<std::size_t>((power - sub_bits + 1) * sub_count + mantissa);
}

// The smallest value of a bucket.
std::uint64_t lowest_of(std::size_t bucket) noexcept {
  if (bucket < sub_count) return bucket;
  const int power = static_cast<int>(bucket / sub_count) + sub_bits - 1;
  const std::uint64_t mantissa = bucket % sub_count;
  return (sub_count + mantissa) << (power - sub_bits);
}

}  // namespace

void latency_histogram::add(std::chrono::microseconds latency) noexcept {
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  ++buckets_[std::min(bucket_of(us), buckets_.size() - 1)];
  ++count_;
}

std::chrono::microseconds latency_histogram::percentile(double q) const noexcept {
  if (count_ == 0) return std::chrono::microseconds(0);
  const auto rank = static_cast<std::uint64_t>(
      std::max(1.0, std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= rank) {
      // The middle of the bucket: within half a bucket (about 1.5 %) of the sample.
      const std::uint64_t low = lowest_of(b), high = lowest_of(b + 1);
      return std::chrono::microseconds(static_cast<std::int64_t>(low + (high - low) / 2));
    }
  }
  return std::chrono::microseconds(static_cast<std::int64_t>(lowest_of(buckets_.size() - 1)));
}

}  // namespace openai_cli

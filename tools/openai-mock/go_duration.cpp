#include "go_duration.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>

namespace openai_mock {

namespace {

// "1.500" -> "1.5", "2.000" -> "2": Go prints no trailing zeros and no lone point.
std::string seconds_text(std::int64_t ms) {
  std::string out = std::to_string(ms / 1000);
  if (const auto frac = ms % 1000; frac != 0) {
    std::string digits = std::to_string(1000 + frac).substr(1);  // three digits, zero-padded
    while (digits.back() == '0') digits.pop_back();
    out += '.' + digits;
  }
  return out + 's';
}

}  // namespace

std::string go_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count();
  if (ms <= 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  constexpr std::int64_t minute = 60'000, hour = 60 * minute;
  std::string out;
  if (ms >= hour) out += std::to_string(ms / hour) + 'h';
  if (ms >= minute) out += std::to_string(ms % hour / minute) + 'm';
  return out + seconds_text(ms % minute);
}

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  double total_ns = 0;
  while (!text.empty()) {
    // from_chars would take "inf", "nan" and exponents; Go takes digits and one point only.
    std::size_t n = 0;
    bool digits = false;
    while (n < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.')) {
      digits = digits || text[n] != '.';
      ++n;
    }
    if (!digits) return std::nullopt;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, value);
    if (ec != std::errc{} || ptr != text.data() + n) return std::nullopt;
    text.remove_prefix(n);
    double unit_ns = 0;
    // Longest first: "ms" before "m", "ns"/"us" before nothing.
    for (const auto& [name, ns] : {std::pair<std::string_view, double>{"ns", 1},
                                   {"us", 1e3},
                                   {"\xC2\xB5s", 1e3},
                                   {"ms", 1e6},
                                   {"s", 1e9},
                                   {"h", 3600e9},
                                   {"m", 60e9}}) {
      if (text.starts_with(name)) {
        unit_ns = ns;
        text.remove_prefix(name.size());
        break;
      }
    }
    if (unit_ns == 0) return std::nullopt;
    total_ns += value * unit_ns;
  }
  // A year is more than any mock needs, and keeps the conversion in range.
  if (!std::isfinite(total_ns) || total_ns > 365 * 86400e9) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total_ns)));
}

}  // namespace openai_mock

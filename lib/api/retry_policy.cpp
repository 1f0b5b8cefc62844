#include "api/retry_policy.hpp"

#include "support/saturating_time.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

namespace openai::detail {

bool is_retryable_status(unsigned status) noexcept {
  return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
}

namespace {

std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    return std::nullopt;
  return value;
}

// IMF-fixdate, the only HTTP-date form servers send today: "Sun, 06 Nov 1994 08:49:37 GMT".
// As seconds since the epoch: a system_clock time_point counts nanoseconds and ends in 2262,
// so a date in year 9999 would not fit one.
std::optional<std::time_t> parse_http_date(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return timegm(&tm);
}

// The longest wait a header can ask for, as parsed; decide_retry then compares it with
// max_server_wait. Far above any cap, and far below what milliseconds can hold.
constexpr double longest_wait_seconds = 1e9;

}  // namespace

std::optional<std::chrono::milliseconds> server_wait(std::string_view retry_after_ms,
                                                     std::string_view retry_after,
                                                     std::chrono::system_clock::time_point now) {
  using std::chrono::milliseconds;
  if (auto ms = parse_number(retry_after_ms))
    return milliseconds(static_cast<long long>(std::min(*ms, longest_wait_seconds * 1000)));
  if (auto seconds = parse_number(retry_after))
    return milliseconds(static_cast<long long>(std::min(*seconds, longest_wait_seconds) * 1000));
  if (auto date = parse_http_date(retry_after)) {
    const auto now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch());
    const double wait_ms = static_cast<double>(*date) * 1000 - static_cast<double>(now_ms.count());
    return milliseconds(
        static_cast<long long>(std::clamp(wait_ms, 0.0, longest_wait_seconds * 1000)));
  }
  return std::nullopt;
}

retry_decision decide_retry(const retry_config& config, unsigned retries_done,
                            const attempt_outcome& outcome,
                            std::chrono::system_clock::time_point now, double random01) {
  if (retries_done >= config.max_retries) return {};

  bool retry = false;
  if (outcome.transport_failure) {
    retry = true;
  } else if (outcome.should_retry == "true") {
    retry = true;
  } else if (outcome.should_retry == "false") {
    retry = false;
  } else {
    retry = is_retryable_status(outcome.status);
  }
  // Waiting does not refill a quota.
  if (outcome.status == 429 && outcome.error_code == "insufficient_quota") retry = false;
  // The caller paces by the budget the server announced and re-sends the request itself.
  if (outcome.status == 429 && outcome.budget_announced && !config.retry_announced_rate_limits)
    retry = false;
  if (!retry) return {};

  if (!outcome.transport_failure) {
    if (auto wait = server_wait(outcome.retry_after_ms, outcome.retry_after, now)) {
      if (*wait > config.max_server_wait) return {};
      return {true, *wait};
    }
  }

  const double exponential = static_cast<double>(config.initial_backoff.count()) *
                             std::pow(2.0, static_cast<double>(std::min(retries_done, 30u)));
  const double capped = std::min(exponential, static_cast<double>(config.max_backoff.count()));
  const double jittered = capped * (1.0 - config.jitter * std::clamp(random01, 0.0, 1.0));
  // Options may be anything up to milliseconds::max(), beyond which a double does not convert.
  return {true, saturating_cast<std::chrono::milliseconds>(
                    std::chrono::duration<double, std::milli>(jittered))};
}

}  // namespace openai::detail

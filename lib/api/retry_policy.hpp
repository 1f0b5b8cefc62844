// Whether a failed attempt is tried again, and after how long. Sans-io: time and randomness come
// in as arguments, so every rule is unit-tested without sleeping.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace openai::detail {

struct retry_config {
  unsigned max_retries = 2;
  std::chrono::milliseconds initial_backoff{500};  // the official SDKs' schedule:
  std::chrono::milliseconds max_backoff{8000};     // 0.5 s * 2^n, capped at 8 s,
  double jitter = 0.25;                            // minus up to 25 %
  std::chrono::milliseconds max_server_wait{60000};  // longer retry-after: give up at once
  // False: a 429 that announces the server's budget ends the call, for a caller that paces
  // and re-sends it itself (request_options::retry_announced_rate_limits).
  bool retry_announced_rate_limits = true;
};

// What an attempt ended with. For a response, the header values as received (empty = absent).
struct attempt_outcome {
  bool transport_failure = false;  // no complete response: refused, reset, TLS, EOF, timeout
  unsigned status = 0;
  std::string_view should_retry;    // x-should-retry
  std::string_view retry_after_ms;  // retry-after-ms
  std::string_view retry_after;     // retry-after: seconds or an HTTP-date
  std::string_view error_code;      // error.code of the body ("insufficient_quota")
  bool budget_announced = false;    // x-ratelimit-remaining-requests was present
};

struct retry_decision {
  bool retry = false;
  std::chrono::milliseconds wait{0};
};

// retries_done: retries already made (0 after the first attempt).
// now: the current time, for HTTP-date retry-after. random01: uniform in [0, 1).
retry_decision decide_retry(const retry_config& config, unsigned retries_done,
                            const attempt_outcome& outcome,
                            std::chrono::system_clock::time_point now, double random01);

// Whether a status is worth retrying when the server does not say (x-should-retry absent).
bool is_retryable_status(unsigned status) noexcept;

// The server's requested wait, if it gave a usable one.
std::optional<std::chrono::milliseconds> server_wait(std::string_view retry_after_ms,
                                                     std::string_view retry_after,
                                                     std::chrono::system_clock::time_point now);

}  // namespace openai::detail

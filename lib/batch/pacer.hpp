// How fast a batch may go: the concurrency limit (additive increase, multiplicative decrease on
// 429s), an optional cap on requests per second, and pauses the server's rate-limit headers
// ask for. Sans-io: time comes in as an argument, so every rule is unit-tested without waiting.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace openai::detail {

class pacer {
 public:
  using clock = std::chrono::steady_clock;

  // max_rps <= 0: no cap. adaptive == false: the limit stays at max_concurrency. max_pause: the
  // longest pause the server's rate-limit headers can impose (the client's max_retry_after).
  pacer(std::size_t max_concurrency, double max_rps, bool adaptive, std::size_t min_concurrency = 1,
        std::chrono::milliseconds max_pause = std::chrono::seconds(60));

  std::size_t limit() const noexcept { return limit_; }

  // Earliest time the next request may start (now when nothing holds it back), given how many
  // are in flight; nullopt when it must wait for one in flight to finish first.
  std::optional<clock::time_point> next_start(std::size_t in_flight, clock::time_point now) const;

  // A request starts now (spends a rate slot).
  void on_start(clock::time_point now);

  // A request finished. rate_limited: how many 429s it met. remaining/reset: the server's
  // x-ratelimit-remaining-requests and x-ratelimit-reset-requests, as received (may be empty).
  void on_finish(clock::time_point now, unsigned rate_limited, std::string_view remaining,
                 std::string_view reset, std::size_t in_flight);

 private:
  std::size_t max_;
  std::size_t min_;
  bool adaptive_;
  std::size_t limit_;
  std::chrono::milliseconds max_pause_;
  clock::duration interval_{0};      // 1 / max_rps
  clock::time_point next_slot_{};    // rate cap: the next free slot
  clock::time_point paused_until_{};  // the server said: wait
  clock::time_point last_decrease_{};
  std::size_t successes_since_increase_ = 0;
};

// "1s", "6m0s", "20ms", "1.5s", "2h3m4.5s" (the format of x-ratelimit-reset-*); nullopt if not.
std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text);

}  // namespace openai::detail

// How fast a batch may go: the concurrency limit (additive increase, multiplicative decrease on
// 429s), an optional cap on requests per second, and the server's own budget as its rate-limit
// headers announce it. Sans-io: time comes in as an argument, so every rule is unit-tested
// without waiting.
//
// The server's budget. The API announces x-ratelimit-limit-requests (L),
// -remaining-requests (R) and -reset-requests (T, the time until R is back at L) on every
// answer, 429s included. Its bucket refills at (L - R) / T, so from one answer the pacer knows
// both how many requests the server will still take now (R) and how fast that grows. It keeps
// an estimate of the server's tokens: R from the newest answer, minus the requests started
// after that one that are still in flight (they will each spend one), plus the refill since,
// minus each start; a request starts only while the estimate holds one token. Answers that
// overtake each other (HTTP/2) are used only when newer than the last used one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace openai::detail {

// What one finished request tells the pacer: its 429s and the server's headers, as received
// (each may be empty).
struct pacer_feedback {
  unsigned rate_limited = 0;
  std::string_view limit;      // x-ratelimit-limit-requests
  std::string_view remaining;  // x-ratelimit-remaining-requests
  std::string_view reset;      // x-ratelimit-reset-requests
};

class pacer {
 public:
  using clock = std::chrono::steady_clock;
  using ticket = std::uint64_t;  // one per started request, increasing in start order

  // max_rps <= 0: no cap. adaptive == false: the limit stays at max_concurrency. max_pause: the
  // longest pause the server's rate-limit headers can impose (the client's max_retry_after).
  pacer(std::size_t max_concurrency, double max_rps, bool adaptive, std::size_t min_concurrency = 1,
        std::chrono::milliseconds max_pause = std::chrono::seconds(60));

  std::size_t limit() const noexcept { return limit_; }
  std::size_t in_flight() const noexcept { return in_flight_.size(); }
  // Whether the server announced its budget with all three headers: the pacer then follows it.
  bool follows_server_budget() const noexcept { return server_rate_ > 0; }
  // The server's refill rate as last announced, in requests per second (0: not announced).
  double server_rate() const noexcept { return server_rate_; }

  // Earliest time the next request may start (now when nothing holds it back); nullopt when it
  // must wait for one in flight to finish first.
  std::optional<clock::time_point> next_start(clock::time_point now) const;

  // A request starts now: spends a rate slot and a token of the server's budget.
  ticket on_start(clock::time_point now);

  // The request of ticket t finished.
  void on_finish(clock::time_point now, ticket t, const pacer_feedback& feedback);

 private:
  double tokens_at(clock::time_point now) const;

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

  // The tickets in flight, in start order (tickets only grow, so a start appends): reserved for
  // max_concurrency once, so starting and finishing allocate nothing.
  std::vector<ticket> in_flight_;
  ticket next_ticket_ = 1;
  // The server's budget, once announced.
  double server_rate_ = 0;         // tokens per second
  double tokens_ = 0;              // estimated tokens at tokens_time_
  double most_tokens_ = 0;         // the largest budget seen: the refill never goes above it
  clock::time_point tokens_time_{};
  ticket newest_answer_ = 0;       // the ticket whose answer set tokens_
};

// "1s", "6m0s", "20ms", "1.5s", "2h3m4.5s" (the format of x-ratelimit-reset-*); nullopt if not.
std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text);

// The same with microsecond precision, for the refill rate ("1.0005s").
std::optional<std::chrono::microseconds> parse_reset_duration_us(std::string_view text);

}  // namespace openai::detail

// openai-mock's rate limit: one token bucket per server, answered as the OpenAI API answers.
//
//   rate_limiter limiter(parse_rate_limit("200/s"), now);  // burst 20 (100 ms worth)
//   if (auto a = limiter.admit(now); a && !a->allowed) return a->rejection;  // the 429
//
// The bucket holds `burst` tokens, starts full and refills continuously at the rate; each
// API request takes one, or is refused with a 429 when less than one is left. Every answer
// carries the API's three headers:
//   x-ratelimit-limit-requests      the limit as given (200 for 200/s, 12000 for 12000/m)
//   x-ratelimit-remaining-requests  floor(tokens) after this request
//   x-ratelimit-reset-requests      max(0, limit - tokens) / rate, Go-formatted ("1.5s"):
//                                   the API's own arithmetic, whose bucket is as large as the
//                                   limit, so a client's (limit - remaining) / reset is the rate
// and a 429 also retry-after-ms (until one token, ceil, at least 1) and retry-after (whole
// seconds, ceil). Sans-io: time comes in as an argument. rate_limiter is thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "exchange.hpp"

namespace openai_mock {

struct rate_limit {
  double limit = 0;               // requests per `per`, as given
  std::chrono::seconds per{1};    // 1 s ("/s", or no unit) or 60 s ("/m")
  std::optional<double> burst{};  // the bucket's capacity; unset: default_burst()
  double per_second() const { return limit / static_cast<double>(per.count()); }
  // 100 ms worth of the rate, rounded down, at least 1: 20 for 200/s and for 12000/m.
  double default_burst() const;
  double capacity() const { return burst ? *burst : default_burst(); }
  std::string text() const;  // "200/s", "12000/m", "2.5/s"
};

// "R", "R/s" or "R/m", R a positive decimal number. Throws std::invalid_argument, saying
// what is wrong, for anything else (0, negative, garbage, another unit).
rate_limit parse_rate_limit(std::string_view text);
// A burst: a whole number of requests, at least 1. Throws std::invalid_argument otherwise.
double parse_rate_burst(std::string_view text);

// The limit as the header writes it: "200", "2.5".
std::string limit_text(double limit);

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  explicit rate_limiter(std::optional<rate_limit> limit = std::nullopt,
                        clock::time_point now = clock::now());

  struct admission {
    bool allowed = true;
    header_map headers;  // the three x-ratelimit-*-requests headers, for any answer
    response rejection;  // when !allowed: the 429, headers included
  };
  // Takes a token for one API request; nullopt when no limit is set (nothing to add).
  std::optional<admission> admit(clock::time_point now);

  // Replaces the limit (nullopt: none). The tokens left stay (capped at the new burst), so a
  // lower limit holds at once; from no limit, the bucket starts full.
  void set(std::optional<rate_limit> limit, clock::time_point now);
  std::optional<rate_limit> current() const;
  double tokens(clock::time_point now);  // 0 without a limit

 private:
  void refill(clock::time_point now);  // mutex held

  mutable std::mutex mutex_;
  std::optional<rate_limit> limit_;
  double tokens_ = 0;
  clock::time_point last_;
};

}  // namespace openai_mock

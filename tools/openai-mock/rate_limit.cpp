#include "rate_limit.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "go_duration.hpp"

namespace openai_mock {

namespace {

using std::chrono::milliseconds;

// Whole milliseconds, rounded up (a hair of floating-point error does not add one).
milliseconds ceil_ms(double seconds) {
  return milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0 - 1e-6)));
}

double positive_number(std::string_view text, std::string_view what) {
  double v = 0;
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!plain || ec != std::errc{} || ptr != text.data() + text.size())
    throw std::invalid_argument(std::string(what) + " is not a number: '" + std::string(text) +
                                "'");
  if (!(v > 0) || !std::isfinite(v))
    throw std::invalid_argument(std::string(what) + " must be above 0: '" + std::string(text) +
                                "'");
  return v;
}

}  // namespace

double rate_limit::default_burst() const {
  return std::max(1.0, std::floor(per_second() / 10.0 + 1e-9));
}

std::string rate_limit::text() const {
  return limit_text(limit) + (per.count() == 60 ? "/m" : "/s");
}

std::string limit_text(double limit) {
  if (limit == std::floor(limit) && limit < 1e15)
    return std::to_string(static_cast<std::int64_t>(limit));
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, limit);  // shortest round trip
  return std::string(buf, ec == std::errc{} ? end : buf);
}

rate_limit parse_rate_limit(std::string_view text) {
  rate_limit r;
  std::string_view number = text;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    const auto unit = text.substr(slash + 1);
    if (unit == "m") {
      r.per = std::chrono::seconds(60);
    } else if (unit != "s") {
      throw std::invalid_argument("the rate's unit must be /s or /m, not '/" + std::string(unit) +
                                  "'");
    }
    number = text.substr(0, slash);
  }
  r.limit = positive_number(number, "the rate");
  return r;
}

double parse_rate_burst(std::string_view text) {
  const double v = positive_number(text, "the burst");
  if (v != std::floor(v) || v < 1)
    throw std::invalid_argument("the burst must be a whole number of requests, at least 1: '" +
                                std::string(text) + "'");
  return v;
}

rate_limiter::rate_limiter(std::optional<rate_limit> limit, clock::time_point now)
    : limit_(std::move(limit)), tokens_(limit_ ? limit_->capacity() : 0), last_(now) {}

void rate_limiter::refill(clock::time_point now) {
  if (!limit_) return;
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(limit_->capacity(), tokens_ + elapsed * limit_->per_second());
    last_ = now;
  }
}

std::optional<rate_limiter::admission> rate_limiter::admit(clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!limit_) return std::nullopt;
  refill(now);
  admission a;
  a.allowed = tokens_ >= 1.0;
  if (a.allowed) tokens_ -= 1.0;
  const double rate = limit_->per_second();
  const std::string limit = limit_text(limit_->limit);
  a.headers["x-ratelimit-limit-requests"] = limit;
  a.headers["x-ratelimit-remaining-requests"] =
      std::to_string(static_cast<std::int64_t>(std::floor(tokens_)));
  a.headers["x-ratelimit-reset-requests"] =
      go_duration(ceil_ms(std::max(0.0, limit_->limit - tokens_) / rate));
  if (a.allowed) return a;

  const milliseconds wait = std::max(milliseconds(1), ceil_ms((1.0 - tokens_) / rate));
  const std::string unit = limit_->per.count() == 60 ? "min (RPM)" : "sec (RPS)";
  response& r = a.rejection;
  r.status = 429;
  r.headers = a.headers;
  r.headers["content-type"] = "application/json";
  r.headers["retry-after-ms"] = std::to_string(wait.count());
  r.headers["retry-after"] = std::to_string((wait.count() + 999) / 1000);
  namespace json = boost::json;
  r.body = json::serialize(json::object{
      {"error", json::object{{"message",
                              "Rate limit reached for requests in organization org-mock "
                              "on requests per " +
                                  unit + ": Limit " + limit + ", Used " + limit +
                                  ", Requested 1. Please try again in " + go_duration(wait) +
                                  ". Visit https://platform.openai.com/account/"
                                  "rate-limits to learn more."},
                             {"type", "requests"},
                             {"param", nullptr},
                             {"code", "rate_limit_exceeded"}}}});
  return a;
}

void rate_limiter::set(std::optional<rate_limit> limit, clock::time_point now) {
  std::lock_guard lock(mutex_);
  refill(now);
  if (limit) tokens_ = limit_ ? std::min(tokens_, limit->capacity()) : limit->capacity();
  limit_ = std::move(limit);
  last_ = std::max(last_, now);
}

std::optional<rate_limit> rate_limiter::current() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

double rate_limiter::tokens(clock::time_point now) {
  std::lock_guard lock(mutex_);
  refill(now);
  return limit_ ? tokens_ : 0;
}

}  // namespace openai_mock

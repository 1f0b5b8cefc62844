// openai-mock's rate limit and Go durations, without sockets: time is passed in.
#define BOOST_TEST_MODULE test_mock_rate_limit
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <string>

#include "go_duration.hpp"
#include "rate_limit.hpp"

namespace json = boost::json;
using namespace openai_mock;
using namespace std::chrono_literals;
using clock_type = rate_limiter::clock;

namespace {

// A Go duration in nanoseconds (-1 when it does not parse).
long long ns(const char* text) {
  const auto d = parse_go_duration(text);
  return d ? d->count() : -1;
}

// The reset header back in seconds, as a client reads it.
double seconds_of(const std::string& go) {
  const auto d = parse_go_duration(go);
  BOOST_TEST_REQUIRE(d.has_value(), "not a Go duration: " << go);
  return std::chrono::duration<double>(*d).count();
}

// The rate a client derives from one answer's headers: (limit - remaining) / reset.
double derived_rate(const header_map& h) {
  const double limit = std::stod(h.at("x-ratelimit-limit-requests"));
  const double remaining = std::stod(h.at("x-ratelimit-remaining-requests"));
  return (limit - remaining) / seconds_of(h.at("x-ratelimit-reset-requests"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(go_duration_text)

BOOST_AUTO_TEST_CASE(writes_durations_as_gos_time_duration_does) {
  BOOST_TEST(go_duration(0ms) == "0s");
  BOOST_TEST(go_duration(1ms) == "1ms");
  BOOST_TEST(go_duration(120ms) == "120ms");
  BOOST_TEST(go_duration(999ms) == "999ms");
  BOOST_TEST(go_duration(1000ms) == "1s");
  BOOST_TEST(go_duration(1500ms) == "1.5s");
  BOOST_TEST(go_duration(1010ms) == "1.01s");
  BOOST_TEST(go_duration(1001ms) == "1.001s");
  BOOST_TEST(go_duration(59900ms) == "59.9s");
  BOOST_TEST(go_duration(60000ms) == "1m0s");
  BOOST_TEST(go_duration(90500ms) == "1m30.5s");
  BOOST_TEST(go_duration(360000ms) == "6m0s");
  BOOST_TEST(go_duration(3600000ms) == "1h0m0s");
  BOOST_TEST(go_duration(3723004ms) == "1h2m3.004s");
}

BOOST_AUTO_TEST_CASE(writes_a_negative_duration_as_zero) { BOOST_TEST(go_duration(-5ms) == "0s"); }

BOOST_AUTO_TEST_CASE(reads_back_what_it_writes) {
  for (auto ms : {0, 1, 120, 999, 1000, 1500, 59900, 60000, 90500, 360000, 3723004}) {
    const auto d = parse_go_duration(go_duration(std::chrono::milliseconds(ms)));
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(*d).count() == ms);
  }
}

BOOST_AUTO_TEST_CASE(parses_the_latency_flags_forms) {
  BOOST_TEST(ns("25ms") == std::chrono::nanoseconds(25ms).count());
  BOOST_TEST(ns("0.5s") == std::chrono::nanoseconds(500ms).count());
  BOOST_TEST(ns("0") == std::chrono::nanoseconds(0ns).count());
  BOOST_TEST(ns("0s") == std::chrono::nanoseconds(0ns).count());
  BOOST_TEST(ns("1m30s") == std::chrono::nanoseconds(90s).count());
  BOOST_TEST(ns("250us") == std::chrono::nanoseconds(250us).count());
  BOOST_TEST(ns("2h") == std::chrono::nanoseconds(2h).count());
}

BOOST_AUTO_TEST_CASE(rejects_durations_without_unit_with_sign_or_garbage) {
  for (const char* bad :
       {"", "25", "-25ms", "+1s", "1x", "ms", ".s", "1e3ms", "inf", "nans", "1s "})
    BOOST_TEST(!parse_go_duration(bad).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_limit_spec)

BOOST_AUTO_TEST_CASE(reads_per_second_and_per_minute_rates) {
  const auto a = parse_rate_limit("200");
  BOOST_TEST(a.limit == 200.0);
  BOOST_TEST(a.per.count() == 1);
  BOOST_TEST(parse_rate_limit("200/s").per.count() == 1);
  const auto m = parse_rate_limit("12000/m");
  BOOST_TEST(m.limit == 12000.0);
  BOOST_TEST(m.per.count() == 60);
  BOOST_TEST(m.per_second() == 200.0);
  BOOST_TEST(parse_rate_limit("2.5/s").limit == 2.5);
  BOOST_TEST(m.text() == "12000/m");
  BOOST_TEST(parse_rate_limit("2.5").text() == "2.5/s");
}

BOOST_AUTO_TEST_CASE(the_default_burst_is_100_ms_worth_and_at_least_one) {
  BOOST_TEST(parse_rate_limit("200/s").default_burst() == 20.0);
  BOOST_TEST(parse_rate_limit("12000/m").default_burst() == 20.0);
  BOOST_TEST(parse_rate_limit("15/s").default_burst() == 1.0);
  BOOST_TEST(parse_rate_limit("2.5/s").default_burst() == 1.0);
  BOOST_TEST(parse_rate_limit("60/m").default_burst() == 1.0);
}

BOOST_AUTO_TEST_CASE(rejects_zero_negative_garbage_and_other_units) {
  for (const char* bad : {"0", "0/s", "-5/s", "abc", "", "/s", "10/h", "10/", "10/sec", "1e3",
                          "inf", "nan", "10 /s", "0.0/m"})
    BOOST_CHECK_THROW(parse_rate_limit(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_burst_is_a_whole_number_of_at_least_one) {
  BOOST_TEST(parse_rate_burst("5") == 5.0);
  for (const char* bad : {"0", "-1", "1.5", "x", ""})
    BOOST_CHECK_THROW(parse_rate_burst(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(token_bucket)

BOOST_AUTO_TEST_CASE(without_a_limit_admits_adding_nothing) {
  rate_limiter l;
  BOOST_TEST(!l.admit(clock_type::now()).has_value());
}

BOOST_AUTO_TEST_CASE(a_full_bucket_admits_burst_requests_then_refuses) {
  const auto t = clock_type::now();
  rate_limiter l(parse_rate_limit("200/s"), t);
  for (int i = 0; i < 20; ++i) {
    const auto a = l.admit(t);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(a->allowed);
    BOOST_TEST(a->headers.at("x-ratelimit-remaining-requests") == std::to_string(19 - i));
  }
  const auto refused = l.admit(t);
  BOOST_TEST(!refused->allowed);
  BOOST_TEST(refused->rejection.status == 429u);
}

BOOST_AUTO_TEST_CASE(headers_carry_the_limit_as_given_and_the_apis_reset_arithmetic) {
  const auto t = clock_type::now();
  rate_limiter l(parse_rate_limit("200/s"), t);
  const auto a = l.admit(t);
  BOOST_TEST(a->headers.at("x-ratelimit-limit-requests") == "200");
  BOOST_TEST(a->headers.at("x-ratelimit-remaining-requests") == "19");
  // (200 - 19) / 200 per second = 905 ms
  BOOST_TEST(a->headers.at("x-ratelimit-reset-requests") == "905ms");

  rate_limiter m(parse_rate_limit("12000/m"), t);
  const auto b = m.admit(t);
  BOOST_TEST(b->headers.at("x-ratelimit-limit-requests") == "12000");
  // (12000 - 19) / 200 per second = 59.905 s
  BOOST_TEST(b->headers.at("x-ratelimit-reset-requests") == "59.905s");
}

BOOST_AUTO_TEST_CASE(a_client_derives_the_rate_from_any_answers_headers) {
  const auto start = clock_type::now();
  for (const char* spec : {"200/s", "12000/m", "50/s", "3000/m"}) {
    const auto limit = parse_rate_limit(spec);
    rate_limiter l(limit, start);
    auto t = start;
    for (int i = 0; i < 200; ++i) {
      t += 3ms;  // 333/s, above every limit here: the bucket empties and the 429s come
      const auto a = l.admit(t);
      const double rate = derived_rate(a->headers);
      // floor(tokens) vs tokens: at most 1 / (limit - burst) off, 2.2 % for 50/s with a burst of 5
      BOOST_TEST(std::abs(rate - limit.per_second()) <= 0.03 * limit.per_second(),
                 spec << " request " << i << ": derived " << rate);
      if (!a->allowed) BOOST_TEST(derived_rate(a->rejection.headers) == rate);
    }
  }
}

BOOST_AUTO_TEST_CASE(refills_continuously_at_the_rate_up_to_the_burst) {
  const auto t = clock_type::now();
  rate_limiter l(parse_rate_limit("200/s"), t);
  for (int i = 0; i < 20; ++i) l.admit(t);
  BOOST_TEST(!l.admit(t)->allowed);
  BOOST_TEST(!l.admit(t + 4ms)->allowed);  // 0.8 of a token
  BOOST_TEST(l.admit(t + 6ms)->allowed);   // over one token
  BOOST_TEST(l.tokens(t + 10s) == 20.0);   // never above the burst
}

BOOST_AUTO_TEST_CASE(a_429_carries_the_apis_body_and_retry_headers) {
  const auto t = clock_type::now();
  rate_limiter l(parse_rate_limit("200/s"), t);
  for (int i = 0; i < 20; ++i) l.admit(t);
  const auto a = l.admit(t + 1ms);  // 0.2 token: 0.8 / 200 s = 4 ms to go
  BOOST_TEST_REQUIRE(!a->allowed);
  const response& r = a->rejection;
  BOOST_TEST(r.headers.at("retry-after-ms") == "4");
  BOOST_TEST(r.headers.at("retry-after") == "1");
  BOOST_TEST(r.headers.at("x-ratelimit-remaining-requests") == "0");
  BOOST_TEST(r.headers.at("x-ratelimit-limit-requests") == "200");
  BOOST_TEST(r.headers.at("content-type") == "application/json");
  const auto err = json::parse(r.body).as_object().at("error").as_object();
  BOOST_TEST(err.at("type").as_string() == "requests");
  BOOST_TEST(err.at("code").as_string() == "rate_limit_exceeded");
  BOOST_TEST(err.at("param").is_null());
  const std::string message(err.at("message").as_string());
  BOOST_TEST(message.starts_with("Rate limit reached for requests"));
  BOOST_TEST(message.find("Limit 200, Used 200, Requested 1. Please try again in 4ms.") !=
                 std::string::npos,
             message);
}

BOOST_AUTO_TEST_CASE(retry_after_ms_is_at_least_one_and_retry_after_whole_seconds_rounded_up) {
  const auto t = clock_type::now();
  rate_limiter l(parse_rate_limit("30/m"), t);  // 0.5/s, burst 1
  BOOST_TEST(l.admit(t)->allowed);
  const auto a = l.admit(t);
  BOOST_TEST(a->rejection.headers.at("retry-after-ms") == "2000");
  BOOST_TEST(a->rejection.headers.at("retry-after") == "2");
  const auto b = l.admit(t + 1999999us);  // a microsecond short of the token
  BOOST_TEST(b->rejection.headers.at("retry-after-ms") == "1");
  BOOST_TEST(b->rejection.headers.at("retry-after") == "1");
}

BOOST_AUTO_TEST_CASE(lowering_the_limit_keeps_the_tokens_capped_at_the_new_burst) {
  const auto t = clock_type::now();
  rate_limiter l(parse_rate_limit("200/s"), t);
  auto quarter = parse_rate_limit("50/s");
  quarter.burst = 5;
  l.set(quarter, t);
  BOOST_TEST(l.tokens(t) == 5.0);
  for (int i = 0; i < 5; ++i) BOOST_TEST(l.admit(t)->allowed);
  const auto a = l.admit(t);
  BOOST_TEST(!a->allowed);
  BOOST_TEST(a->headers.at("x-ratelimit-limit-requests") == "50");
  BOOST_TEST(a->headers.at("x-ratelimit-reset-requests") == "1s");  // (50 - 0) / 50
  BOOST_TEST(l.admit(t + 21ms)->allowed);                           // 50/s: one per 20 ms
}

BOOST_AUTO_TEST_CASE(a_limit_set_where_there_was_none_starts_full_and_removing_it_adds_nothing) {
  const auto t = clock_type::now();
  rate_limiter l;
  l.set(parse_rate_limit("100/s"), t);
  BOOST_TEST(l.tokens(t) == 10.0);
  l.set(std::nullopt, t);
  BOOST_TEST(!l.admit(t).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

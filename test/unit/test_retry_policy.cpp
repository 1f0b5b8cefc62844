#include "api/retry_policy.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using openai::detail::attempt_outcome;
using openai::detail::decide_retry;
using openai::detail::retry_config;

namespace {

const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37

attempt_outcome status(unsigned s) {
  attempt_outcome o;
  o.status = s;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(retries_408_409_429_and_5xx) {
  for (unsigned s : {408u, 409u, 429u, 500u, 502u, 503u, 599u})
    BOOST_TEST(decide_retry({}, 0, status(s), now, 0.0).retry, s);
}

BOOST_AUTO_TEST_CASE(does_not_retry_other_client_errors) {
  for (unsigned s : {400u, 401u, 403u, 404u, 422u})
    BOOST_TEST(!decide_retry({}, 0, status(s), now, 0.0).retry, s);
}

BOOST_AUTO_TEST_CASE(retries_connection_failures) {
  attempt_outcome o;
  o.transport_failure = true;
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).retry);
}

BOOST_AUTO_TEST_CASE(stops_after_max_retries) {
  retry_config c;
  c.max_retries = 2;
  BOOST_TEST(decide_retry(c, 1, status(500), now, 0.0).retry);
  BOOST_TEST(!decide_retry(c, 2, status(500), now, 0.0).retry);
  c.max_retries = 0;
  BOOST_TEST(!decide_retry(c, 0, status(500), now, 0.0).retry);
}

BOOST_AUTO_TEST_CASE(backs_off_exponentially_from_half_a_second_capped_at_eight) {
  retry_config c;
  c.max_retries = 10;
  BOOST_TEST(decide_retry(c, 0, status(500), now, 0.0).wait == 500ms);
  BOOST_TEST(decide_retry(c, 1, status(500), now, 0.0).wait == 1000ms);
  BOOST_TEST(decide_retry(c, 2, status(500), now, 0.0).wait == 2000ms);
  BOOST_TEST(decide_retry(c, 4, status(500), now, 0.0).wait == 8000ms);
  BOOST_TEST(decide_retry(c, 9, status(500), now, 0.0).wait == 8000ms);
}

BOOST_AUTO_TEST_CASE(jitter_takes_off_at_most_a_quarter) {
  BOOST_TEST(decide_retry({}, 0, status(500), now, 0.999999).wait >= 375ms);
  BOOST_TEST(decide_retry({}, 0, status(500), now, 0.5).wait == 437ms);
}

BOOST_AUTO_TEST_CASE(x_should_retry_overrides_the_status_rule) {
  auto yes = status(400);
  yes.should_retry = "true";
  BOOST_TEST(decide_retry({}, 0, yes, now, 0.0).retry);
  auto no = status(503);
  no.should_retry = "false";
  BOOST_TEST(!decide_retry({}, 0, no, now, 0.0).retry);
}

BOOST_AUTO_TEST_CASE(honours_retry_after_ms_then_seconds_then_http_date) {
  auto o = status(429);
  o.retry_after_ms = "1500";
  o.retry_after = "7";
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).wait == 1500ms);
  o.retry_after_ms = "";
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).wait == 7000ms);
  o.retry_after = "Sun, 06 Nov 1994 08:49:40 GMT";
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).wait == 3000ms);
}

BOOST_AUTO_TEST_CASE(falls_back_to_backoff_on_unparseable_retry_after) {
  auto o = status(429);
  o.retry_after = "soon";
  o.retry_after_ms = "-5";
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).wait == 500ms);
}

BOOST_AUTO_TEST_CASE(gives_up_when_the_server_asks_for_more_than_the_cap) {
  auto o = status(429);
  o.retry_after = "61";
  BOOST_TEST(!decide_retry({}, 0, o, now, 0.0).retry);
  o.retry_after = "60";
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).retry);
}

BOOST_AUTO_TEST_CASE(does_not_retry_insufficient_quota) {
  auto o = status(429);
  o.error_code = "insufficient_quota";
  BOOST_TEST(!decide_retry({}, 0, o, now, 0.0).retry);
  o.error_code = "rate_limit_exceeded";
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).retry);
}

BOOST_AUTO_TEST_CASE(leaves_a_429_that_announces_a_budget_to_a_pacing_caller) {
  retry_config pacing;
  pacing.retry_announced_rate_limits = false;
  auto o = status(429);
  o.budget_announced = true;
  BOOST_TEST(!decide_retry(pacing, 0, o, now, 0.0).retry);
  BOOST_TEST(decide_retry({}, 0, o, now, 0.0).retry);  // by default: retried as ever
  o.budget_announced = false;
  BOOST_TEST(decide_retry(pacing, 0, o, now, 0.0).retry);  // no budget to pace by: retried
  auto unavailable = status(503);
  unavailable.budget_announced = true;
  BOOST_TEST(decide_retry(pacing, 0, unavailable, now, 0.0).retry);
}

BOOST_AUTO_TEST_CASE(an_http_date_in_year_9999_is_a_wait_beyond_the_cap) {
  auto o = status(429);
  o.retry_after = "Fri, 31 Dec 9999 23:59:59 GMT";
  BOOST_TEST(!decide_retry({}, 0, o, now, 0.0).retry);  // far more than 60 s: give up at once
  retry_config patient;
  patient.max_server_wait = std::chrono::milliseconds::max();
  const auto d = decide_retry(patient, 0, o, now, 0.0);
  BOOST_TEST(d.retry);
  BOOST_TEST(d.wait > std::chrono::hours(24 * 365 * 30));  // clamped, still positive and long
}

BOOST_AUTO_TEST_CASE(an_http_date_in_the_past_means_no_wait) {
  auto o = status(429);
  o.retry_after = "Thu, 01 Jan 1970 00:00:00 GMT";
  const auto d = decide_retry({}, 0, o, now, 0.0);
  BOOST_TEST(d.retry);
  BOOST_TEST(d.wait.count() == 0);
}

BOOST_AUTO_TEST_CASE(huge_retry_after_seconds_give_up_instead_of_overflowing) {
  retry_config patient;
  patient.max_server_wait = std::chrono::milliseconds::max();
  for (const char* huge : {"1e300", "99999999999999999999999", "9223372036854775807"}) {
    auto o = status(503);
    o.retry_after = huge;
    BOOST_TEST(!decide_retry({}, 0, o, now, 0.0).retry, huge);
    const auto d = decide_retry(patient, 0, o, now, 0.0);
    BOOST_TEST(d.retry, huge);
    BOOST_TEST(d.wait.count() > 0, huge);
  }
}

BOOST_AUTO_TEST_CASE(negative_retry_after_seconds_fall_back_to_backoff) {
  for (const char* negative : {"-30", "-1e300", "-0.5"}) {
    auto o = status(503);
    o.retry_after = negative;
    const auto d = decide_retry({}, 0, o, now, 0.0);
    BOOST_TEST(d.retry, negative);
    BOOST_TEST(d.wait == 500ms, negative);
  }
}

BOOST_AUTO_TEST_CASE(garbage_retry_after_ms_is_ignored_for_retry_after) {
  for (const char* garbage : {"12abc", "0x10", "nan", "inf", "-inf", "1e999", " ", "1,5", "\x01"}) {
    auto o = status(429);
    o.retry_after_ms = garbage;
    o.retry_after = "2";
    BOOST_TEST((decide_retry({}, 0, o, now, 0.0).wait == 2000ms), garbage);
  }
}

BOOST_AUTO_TEST_CASE(server_waits_never_exceed_max_server_wait) {
  retry_config config;
  config.max_server_wait = 5s;
  const char* values[] = {"", "4", "5", "6", "1e300", "-1", "nan", "inf", "0x5",
                          "Fri, 31 Dec 9999 23:59:59 GMT", "Sun, 06 Nov 1994 08:49:41 GMT"};
  for (const char* ms : values)
    for (const char* seconds : values) {
      auto o = status(429);
      o.retry_after_ms = ms;
      o.retry_after = seconds;
      const auto d = decide_retry(config, 0, o, now, 0.0);
      if (d.retry) BOOST_TEST((d.wait <= 5s), ms << " / " << seconds);
    }
}

BOOST_AUTO_TEST_CASE(backoff_delays_of_max_saturate_instead_of_overflowing) {
  retry_config forever;
  forever.initial_backoff = std::chrono::milliseconds::max();
  forever.max_backoff = std::chrono::milliseconds::max();
  forever.max_retries = 100;
  for (unsigned done : {0u, 1u, 30u}) {
    const auto d = decide_retry(forever, done, status(503), now, 0.0);
    BOOST_TEST(d.retry);
    BOOST_TEST(d.wait.count() == std::chrono::milliseconds::max().count());
  }
  BOOST_TEST(decide_retry(forever, 0, status(503), now, 0.999).wait.count() > 0);
}

BOOST_AUTO_TEST_SUITE_END()

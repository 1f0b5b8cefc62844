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

BOOST_AUTO_TEST_SUITE_END()

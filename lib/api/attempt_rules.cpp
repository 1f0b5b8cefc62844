#include "api/attempt_rules.hpp"

#include "api/classify.hpp"
#include "api/response_body.hpp"

#include <openai/error.hpp>

#include <boost/asio/error.hpp>

#include <random>

namespace openai::detail {

namespace {

double random_fraction() {
  thread_local std::minstd_rand engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

attempt_verdict attempt_rules::judge(boost::system::error_code failure,
                                     const http::response& response) {
  failure_facts facts;
  facts.transport = failure;
  if (!failure) facts.status = response.status;
  const auto kind = classify(facts);
  if (!kind || kind == boost::asio::error::operation_aborted) return {};

  attempt_outcome outcome;
  std::string error_code_text;
  if (failure) {
    // Neither a malformed answer nor refused proxy credentials get better with another try.
    outcome.transport_failure = kind != make_error_code(errc::bad_response) &&
                                kind != make_error_code(errc::proxy_authentication);
  } else {
    outcome.status = response.status;
    outcome.should_retry = header(response, api_header::should_retry);
    outcome.retry_after_ms = header(response, api_header::retry_after_ms);
    outcome.retry_after = header(response, api_header::retry_after);
    if (outcome.status == 429) {
      ++rate_limited_;
      error_code_text = parse_error_body(response.body).code;
      outcome.error_code = error_code_text;
      outcome.budget_announced = !header(response, api_header::ratelimit_remaining_requests).empty();
    }
  }
  const auto decision =
      decide_retry(config_, retries_, outcome, std::chrono::system_clock::now(), random_fraction());
  if (!decision.retry) return {};
  ++retries_;
  return {false, decision.wait};
}

void attempt_rules::record(const attempt_record& attempt) {
  attempt_event event;
  event.operation = operation_.name;
  event.method = operation_.method;
  event.path_template = operation_.path_template;
  event.attempt = attempt.attempt;
  event.status = attempt.status;
  failure_facts facts;
  facts.transport = attempt.failure;
  facts.status = attempt.status;
  event.error = classify(facts);
  event.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(attempt.duration);
  event.bytes_sent = attempt.bytes_sent;
  event.bytes_received = attempt.bytes_received;
  event.connection = !attempt.had_connection   ? connection_use::none
                     : !attempt.fresh_connection ? connection_use::reused
                     : attempt.resumed_session   ? connection_use::resumed
                                                 : connection_use::opened;
  observer_->on_attempt(event);
}

}  // namespace openai::detail

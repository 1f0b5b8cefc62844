#include "api/to_result.hpp"

#include "api/classify.hpp"
#include "api/endpoints.hpp"
#include "api/response_body.hpp"
#include "api/response_headers.hpp"
#include "api/results.hpp"
#include "support/redact.hpp"
#include "support/text.hpp"

#include <optional>
#include <type_traits>

namespace openai::detail {

namespace {

// Why an answer is not the one asked for: another completion's id (a server or proxy that
// mixed up answers). Empty when it is, or when there is no id to compare.
template <typename Result>
std::string mismatched_id(const Result& result, std::string_view expected,
                          const result_context& context) {
  if constexpr (std::is_same_v<Result, chat_completion> ||
                std::is_same_v<Result, deletion_status>) {
    if (expected.empty() || !context.verify_response_id || result.id() == expected) return {};
    return "the answer is for completion '" +
           printable_excerpt(redacted_all(result.id(), context.secret), 100) +
           "', not for the requested '" + printable_excerpt(expected, 100) + "'";
  } else {
    return {};
  }
}

}  // namespace

template <typename Op>
call_result<Op> to_result(const Op& op, finished_attempts&& finished,
                          const result_context& context, diagnostics& d) {
  using Result = typename Op::result_type;
  http::response& response = finished.response;
  d = diagnostics{};
  d.attempts = finished.attempts;
  d.rate_limited = finished.rate_limited;
  d.request_id = header(response, api_header::request_id);  // copied: the result carries it too
  d.ratelimit_remaining_requests = header(response, api_header::ratelimit_remaining_requests);
  d.ratelimit_reset_requests = header(response, api_header::ratelimit_reset_requests);
  d.ratelimit_limit_requests = header(response, api_header::ratelimit_limit_requests);

  // Emplaced, then moved into the result, never assigned: move construction keeps the parsed
  // object's arena, where assignment would copy every element out of it.
  std::optional<Result> value;
  bool discard_connection = false;
  failure_facts facts;
  facts.transport = finished.failure;
  if (finished.failure) {
    d.message = std::move(finished.problem);
    d.cause = finished.cause ? finished.cause : finished.failure;
  } else {
    if (context.on_response_body && *context.on_response_body)
      (*context.on_response_body)(response.status, response.body);
    facts.status = d.status = response.status;
    if (response.status < 200 || response.status > 299) {
      auto body = parse_error_body(response.body, context.secret);
      d.message = std::move(body.message);
      d.type = std::move(body.type);
      d.code = std::move(body.code);
      d.param = std::move(body.param);
    } else {
      std::string problem;
      auto json = parse_object_body(response.body, problem, context.secret);
      if (problem.empty())
        value.emplace(convert<Result>(
            std::move(json), {header(response, api_header::request_id), finished.attempts},
            problem));
      if (problem.empty()) {
        problem = mismatched_id(*value, expected_id(op), context);
        discard_connection = !problem.empty();
      }
      if (!problem.empty()) {
        facts.unusable_body = true;
        d.message = std::move(problem);
      }
    }
  }
  const auto ec = classify(facts);
  for (std::string* text : {&d.message, &d.type, &d.code, &d.param, &d.request_id})
    redact_all(*text, context.secret);
  if (ec || !value) return {ec, Result{}, discard_connection};
  return {ec, std::move(*value), discard_connection};
}

template call_result<update_op> to_result(const update_op&, finished_attempts&&,
                                          const result_context&, diagnostics&);
template call_result<retrieve_op> to_result(const retrieve_op&, finished_attempts&&,
                                            const result_context&, diagnostics&);
template call_result<delete_op> to_result(const delete_op&, finished_attempts&&,
                                          const result_context&, diagnostics&);
template call_result<list_op> to_result(const list_op&, finished_attempts&&,
                                        const result_context&, diagnostics&);
template call_result<list_messages_op> to_result(const list_messages_op&, finished_attempts&&,
                                                 const result_context&, diagnostics&);

}  // namespace openai::detail

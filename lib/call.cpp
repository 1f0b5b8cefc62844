#include "call.hpp"

#include "api/attempt_rules.hpp"
#include "api/classify.hpp"
#include "api/endpoints.hpp"
#include "api/to_result.hpp"
#include "transport/attempt_loop.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

namespace openai::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Prepare, run the attempts, finish: one coroutine per call, on the call's strand.
template <typename Op>
asio::awaitable<std::pair<error_code, typename Op::result_type>> run_operation(
    std::shared_ptr<client_impl> impl, http::request request, Op op, request_options options,
    diagnostics* diag) {
  diagnostics local;
  diagnostics& d = diag ? *diag : local;
  co_await asio::this_coro::throw_if_cancelled(false);
  request.common_headers = impl->common_headers();
  const call_settings settings = impl->settings_for(options);
  const retry_config retry = impl->retry_for(options);
  attempt_rules rules(retry, impl->observer(), info_of(op));
  attempt_outcome_of<connection_pool::lease> outcome;
  co_await run_attempts(impl->pool(), request, settings, rules, outcome);

  result_context context = impl->context_for_results();
  context.on_response_body = &options.on_response_body;
  auto result = to_result(op,
                          finished_attempts{outcome.ec, std::move(outcome.problem), outcome.cause,
                                            std::move(outcome.response), outcome.attempts,
                                            rules.rate_limited()},
                          context, d);
  // The connection that brought an answer to another request must not bring another.
  if (result.discard_connection && outcome.connection) outcome.connection->close();
  outcome.connection.reset();
  co_return std::pair{result.ec, std::move(result.value)};
}

// Runs op on its own strand and completes `handler` on the handler's executor. The coroutine
// listens to the call's own cancellation signal, which both the handler's cancellation slot and
// client shutdown emit (always on the strand, where the coroutine runs).
template <typename Result>
void spawn_call(const std::shared_ptr<client_impl>& impl,
                asio::awaitable<std::pair<error_code, Result>> op,
                asio::any_completion_handler<void(error_code, Result)> handler) {
  auto call = impl->register_call();
  if (!call) {
    asio::post(impl->executor(),
               asio::append(std::move(handler),
                            make_error_code(asio::error::operation_aborted), Result{}));
    return;
  }
  auto user_slot = asio::get_associated_cancellation_slot(handler);
  if (user_slot.is_connected()) {
    user_slot.assign([call](asio::cancellation_type type) {
      asio::dispatch(call->strand, [call, type] { call->signal.emit(type); });
    });
  }
  auto handler_executor = asio::get_associated_executor(handler, impl->executor());
  auto on_done = [handler = std::move(handler), impl, call, user_slot](
                     std::exception_ptr failure, std::pair<error_code, Result> result) mutable {
    impl->unregister_call(call);
    if (user_slot.is_connected()) user_slot.clear();
    // Only allocation failure can throw in there.
    if (failure) result.first = make_error_code(boost::system::errc::not_enough_memory);
    std::move(handler)(result.first, std::move(result.second));
  };
  asio::co_spawn(call->strand, std::move(op),
                 asio::bind_cancellation_slot(call->signal.slot(),
                                              asio::bind_executor(handler_executor,
                                                                  std::move(on_done))));
}

}  // namespace

template <typename Op>
void start_operation(const std::shared_ptr<client_impl>& impl, operation_handler<Op> handler,
                     Op op, request_options options, diagnostics* diag) {
  using Result = typename Op::result_type;
  std::vector<std::string> violations;
  auto request = make_request(impl->url(), op, options, violations);
  if (!request) {
    // Reported through the handler's executor, never inline, and without opening a connection.
    if (diag) *diag = validation_error(std::move(violations)).details();
    failure_facts refused;
    refused.invalid_input = true;
    asio::post(impl->executor(), asio::append(std::move(handler), classify(refused), Result{}));
    return;
  }
  spawn_call<Result>(impl,
                     run_operation(impl, std::move(*request), std::move(op), std::move(options),
                                   diag),
                     std::move(handler));
}

// The one start of each operation, compiled here only.
template void start_operation<update_op>(const std::shared_ptr<client_impl>&,
                                         operation_handler<update_op>, update_op,
                                         request_options, diagnostics*);
template void start_operation<retrieve_op>(const std::shared_ptr<client_impl>&,
                                           operation_handler<retrieve_op>, retrieve_op,
                                           request_options, diagnostics*);
template void start_operation<delete_op>(const std::shared_ptr<client_impl>&,
                                         operation_handler<delete_op>, delete_op,
                                         request_options, diagnostics*);
template void start_operation<list_op>(const std::shared_ptr<client_impl>&,
                                       operation_handler<list_op>, list_op, request_options,
                                       diagnostics*);
template void start_operation<list_messages_op>(const std::shared_ptr<client_impl>&,
                                                operation_handler<list_messages_op>,
                                                list_messages_op, request_options, diagnostics*);

asio::any_io_executor executor_of(const client_impl& impl) noexcept { return impl.executor(); }

}  // namespace openai::detail

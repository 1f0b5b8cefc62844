#include <openai/client.hpp>

#include "calls.hpp"
#include "client_impl.hpp"
#include "model/parse.hpp"
#include "model/results.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>

namespace openai {

namespace asio = boost::asio;
using boost::system::error_code;

client_options client_options::from_env() {
  client_options options;
  auto read = [](const char* name, std::string& into) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') into = value;
  };
  read("OPENAI_API_KEY", options.api_key);
  read("OPENAI_BASE_URL", options.base_url);
  read("OPENAI_ORG_ID", options.organization);
  read("OPENAI_PROJECT_ID", options.project);
  return options;
}

client::client(executor_type executor, client_options options)
    : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(options))) {}

client::~client() {
  if (impl_) impl_->shutdown();
}

client::executor_type client::get_executor() const noexcept { return impl_->executor(); }

pool_stats client::pool_stats() const { return impl_->pool_stats(); }

void client::close_idle_connections() { impl_->close_idle_connections(); }

namespace {

// A call as a coroutine: perform the request, then turn the response into its result type.
// Why an answer is not the one asked for: another completion's id (a server or proxy that
// mixed up answers). Empty when it is, or when there is no id to compare.
template <typename Result>
std::string mismatched_id(const Result& result, std::string_view expected_id,
                          const detail::client_impl& impl) {
  if constexpr (std::is_same_v<Result, chat_completion> ||
                std::is_same_v<Result, deletion_status>) {
    if (expected_id.empty() || !impl.verify_response_id() || result.id() == expected_id) return {};
    std::string got(result.id());
    impl.redact(got);
    return "the answer is for completion '" + detail::printable_excerpt(got, 100) +
           "', not for the requested '" + detail::printable_excerpt(expected_id, 100) + "'";
  } else {
    return {};
  }
}

template <typename Result>
asio::awaitable<std::pair<error_code, Result>> run_call(std::shared_ptr<detail::client_impl> impl,
                                                        detail::http_request request,
                                                        std::string expected_id,
                                                        request_options options,
                                                        diagnostics* diag) {
  diagnostics local;
  diagnostics& d = diag ? *diag : local;
  co_await asio::this_coro::throw_if_cancelled(false);
  const detail::call_settings settings = impl->prepare(request, options);
  detail::call_outcome outcome;
  co_await detail::run_attempts(impl->pool(), request, settings, outcome);
  auto [ec, raw] = impl->finish(outcome, &d);
  if (ec) {
    outcome.connection.reset();
    co_return std::pair{ec, Result{}};
  }
  std::string problem;
  // Constructed, not assigned: assignment would copy the JSON out of its arena.
  Result result = detail::convert<Result>(std::move(raw.json), {raw.request_id, raw.attempts},
                                          problem);
  if (problem.empty()) problem = mismatched_id(result, expected_id, *impl);
  // The connection that brought an answer to another request must not bring another.
  if (!problem.empty() && outcome.connection) outcome.connection->close();
  outcome.connection.reset();
  if (!problem.empty()) {
    d.message = std::move(problem);
    co_return std::pair{make_error_code(errc::bad_response), Result{}};
  }
  co_return std::pair{ec, std::move(result)};
}

// Runs op on its own strand and completes `handler` on the handler's executor. The coroutine
// listens to the call's own cancellation signal, which both the handler's cancellation slot and
// client shutdown emit (always on the strand, where the coroutine runs).
template <typename Result>
void spawn_call(const std::shared_ptr<detail::client_impl>& impl,
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

// Builds the request and runs it, or reports why it cannot be built: through the handler's
// executor, never inline, and without opening any connection.
template <typename Result>
void start_call(const std::shared_ptr<detail::client_impl>& impl,
                asio::any_completion_handler<void(error_code, Result)> handler, detail::call call,
                request_options options, diagnostics* diag) {
  std::vector<std::string> violations;
  auto request = detail::make_request(impl->url(), call, options, violations);
  if (!request) {
    if (diag) *diag = validation_error(std::move(violations)).details();
    asio::post(impl->executor(), asio::append(std::move(handler),
                                              make_error_code(errc::invalid_argument), Result{}));
    return;
  }
  spawn_call<Result>(impl,
                     run_call<Result>(impl, std::move(*request), std::move(call.completion_id),
                                      std::move(options), diag),
                     std::move(handler));
}

// The coroutine form of any call: the token form with diagnostics, thrown as an exception.
// A coroutine of its own so that its arguments are copied when the caller calls, not when the
// returned awaitable first runs (a string_view could dangle by then).
template <typename Result, typename Launch>
asio::awaitable<Result> call_and_throw(Launch launch) {
  diagnostics diag;
  auto [ec, result] = co_await launch(diag, asio::as_tuple(asio::use_awaitable));
  if (ec) throw_error(ec, std::move(diag));
  co_return std::move(result);
}

}  // namespace

detail::call client::make_call(detail::call::kind what, std::string_view completion_id) {
  detail::call c;
  c.what = what;
  c.completion_id = std::string(completion_id);
  return c;
}

detail::call client::make_list_call(list_completions_params params) {
  detail::call c;
  c.what = detail::call::kind::list;
  c.list = std::move(params);
  return c;
}

detail::call client::make_messages_call(std::string_view completion_id,
                                        list_messages_params params) {
  detail::call c = make_call(detail::call::kind::list_messages, completion_id);
  c.list.after = std::move(params.after);
  c.list.limit = params.limit;
  c.list.order = std::move(params.order);
  return c;
}

void client::start(asio::any_completion_handler<void(error_code, chat_completion)> handler,
                   detail::call call, request_options options, diagnostics* diag) {
  start_call(impl_, std::move(handler), std::move(call), std::move(options), diag);
}
void client::start(asio::any_completion_handler<void(error_code, deletion_status)> handler,
                   detail::call call, request_options options, diagnostics* diag) {
  start_call(impl_, std::move(handler), std::move(call), std::move(options), diag);
}
void client::start(asio::any_completion_handler<void(error_code, completion_page)> handler,
                   detail::call call, request_options options, diagnostics* diag) {
  start_call(impl_, std::move(handler), std::move(call), std::move(options), diag);
}
void client::start(asio::any_completion_handler<void(error_code, message_page)> handler,
                   detail::call call, request_options options, diagnostics* diag) {
  start_call(impl_, std::move(handler), std::move(call), std::move(options), diag);
}

void detail::start_update(const std::shared_ptr<client_impl>& impl,
                          asio::any_completion_handler<void(error_code, chat_completion)> handler,
                          std::string completion_id, metadata md, request_options options,
                          diagnostics* diag) {
  detail::call call;
  call.what = detail::call::kind::update;
  call.completion_id = std::move(completion_id);
  call.md = std::move(md);
  start_call(impl, std::move(handler), std::move(call), std::move(options), diag);
}

void client::initiate_update(asio::any_completion_handler<update_signature> handler,
                             std::string completion_id, metadata md, request_options options,
                             diagnostics* diag) {
  detail::start_update(impl_, std::move(handler), std::move(completion_id), std::move(md),
                       std::move(options), diag);
}

asio::awaitable<chat_completion> client::update_completion(std::string_view completion_id,
                                                           metadata md,
                                                           request_options options) {
  return call_and_throw<chat_completion>(
      [this, id = std::string(completion_id), md = std::move(md),
       options = std::move(options)](diagnostics& diag, auto token) mutable {
        return async_update_completion(id, std::move(md), std::move(options), diag, token);
      });
}

asio::awaitable<chat_completion> client::retrieve_completion(std::string_view completion_id,
                                                             request_options options) {
  return call_and_throw<chat_completion>(
      [this, id = std::string(completion_id), options = std::move(options)](
          diagnostics& diag, auto token) mutable {
        return async_retrieve_completion(id, std::move(options), diag, token);
      });
}

asio::awaitable<deletion_status> client::delete_completion(std::string_view completion_id,
                                                           request_options options) {
  return call_and_throw<deletion_status>(
      [this, id = std::string(completion_id), options = std::move(options)](
          diagnostics& diag, auto token) mutable {
        return async_delete_completion(id, std::move(options), diag, token);
      });
}

asio::awaitable<completion_page> client::list_completions(list_completions_params params,
                                                          request_options options) {
  return call_and_throw<completion_page>(
      [this, params = std::move(params), options = std::move(options)](diagnostics& diag,
                                                                       auto token) mutable {
        return async_list_completions(std::move(params), std::move(options), diag, token);
      });
}

asio::awaitable<message_page> client::list_completion_messages(std::string_view completion_id,
                                                               list_messages_params params,
                                                               request_options options) {
  return call_and_throw<message_page>(
      [this, id = std::string(completion_id), params = std::move(params),
       options = std::move(options)](diagnostics& diag, auto token) mutable {
        return async_list_completion_messages(id, std::move(params), std::move(options), diag,
                                              token);
      });
}

completion_pager client::list_all_completions(list_completions_params params,
                                              request_options options) {
  return completion_pager(*this, make_list_call(std::move(params)), std::move(options));
}

message_pager client::list_all_completion_messages(std::string_view completion_id,
                                                   list_messages_params params,
                                                   request_options options) {
  return message_pager(*this, make_messages_call(completion_id, std::move(params)),
                       std::move(options));
}

template <typename Item>
asio::awaitable<std::optional<Item>> pager<Item>::next() {
  while (index_ == items_.size()) {
    if (!more_) co_return std::nullopt;
    // The previous page is released before the next one arrives: one page in memory.
    items_.clear();
    index_ = 0;
    page<Item> p;
    if constexpr (std::is_same_v<Item, chat_completion>) {
      p = co_await client_->list_completions(call_.list, options_);
    } else {
      list_messages_params params{call_.list.after, call_.list.limit, call_.list.order};
      p = co_await client_->list_completion_messages(call_.completion_id, std::move(params),
                                                     options_);
    }
    ++pages_;
    const auto after = p.next_after();
    // A page that says "more" but cannot say where the next starts ends the walk here rather
    // than fetching the same page forever.
    more_ = after.has_value() && after != call_.list.after;
    if (more_) call_.list.after = after;
    items_ = std::move(p.data());
  }
  ++consumed_;
  co_return std::move(items_[index_++]);
}

template class pager<chat_completion>;
template class pager<completion_message>;

}  // namespace openai

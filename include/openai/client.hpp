// openai::client: the stored chat completions API over a pool of verified HTTPS keep-alive
// connections.
//
//   asio::awaitable<void> tag(openai::client& client) {
//     openai::chat_completion c =
//         co_await client.update_completion("chatcmpl-abc123", openai::metadata{{"foo", "bar"}});
//     std::cout << c.id() << ' ' << c.metadata().at("foo") << ' ' << c.request_id() << '\n';
//   }
//
//   asio::io_context io;
//   openai::client client{io.get_executor(), openai::client_options::from_env()};
//   asio::co_spawn(io, tag(client), asio::detached);
//   io.run();
//
// Thread safety: one client may be used concurrently from any number of threads running its
// executor's execution context, and calls may be started from any other thread too (each call
// runs on a strand of its own). Destroying the client while calls are in flight is safe.
#pragma once

#include <openai/batch.hpp>
#include <openai/chat_completion.hpp>
#include <openai/detail/operations.hpp>
#include <openai/error.hpp>
#include <openai/metadata.hpp>
#include <openai/options.hpp>
#include <openai/pagination.hpp>
#include <openai/pool_stats.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace openai {

class client {
 public:
  using executor_type = boost::asio::any_io_executor;
  using update_signature = void(boost::system::error_code, chat_completion);

  // Throws configuration_error when options cannot work (bad base_url, unreadable ca_file,
  // plaintext to a remote host without allow_insecure_http).
  client(executor_type executor, client_options options);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  executor_type get_executor() const noexcept;
  openai::pool_stats pool_stats() const;
  // Closes the idle keep-alive connections now. Connections idle for longer than
  // client_options::idle_timeout are closed on the next call anyway; the client runs no timer
  // of its own, so that io_context::run() returns as soon as the calls are done.
  void close_idle_connections();

  // POST /chat/completions/{completion_id} with {"metadata": md}: replaces the metadata of a
  // stored completion and returns the completion. md and the id are checked first: a rejected
  // call throws validation_error and sends nothing. Other failures throw the api_error subclass
  // of the status, connection_error, timeout_error or bad_response_error.
  // Cancellation: terminal cancellation of the awaiting coroutine aborts the call.
  boost::asio::awaitable<chat_completion> update_completion(std::string_view completion_id,
                                                            metadata md,
                                                            request_options options = {});

  // The same operation for any completion token (use_awaitable, use_future, deferred, a
  // callback). Handler: void(error_code, chat_completion). Failures are reported as an
  // openai::errc; pass a diagnostics to receive status, message, type, code, param and request
  // id. diag must stay alive until the handler runs. An lvalue handler is copied.
  // Cancellation: terminal (any cancellation slot bound to the token).
  template <typename CompletionToken>
  auto async_update_completion(std::string_view completion_id, metadata md,
                               request_options options, diagnostics& diag,
                               CompletionToken&& token) {
    return async_operation(detail::update_op{std::string(completion_id), std::move(md)},
                           std::move(options), &diag, std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_update_completion(std::string_view completion_id, metadata md,
                               request_options options, CompletionToken&& token) {
    return async_operation(detail::update_op{std::string(completion_id), std::move(md)},
                           std::move(options), nullptr, std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_update_completion(std::string_view completion_id, metadata md,
                               CompletionToken&& token) {
    return async_operation(detail::update_op{std::string(completion_id), std::move(md)}, {},
                           nullptr, std::forward<CompletionToken>(token));
  }

  // GET /chat/completions/{completion_id}. Same errors and cancellation as update.
  boost::asio::awaitable<chat_completion> retrieve_completion(std::string_view completion_id,
                                                              request_options options = {});
  // DELETE /chat/completions/{completion_id}: the completion is gone afterwards.
  boost::asio::awaitable<deletion_status> delete_completion(std::string_view completion_id,
                                                            request_options options = {});
  // GET /chat/completions: one page. The metadata filter is sent as metadata[key]=value.
  boost::asio::awaitable<completion_page> list_completions(list_completions_params params = {},
                                                           request_options options = {});
  // GET /chat/completions/{completion_id}/messages: one page.
  boost::asio::awaitable<message_page> list_completion_messages(std::string_view completion_id,
                                                                list_messages_params params = {},
                                                                request_options options = {});
  // Every stored completion matching params, page after page, as it is consumed.
  completion_pager list_all_completions(list_completions_params params = {},
                                        request_options options = {});
  // Every message of a completion, page after page.
  message_pager list_all_completion_messages(std::string_view completion_id,
                                             list_messages_params params = {},
                                             request_options options = {});

  // Updates every item the source yields, `options.concurrency` at a time, handing one result
  // per item to the sink as each finishes; see batch.hpp. Returns when the source is exhausted
  // and every update finished. Destroying the client ends the batch as cancelled.
  // Cancellation: terminal; stops pulling items, then finishes (or, with cancel_in_flight,
  // cancels) the updates in flight; the summary says cancelled. An exception from the source or
  // the sink stops the batch the same way and is rethrown once the updates in flight are done.
  boost::asio::awaitable<batch_summary> update_many(update_source source, update_sink sink,
                                                    batch_options options = {});

  // The same for any completion token; handler void(std::exception_ptr, batch_summary).
  template <typename CompletionToken>
  auto async_update_many(update_source source, update_sink sink, batch_options options,
                         CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(std::exception_ptr, batch_summary)>(
        [this](auto handler, update_source src, update_sink snk, batch_options o) {
          start_batch(std::move(handler), std::move(src), std::move(snk), std::move(o));
        },
        token, std::move(source), std::move(sink), std::move(options));
  }

  // Completion-token forms of the calls above; handler void(error_code, Result).
  template <typename CompletionToken>
  auto async_retrieve_completion(std::string_view completion_id, request_options options,
                                 diagnostics& diag, CompletionToken&& token) {
    return async_operation(detail::retrieve_op{std::string(completion_id)}, std::move(options),
                           &diag, std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_retrieve_completion(std::string_view completion_id, CompletionToken&& token) {
    return async_operation(detail::retrieve_op{std::string(completion_id)}, {}, nullptr,
                           std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_delete_completion(std::string_view completion_id, request_options options,
                               diagnostics& diag, CompletionToken&& token) {
    return async_operation(detail::delete_op{std::string(completion_id)}, std::move(options),
                           &diag, std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_delete_completion(std::string_view completion_id, CompletionToken&& token) {
    return async_operation(detail::delete_op{std::string(completion_id)}, {}, nullptr,
                           std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_list_completions(list_completions_params params, request_options options,
                              diagnostics& diag, CompletionToken&& token) {
    return async_operation(detail::list_op{std::move(params)}, std::move(options), &diag,
                           std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_list_completions(list_completions_params params, CompletionToken&& token) {
    return async_operation(detail::list_op{std::move(params)}, {}, nullptr,
                           std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_list_completion_messages(std::string_view completion_id, list_messages_params params,
                                      request_options options, diagnostics& diag,
                                      CompletionToken&& token) {
    return async_operation(
        detail::list_messages_op{std::string(completion_id), std::move(params)},
        std::move(options), &diag, std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_list_completion_messages(std::string_view completion_id, list_messages_params params,
                                      CompletionToken&& token) {
    return async_operation(
        detail::list_messages_op{std::string(completion_id), std::move(params)}, {}, nullptr,
        std::forward<CompletionToken>(token));
  }

 private:
  // Every operation's one initiation. CompletionToken is the caller's deduced type (an lvalue
  // reference for an lvalue token), so an lvalue handler is copied, never moved from.
  template <typename Op, typename CompletionToken>
  auto async_operation(Op op, request_options options, diagnostics* diag,
                       CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, detail::operation_signature<Op>>(
        detail::operation_initiation(impl_), token, std::move(op), std::move(options), diag);
  }

  void start_batch(
      boost::asio::any_completion_handler<void(std::exception_ptr, batch_summary)> handler,
      update_source source, update_sink sink, batch_options options);

  std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace openai

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
#include <openai/error.hpp>
#include <openai/metadata.hpp>
#include <openai/options.hpp>
#include <openai/pagination.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openai {

// A snapshot of the connection pool, for monitoring.
struct pool_stats {
  std::size_t open = 0;              // connections idle, in use or being opened
  std::size_t idle = 0;              // ready for the next request
  std::size_t waiting = 0;           // calls queued for a connection
  std::uint64_t opened_total = 0;    // connections ever opened (TLS handshakes for https)
  std::uint64_t resumed_total = 0;   // of those, TLS sessions resumed: no certificate exchange
};

namespace detail {
class client_impl;

// What a call asks for, before lib/ turns it into an HTTP request.
struct call {
  enum class kind { update, retrieve, remove, list, list_messages } what = kind::update;
  std::string completion_id;
  metadata md;                           // update
  list_completions_params list;          // list; after/limit/order also for list_messages
};
}  // namespace detail

class client;

// Every item of a list across pages; see pagination.hpp. Keeps the client by reference.
template <typename Item>
class pager {
 public:
  // The next item, fetching the next page when the current one is used up; empty after the
  // last item. Throws like the list call it makes.
  boost::asio::awaitable<std::optional<Item>> next();
  // Items handed out so far.
  std::size_t consumed() const noexcept { return consumed_; }
  // Pages fetched so far.
  std::size_t pages() const noexcept { return pages_; }

 private:
  friend class client;
  pager(client& c, detail::call call, request_options options)
      : client_(&c), call_(std::move(call)), options_(std::move(options)) {}

  client* client_;
  detail::call call_;
  request_options options_;
  std::vector<Item> items_;
  std::size_t index_ = 0;
  bool more_ = true;
  std::size_t consumed_ = 0;
  std::size_t pages_ = 0;
};

using completion_pager = pager<chat_completion>;
using message_pager = pager<completion_message>;

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
  // id. diag must stay alive until the handler runs.
  // Cancellation: terminal (any cancellation slot bound to the token).
  template <typename CompletionToken>
  auto async_update_completion(std::string_view completion_id, metadata md,
                               request_options options, diagnostics& diag,
                               CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, update_signature>(
        [this](auto handler, std::string id, metadata m, request_options o, diagnostics* d) {
          initiate_update(std::move(handler), std::move(id), std::move(m), std::move(o), d);
        },
        token, std::string(completion_id), std::move(md), std::move(options), &diag);
  }

  template <typename CompletionToken>
  auto async_update_completion(std::string_view completion_id, metadata md,
                               request_options options, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, update_signature>(
        [this](auto handler, std::string id, metadata m, request_options o) {
          initiate_update(std::move(handler), std::move(id), std::move(m), std::move(o), nullptr);
        },
        token, std::string(completion_id), std::move(md), std::move(options));
  }

  template <typename CompletionToken>
  auto async_update_completion(std::string_view completion_id, metadata md,
                               CompletionToken&& token) {
    return async_update_completion(completion_id, std::move(md), request_options{},
                                   std::forward<CompletionToken>(token));
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
  // and every update finished. The client must outlive the batch.
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
    return initiate<chat_completion, CompletionToken>(
        make_call(detail::call::kind::retrieve, completion_id),
        std::move(options), &diag, token);
  }
  template <typename CompletionToken>
  auto async_retrieve_completion(std::string_view completion_id, CompletionToken&& token) {
    return initiate<chat_completion, CompletionToken>(
        make_call(detail::call::kind::retrieve, completion_id), {},
        nullptr, token);
  }
  template <typename CompletionToken>
  auto async_delete_completion(std::string_view completion_id, request_options options,
                               diagnostics& diag, CompletionToken&& token) {
    return initiate<deletion_status, CompletionToken>(
        make_call(detail::call::kind::remove, completion_id),
        std::move(options), &diag, token);
  }
  template <typename CompletionToken>
  auto async_delete_completion(std::string_view completion_id, CompletionToken&& token) {
    return initiate<deletion_status, CompletionToken>(
        make_call(detail::call::kind::remove, completion_id), {},
        nullptr, token);
  }
  template <typename CompletionToken>
  auto async_list_completions(list_completions_params params, request_options options,
                              diagnostics& diag, CompletionToken&& token) {
    return initiate<completion_page, CompletionToken>(
        make_list_call(std::move(params)), std::move(options), &diag,
        token);
  }
  template <typename CompletionToken>
  auto async_list_completions(list_completions_params params, CompletionToken&& token) {
    return initiate<completion_page, CompletionToken>(
        make_list_call(std::move(params)), {}, nullptr, token);
  }
  template <typename CompletionToken>
  auto async_list_completion_messages(std::string_view completion_id, list_messages_params params,
                                      request_options options, diagnostics& diag,
                                      CompletionToken&& token) {
    return initiate<message_page, CompletionToken>(
        make_messages_call(completion_id, std::move(params)),
        std::move(options), &diag, token);
  }
  template <typename CompletionToken>
  auto async_list_completion_messages(std::string_view completion_id, list_messages_params params,
                                      CompletionToken&& token) {
    return initiate<message_page, CompletionToken>(
        make_messages_call(completion_id, std::move(params)), {},
        nullptr, token);
  }

 private:
  template <typename Item>
  friend class pager;

  static detail::call make_call(detail::call::kind what, std::string_view completion_id);
  static detail::call make_list_call(list_completions_params params);
  static detail::call make_messages_call(std::string_view completion_id,
                                         list_messages_params params);

  // CompletionToken is the caller's deduced type (an lvalue reference for an lvalue token), so
  // an lvalue handler is copied, never moved from.
  template <typename Result, typename CompletionToken>
  auto initiate(detail::call call, request_options options, diagnostics* diag,
                CompletionToken& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, Result)>(
        [this](auto handler, detail::call c, request_options o, diagnostics* d) {
          // Named type first: the start() overloads differ only in their handler type.
          start(boost::asio::any_completion_handler<void(boost::system::error_code, Result)>(
                    std::move(handler)),
                std::move(c), std::move(o), d);
        },
        token, std::move(call), std::move(options), diag);
  }

  // One per result type; each builds the request, or reports why it cannot, and runs it.
  void start(boost::asio::any_completion_handler<void(boost::system::error_code, chat_completion)>
                 handler,
             detail::call call, request_options options, diagnostics* diag);
  void start(boost::asio::any_completion_handler<void(boost::system::error_code, deletion_status)>
                 handler,
             detail::call call, request_options options, diagnostics* diag);
  void start(boost::asio::any_completion_handler<void(boost::system::error_code, completion_page)>
                 handler,
             detail::call call, request_options options, diagnostics* diag);
  void start(boost::asio::any_completion_handler<void(boost::system::error_code, message_page)>
                 handler,
             detail::call call, request_options options, diagnostics* diag);

  void start_batch(
      boost::asio::any_completion_handler<void(std::exception_ptr, batch_summary)> handler,
      update_source source, update_sink sink, batch_options options);

  void initiate_update(boost::asio::any_completion_handler<update_signature> handler,
                       std::string completion_id, metadata md, request_options options,
                       diagnostics* diag);

  std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace openai

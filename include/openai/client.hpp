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
// executor's execution context. Destroying the client while calls are in flight is safe.
#pragma once

#include <openai/chat_completion.hpp>
#include <openai/error.hpp>
#include <openai/metadata.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openai {

struct client_options {
  std::string api_key;                            // sent as Authorization: Bearer; never logged
  std::string base_url = "https://api.openai.com/v1";
  std::string organization;                       // OpenAI-Organization, when not empty
  std::string project;                            // OpenAI-Project, when not empty
  unsigned max_retries = 2;                       // retries after the first attempt
  std::chrono::milliseconds timeout = std::chrono::minutes(10);  // per attempt, all steps
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::size_t max_connections = 64;               // pool size per host
  std::string ca_file;                            // extra PEM trust anchors; empty = system store only
  bool allow_insecure_http = false;               // http:// to a host other than loopback
  std::size_t max_response_bytes = 32 * 1024 * 1024;

  // Reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID; unset variables
  // keep the defaults above.
  static client_options from_env();
};

// Per-call overrides.
struct request_options {
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<unsigned> max_retries;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // added to (or replacing) ours
  std::vector<std::pair<std::string, std::string>> extra_query;    // appended, percent-encoded
};

namespace detail {
class client_impl;
}

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

 private:
  void initiate_update(boost::asio::any_completion_handler<update_signature> handler,
                       std::string completion_id, metadata md, request_options options,
                       diagnostics* diag);

  std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace openai

// What a client owns: its options, parsed base URL, headers, TLS context and connection pool.
// Shared with every call in flight, so destroying the client never pulls anything from under
// a running call.
#pragma once

#include "request.hpp"
#include "transport/attempt_loop.hpp"
#include "transport/connection_pool.hpp"
#include "url.hpp"

#include <openai/client.hpp>

#include <boost/json/object.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/strand.hpp>

#include <memory>
#include <mutex>
#include <unordered_set>
#include <string>

namespace openai::detail {

// A finished call before it becomes a typed result.
struct raw_result {
  boost::json::object json;
  std::string request_id;
  unsigned attempts = 0;
};

class client_impl : public std::enable_shared_from_this<client_impl> {
 public:
  client_impl(boost::asio::any_io_executor executor, client_options options);

  boost::asio::any_io_executor executor() const { return executor_; }
  const base_url& url() const { return url_; }

  // A call runs in three steps: prepare() completes the request (common headers) and returns
  // its settings, run_attempts() (attempt_loop.hpp) sends it with retries, and finish() turns
  // the outcome into a JSON object or an error code, with every detail in diag (when not null).
  // Not one coroutine: that would be one more coroutine frame per call.
  call_settings prepare(http_request& request, const request_options& options) const;
  std::pair<boost::system::error_code, raw_result> finish(call_outcome& outcome,
                                                          diagnostics* diag) const;
  connection_pool& pool() { return *pool_; }

  // Removes the API key from text that may echo it (a hostile or misconfigured server).
  void redact(std::string& text) const;
  // Whether answers must carry the id they were asked for (client_options::verify_response_id).
  bool verify_response_id() const noexcept { return options_.verify_response_id; }

  // A call in flight, so that shutdown() can cancel it. The signal belongs to the call's strand:
  // it is emitted only there.
  struct running_call {
    explicit running_call(boost::asio::any_io_executor s) : strand(std::move(s)) {}
    boost::asio::any_io_executor strand;  // a strand of the client's executor
    boost::asio::cancellation_signal signal;
  };
  // Null after shutdown: the call must then complete with operation_aborted at once.
  std::shared_ptr<running_call> register_call();
  void unregister_call(const std::shared_ptr<running_call>& call);

  // Cancels every call in flight (they complete with operation_aborted), fails callers waiting
  // for a connection, closes idle connections; later calls fail at once.
  void shutdown();

  openai::pool_stats pool_stats() const { return pool_->stats(); }
  void close_idle_connections() { pool_->close_idle(); }

 private:
  call_settings settings_for(const request_options& options) const;

  boost::asio::any_io_executor executor_;
  client_options options_;
  base_url url_;
  std::shared_ptr<const header_list> common_headers_;
  std::shared_ptr<connection_pool> pool_;
  std::mutex calls_mutex_;
  std::unordered_set<std::shared_ptr<running_call>> calls_;
  bool shut_down_ = false;
};

}  // namespace openai::detail

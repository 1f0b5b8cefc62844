// What a client owns: its options, parsed base URL, headers, TLS context and connection pool.
// Shared with every call in flight, so destroying the client never pulls anything from under
// a running call.
#pragma once

#include "api/retry_policy.hpp"
#include "api/to_result.hpp"
#include "http/message.hpp"
#include "http/url.hpp"
#include "transport/attempt_loop.hpp"
#include "support/redact.hpp"
#include "transport/connection_pool.hpp"
#include "transport/proxy_tunnel.hpp"

#include <openai/options.hpp>
#include <openai/pool_stats.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

namespace openai::detail {

// Where a call's coroutine runs: a strand of the client's executor, so that a call's steps
// never run in parallel with each other on a multi-threaded executor; or the executor itself
// when it is an io_context that promises a single thread (concurrency hint 1, or one that
// disables locking).
boost::asio::any_io_executor executor_for_call(const boost::asio::any_io_executor& client_executor);

class client_impl : public std::enable_shared_from_this<client_impl> {
 public:
  client_impl(boost::asio::any_io_executor executor, client_options options);

  boost::asio::any_io_executor executor() const { return executor_; }
  const base_url& url() const { return url_; }
  const client_options& options() const { return options_; }

  // What the call pipeline (call.cpp) takes from the client for each call.
  const std::shared_ptr<const http::header_list>& common_headers() const {
    return common_headers_;
  }
  call_settings settings_for(const request_options& options) const;
  retry_config retry_for(const request_options& options) const;
  openai::observer* observer() const noexcept { return options_.observer.get(); }
  result_context context_for_results() const noexcept {
    return {secrets_, options_.verify_response_id};
  }
  connection_pool& pool() { return *pool_; }

  // Removes the API key and the proxy's credentials from text that may echo them (a hostile or
  // misconfigured server).
  void redact(std::string& text) const;

  // A call in flight, so that shutdown() can cancel it. The signal belongs to the call's strand:
  // it is emitted only there.
  struct running_call {
    explicit running_call(boost::asio::any_io_executor s) : strand(std::move(s)) {}
    boost::asio::any_io_executor strand;  // executor_for_call() of the client's executor
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
  // Sets proxy_ and secrets_ from options_.proxy and proxy_env; throws configuration_error for
  // a proxy URL that cannot be used.
  void choose_route();

  boost::asio::any_io_executor executor_;
  client_options options_;
  base_url url_;
  // The route (http/proxy_route.hpp): null for direct connections.
  std::shared_ptr<const proxy_hop> proxy_;
  secrets secrets_;  // views of options_.api_key and of proxy_'s credentials
  std::shared_ptr<const http::header_list> common_headers_;
  std::shared_ptr<connection_pool> pool_;
  std::mutex calls_mutex_;
  std::unordered_set<std::shared_ptr<running_call>> calls_;
  bool shut_down_ = false;
};

}  // namespace openai::detail

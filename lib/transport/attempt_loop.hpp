// One call, attempt after attempt: take a connection, exchange, and let the retry policy decide
// whether to try again. Knows HTTP and retries, nothing about completions.
#pragma once

#include "request.hpp"
#include "retry_policy.hpp"
#include "transport/connection_pool.hpp"
#include "transport/http_response.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace openai::detail {

struct call_settings {
  std::chrono::milliseconds timeout{600000};  // per attempt: waiting for a connection included
  retry_config retry;
  std::size_t max_response_bytes = 32 * 1024 * 1024;
  // One line per attempt and per outcome; empty = no logging. Lines carry no secrets: the key
  // lives only in the common headers, which are never logged.
  std::function<void(std::string_view)> log;
  bool log_headers = false;  // also each request header line and the response headers kept
};

struct call_outcome {
  // Empty when a response arrived (whatever its status); otherwise why the last attempt had
  // none: errc::network, errc::timeout, errc::bad_response, or operation_aborted.
  boost::system::error_code ec;
  std::string problem;     // readable detail of ec
  boost::system::error_code cause;  // the socket/TLS/parser error behind ec, when there was one
  http_response response;  // the last response, when ec is empty
  unsigned attempts = 0;   // requests tried, the stale-connection re-send not counted
  unsigned rate_limited = 0;  // attempts answered 429
  // The connection that brought a 2xx answer, still leased: the caller checks that the answer
  // is for its request before the connection serves another (close() it when it is not), then
  // resets the lease.
  connection_pool::lease connection;
};

// Cancellation: terminal; aborts the current exchange or wait and reports operation_aborted.
boost::asio::awaitable<void> run_attempts(connection_pool& pool, const http_request& request,
                                          const call_settings& settings, call_outcome& out);

}  // namespace openai::detail

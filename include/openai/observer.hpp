// openai::observer: request metrics for servers that embed the client, without parsing logs.
#pragma once

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <string_view>

namespace openai {

/// How an attempt got its connection.
enum class connection_use {
  none,      ///< No connection: the pool or the connect step failed.
  opened,    ///< A new connection with a full TLS handshake (or a new plain connection).
  resumed,   ///< A new connection that resumed an earlier TLS session.
  reused,    ///< A kept-alive connection from the pool.
};

/// One attempt of a call, as observer::on_attempt sees it. The views are valid during the
/// call only. Nothing here carries the completion id, the query or the API key.
struct attempt_event {
  std::string_view operation;      ///< "update", "retrieve", "delete", "list" or "list_messages".
  std::string_view method;         ///< "POST", "GET" or "DELETE".
  std::string_view path_template;  ///< "/chat/completions/{id}", "/chat/completions", ...
  unsigned attempt = 1;            ///< 1 for the first attempt of a call, 2 for its first retry.
  unsigned status = 0;             ///< The response's status; 0 when none came.
  /// The kind of this attempt's failure (an openai::errc, or operation_aborted); empty for a
  /// 2xx. A 2xx whose body turns out unusable is reported by the call, not here.
  boost::system::error_code error;
  std::chrono::nanoseconds duration{0};  ///< From the attempt's start to its end.
  std::size_t bytes_sent = 0;            ///< Request bytes written (HTTP framing included).
  std::size_t bytes_received = 0;        ///< Response bytes read (HTTP framing included).
  connection_use connection = connection_use::none;  ///< How the connection was had.
};

/// A wait for a free connection of a full pool (client_options::max_connections).
struct pool_wait_event {
  std::chrono::nanoseconds waited{0};  ///< From joining the queue to leaving it.
  bool got_connection = false;         ///< False: the deadline passed, or the call was cancelled.
};

/// Receives an event per attempt and per pool wait (client_options::observer). The default
/// implementations do nothing; override what you export.
///
///     struct counting : openai::observer {
///       std::atomic<std::uint64_t> attempts{0};
///       void on_attempt(const openai::attempt_event&) override { ++attempts; }
///     };
///
/// Thread safety: called from any thread running the client's executor, concurrently; make
/// the implementation thread-safe, quick and non-throwing (it runs inside the call). With no
/// observer set, the client takes no timestamps and builds no events.
class observer {
 public:
  virtual ~observer() = default;
  /// One attempt of a call ended (with a response or without).
  virtual void on_attempt(const attempt_event& event) { (void)event; }
  /// A call waited for a connection of a full pool.
  virtual void on_pool_wait(const pool_wait_event& event) { (void)event; }
};

}  // namespace openai

// One HTTP/1.1 connection (plain or TLS) to the API host. It belongs either to the pool or to
// exactly one in-flight request, so nothing here is shared between threads at the same time.
// Beast stays behind the pimpl: only connection.cpp compiles it.
#pragma once

#include "http/message.hpp"
#include "http/url.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace openai::detail {

struct proxy_hop;
class address_memory;

class connection {
 public:
  using clock = std::chrono::steady_clock;

  // tls == nullptr for http:// base URLs. With a proxy, the connection goes to it: a CONNECT
  // tunnel for https:// targets, absolute-form requests for http:// ones (proxy_tunnel.hpp).
  // addresses: the pool's memory of the address that answered (transport/dial.hpp); nullptr
  // remembers nothing.
  connection(boost::asio::any_io_executor executor, const base_url& url,
             std::shared_ptr<boost::asio::ssl::context> tls,
             std::shared_ptr<const proxy_hop> proxy = nullptr,
             std::shared_ptr<address_memory> addresses = nullptr);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Resolves and connects to the first hop (transport/dial.hpp: every address, Happy Eyeballs,
  // by connect_deadline) and, for TLS, handshakes with SNI and host name verification (by
  // deadline). Through a proxy: connects to the proxy, handshakes with it when it is https://
  // (by deadline), opens the CONNECT tunnel for an https:// target (by connect_deadline), then
  // handshakes with the API host inside. On failure `problem` says which step failed and why.
  boost::asio::awaitable<boost::system::error_code> open(clock::time_point connect_deadline,
                                                         clock::time_point deadline,
                                                         std::string& problem);

  // Writes request and reads the whole final response into `out` by `deadline`, keeping the
  // headers named in `keep`. The body is capped at body_limit bytes, the rest of the response
  // by http::response_limits. Any error leaves the connection unusable (reusable() == false).
  // Errors are the raw ones (socket, TLS, parser); asio::error::timed_out when the deadline
  // passed.
  boost::asio::awaitable<boost::system::error_code> exchange(
      const http::request& request, http::response& out, clock::time_point deadline,
      std::size_t body_limit, const http::response_header_names& keep, std::string& problem);

  // The underlying error (socket, TLS, parser) of the last failed open() or exchange().
  boost::system::error_code last_cause() const noexcept;
  // True after a complete exchange on a keep-alive connection: it may serve the next request.
  bool reusable() const noexcept;
  // Whether any byte of a response arrived in the last exchange; a reused connection that
  // failed before any did was most likely closed by the server while idle.
  bool received_any() const noexcept;
  // Whether open() resumed an earlier TLS session instead of a full handshake.
  bool resumed() const noexcept;
  // Requests completed on this connection so far.
  std::size_t exchanges() const noexcept;
  // Bytes written and read by the last exchange.
  std::size_t bytes_sent() const noexcept;
  std::size_t bytes_received() const noexcept;
  // False when the peer has closed the connection or sent unexpected bytes while idle. A
  // connection used within the last second is taken as healthy without asking the kernel.
  bool idle_and_healthy() noexcept;
  clock::time_point last_used() const noexcept;

  void close() noexcept;

  // HTTP/2. With offer_http2(true) before open(), the TLS handshake with the API host offers
  // "h2" and "http/1.1" (ALPN); speaks_http2() then tells whether the server picked h2. Without
  // TLS nothing is negotiated: prior_knowledge makes a plain connection speak h2 (h2c).
  void offer_http2(bool offer, bool prior_knowledge = false) noexcept;
  bool speaks_http2() const noexcept;
  // The connection's bytes under HTTP, for h2_connection: one read of what is there, one
  // whole write. The callback is a plain function and its context, run on `executor`;
  // `slot` can stop the operation. A concrete type, not any_completion_handler, which would
  // allocate on every operation converting executors.
  struct io_callback {
    using executor_type = boost::asio::any_io_executor;
    using cancellation_slot_type = boost::asio::cancellation_slot;
    void (*on_done)(void* context, boost::system::error_code, std::size_t) = nullptr;
    void* context = nullptr;
    std::shared_ptr<void> keep_alive;  // what owns the context, until the callback ran
    executor_type executor;
    cancellation_slot_type slot;
    executor_type get_executor() const noexcept { return executor; }
    cancellation_slot_type get_cancellation_slot() const noexcept { return slot; }
    void operator()(boost::system::error_code ec, std::size_t n) { on_done(context, ec, n); }
  };
  void async_read_some(boost::asio::mutable_buffer buffer, io_callback callback);
  void async_write(boost::asio::const_buffer buffer, io_callback callback);
  // Whether bytes already read from the socket wait inside TLS for the next async_read_some
  // (which then completes without a system call).
  bool has_buffered_input() const noexcept;
  // ": <why>" when `ec` is the server turning down the client's certificate (or its absence),
  // else "". TLS 1.3 tells that on the first read after the handshake.
  std::string certificate_refusal(const boost::system::error_code& ec);

 private:
  struct impl;
  // Shared only with the deadline timer's handler, which may outlive this object.
  std::shared_ptr<impl> impl_;
};

}  // namespace openai::detail

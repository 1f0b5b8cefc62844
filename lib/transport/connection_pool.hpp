// Keep-alive connections to one host, at most max_connections of them. An HTTP/1.1 connection
// serves one request at a time; an HTTP/2 one (h2_connection) carries up to its capacity at
// once, and the pool opens another only when every open one is full. While the first
// connection of a pool that may speak h2 is being opened, callers wait for it rather than each
// opening their own. A client has one route,
// so with a proxy every connection of the pool is a (proxy, target) tunnel (or, for an http://
// target, a connection to the proxy), reused keep-alive like a direct one. Callers wait in FIFO
// order when all are busy. A lease owns its connection until it is destroyed, which returns the
// connection to the pool when it finished a complete exchange and discards it otherwise.
// Thread-safe: the bookkeeping (pool_state) is guarded by a mutex, and waiters are woken through
// their own channel, so no wake-up is lost whatever thread releases a connection.
#pragma once

#include "transport/connection.hpp"
#include "transport/dial.hpp"
#include "transport/h2_connection.hpp"
#include "transport/pool_state.hpp"

#include <openai/pool_stats.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace openai::detail {

struct pool_settings {
  std::size_t max_connections = 64;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};
  // Called after each wait for a connection of a full pool: how long, and whether it ended
  // with one. Empty: waits are not timed.
  std::function<void(std::chrono::nanoseconds waited, bool got_connection)> on_wait;
  // HTTP/2: offer it in ALPN; require it (fail a connection whose server picks HTTP/1.1, and
  // speak h2c by prior knowledge over http://); streams per connection at most; the executor
  // each h2 connection's session lives on (empty: a strand of the pool's executor).
  bool offer_http2 = true;
  bool require_http2 = false;
  std::size_t max_streams = 256;
  std::function<boost::asio::any_io_executor()> http2_executor;
};

class connection_pool : public std::enable_shared_from_this<connection_pool> {
 public:
  using clock = connection::clock;

  connection_pool(boost::asio::any_io_executor executor, base_url url,
                  std::shared_ptr<boost::asio::ssl::context> tls, pool_settings settings,
                  std::shared_ptr<const proxy_hop> proxy = nullptr);
  ~connection_pool();

  // A connection for one request: an HTTP/1.1 connection owned until reset, or a stream's
  // share of an HTTP/2 connection. Offers what the attempt loop asks of a connection.
  class lease {
   public:
    lease() = default;
    lease(std::shared_ptr<connection_pool> pool, std::unique_ptr<connection> conn, bool fresh)
        : pool_(std::move(pool)), conn_(std::move(conn)), fresh_(fresh) {}
    lease(std::shared_ptr<connection_pool> pool, std::shared_ptr<h2_connection> h2, bool fresh)
        : pool_(std::move(pool)), h2_(std::move(h2)), fresh_(fresh) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&& other) noexcept {
      reset();
      pool_ = std::move(other.pool_);
      conn_ = std::move(other.conn_);
      h2_ = std::move(other.h2_);
      fresh_ = other.fresh_;
      stream_ = other.stream_;
      return *this;
    }
    ~lease() { reset(); }

    lease* operator->() noexcept { return this; }
    explicit operator bool() const noexcept { return conn_ || h2_; }
    bool fresh() const noexcept { return fresh_; }  // opened for this lease, not reused
    bool http2() const noexcept { return h2_ != nullptr; }
    // Back to the pool when reusable (an h2 stream: always), else closed and its slot freed.
    void reset() noexcept;

    // As connection's, over HTTP/1.1 or as an HTTP/2 stream.
    boost::asio::awaitable<boost::system::error_code> exchange(
        const http::request& request, http::response& out, clock::time_point deadline,
        std::size_t body_limit, const http::response_header_names& keep, std::string& problem);
    boost::system::error_code last_cause() const noexcept;
    bool received_any() const noexcept;
    bool resumed() const noexcept;
    std::size_t bytes_sent() const noexcept;
    std::size_t bytes_received() const noexcept;
    // This connection must not serve another request: HTTP/1.1 closes it, HTTP/2 lets the
    // streams in flight finish and starts no more on it.
    void close() noexcept;

   private:
    std::shared_ptr<connection_pool> pool_;
    std::unique_ptr<connection> conn_;
    std::shared_ptr<h2_connection> h2_;
    bool fresh_ = false;
    h2_connection::stream_stats stream_;
  };

  struct acquired {
    boost::system::error_code ec;
    std::string problem;
    lease conn;
    boost::system::error_code cause;  // the raw error when opening a connection failed
  };

  // acquire()'s fast path, with no coroutine frame: a healthy idle connection, or an empty lease
  // when there is none (an idle one found stale is closed and its slot freed on the way).
  lease try_acquire_idle();

  // A connection by `deadline`: an idle healthy one, a new one, or the next one released.
  // prefer_new: open a new connection even when an idle one exists (see pool_state).
  // Cancellation: terminal; the caller's place in the queue is given up.
  boost::asio::awaitable<acquired> acquire(clock::time_point deadline, bool prefer_new = false);

  // Closes every idle connection now (later calls open new ones).
  void close_idle();

  // Closes idle connections and fails waiters with operation_aborted; later acquires fail too.
  void shutdown();

  pool_stats stats();

 private:
  struct waiter;
  // An HTTP/2 connection and the streams leased on it.
  struct h2_entry {
    std::shared_ptr<h2_connection> conn;
    std::size_t in_use = 0;
  };
  void give_back(std::unique_ptr<connection> conn);
  void stream_done(const std::shared_ptr<h2_connection>& conn);
  void h2_changed();
  // A stream's share of an open HTTP/2 connection with room, the first such (the others stay
  // free to go idle); nullptr when none has room.
  std::shared_ptr<h2_connection> take_stream_locked();
  // After anything that frees room or settles what the server speaks: streams to the waiters,
  // then, when none is left and no opening will serve them, permission to open.
  void balance_locked();
  // HTTP/2 connections that take no more streams and carry none: out of the pool, slots freed.
  void forget_finished_h2_locked(std::vector<std::shared_ptr<h2_connection>>& closing);
  bool expect_h2_locked() const noexcept;
  lease h2_lease(std::shared_ptr<h2_connection> conn, bool fresh);
  void slot_freed();
  void expire(const std::shared_ptr<waiter>& w);
  // counted: opening_ already counts it (it was granted under the lock).
  boost::asio::awaitable<acquired> open_new(clock::time_point deadline, bool counted = false);
  void grant_opening_locked(const std::shared_ptr<waiter>& w);
  bool usable_after_idle(connection& conn) const;
  boost::asio::awaitable<acquired> wait_in_queue(std::unique_lock<std::mutex>& lock,
                                                 clock::time_point deadline);
  // Takes out the connections idle for idle_timeout or longer, for the caller to close outside
  // the lock. Called on every acquire and release instead of from a timer: a pending timer
  // would keep the user's io_context::run() from returning while connections sit idle.
  std::vector<std::unique_ptr<connection>> take_expired_locked();

  boost::asio::any_io_executor executor_;
  base_url url_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<const proxy_hop> proxy_;  // null: direct connections
  // The address that answered last, tried first by the next connection this pool opens.
  std::shared_ptr<address_memory> addresses_ = std::make_shared<address_memory>();
  pool_settings settings_;
  std::mutex mutex_;
  pool_state<std::unique_ptr<connection>, std::shared_ptr<waiter>> state_;
  bool shut_down_ = false;
  std::vector<h2_entry> h2_;
  std::size_t opening_ = 0;  // connections being opened now
  // What the server picked the last time: none yet, HTTP/1.1 or h2.
  enum class learned { nothing, http1, http2 } learned_ = learned::nothing;
  std::atomic<std::uint64_t> opened_{0};
  std::atomic<std::uint64_t> resumed_{0};
};

}  // namespace openai::detail

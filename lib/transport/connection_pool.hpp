// Keep-alive connections to one host, at most max_connections of them. A client has one route,
// so with a proxy every connection of the pool is a (proxy, target) tunnel (or, for an http://
// target, a connection to the proxy), reused keep-alive like a direct one. Callers wait in FIFO
// order when all are busy. A lease owns its connection until it is destroyed, which returns the
// connection to the pool when it finished a complete exchange and discards it otherwise.
// Thread-safe: the bookkeeping (pool_state) is guarded by a mutex, and waiters are woken through
// their own channel, so no wake-up is lost whatever thread releases a connection.
#pragma once

#include "transport/connection.hpp"
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
};

class connection_pool : public std::enable_shared_from_this<connection_pool> {
 public:
  using clock = connection::clock;

  connection_pool(boost::asio::any_io_executor executor, base_url url,
                  std::shared_ptr<boost::asio::ssl::context> tls, pool_settings settings,
                  std::shared_ptr<const proxy_hop> proxy = nullptr);
  ~connection_pool();

  class lease {
   public:
    lease() = default;
    lease(std::shared_ptr<connection_pool> pool, std::unique_ptr<connection> conn, bool fresh)
        : pool_(std::move(pool)), conn_(std::move(conn)), fresh_(fresh) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&& other) noexcept {
      reset();
      pool_ = std::move(other.pool_);
      conn_ = std::move(other.conn_);
      fresh_ = other.fresh_;
      return *this;
    }
    ~lease() { reset(); }

    connection* operator->() const noexcept { return conn_.get(); }
    explicit operator bool() const noexcept { return conn_ != nullptr; }
    bool fresh() const noexcept { return fresh_; }  // opened for this lease, not reused
    // Back to the pool when reusable, else closed and its slot freed.
    void reset() noexcept;

   private:
    std::shared_ptr<connection_pool> pool_;
    std::unique_ptr<connection> conn_;
    bool fresh_ = false;
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
  void give_back(std::unique_ptr<connection> conn);
  void slot_freed();
  void expire(const std::shared_ptr<waiter>& w);
  boost::asio::awaitable<acquired> open_new(clock::time_point deadline);
  bool usable_after_idle(connection& conn) const;
  // Takes out the connections idle for idle_timeout or longer, for the caller to close outside
  // the lock. Called on every acquire and release instead of from a timer: a pending timer
  // would keep the user's io_context::run() from returning while connections sit idle.
  std::vector<std::unique_ptr<connection>> take_expired_locked();

  boost::asio::any_io_executor executor_;
  base_url url_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<const proxy_hop> proxy_;  // null: direct connections
  pool_settings settings_;
  std::mutex mutex_;
  pool_state<std::unique_ptr<connection>, std::shared_ptr<waiter>> state_;
  bool shut_down_ = false;
  std::atomic<std::uint64_t> opened_{0};
  std::atomic<std::uint64_t> resumed_{0};
};

}  // namespace openai::detail

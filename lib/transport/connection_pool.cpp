#include "transport/connection_pool.hpp"

#include "support/saturating_time.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace openai::detail {

namespace asio = boost::asio;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

// A queued caller. It is answered exactly once, by whoever removes it from the queue under the
// mutex: a connection, permission to open one (nullptr), or an error. The channel buffers the
// answer, so it arrives even if it is sent before the caller starts waiting.
struct connection_pool::waiter {
  explicit waiter(const asio::any_io_executor& ex) : answer(ex, 1), timer(ex) {}
  asio::experimental::concurrent_channel<void(boost::system::error_code,
                                              std::unique_ptr<connection>)>
      answer;
  asio::steady_timer timer;
};

connection_pool::connection_pool(asio::any_io_executor executor, base_url url,
                                 std::shared_ptr<asio::ssl::context> tls, pool_settings settings,
                                 std::shared_ptr<const proxy_hop> proxy)
    : executor_(std::move(executor)),
      url_(std::move(url)),
      tls_(std::move(tls)),
      proxy_(std::move(proxy)),
      settings_(settings),
      state_(settings.max_connections) {}

connection_pool::~connection_pool() = default;

void connection_pool::lease::reset() noexcept {
  if (!conn_) return;
  if (conn_->reusable()) {
    pool_->give_back(std::move(conn_));
  } else {
    conn_->close();
    conn_.reset();
    pool_->slot_freed();
  }
  pool_.reset();
}

bool connection_pool::usable_after_idle(connection& conn) const {
  return !reached(clock::now() - conn.last_used(), settings_.idle_timeout) && conn.idle_and_healthy();
}

void connection_pool::give_back(std::unique_ptr<connection> conn) {
  std::vector<std::unique_ptr<connection>> expired;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) {
      expired.push_back(std::move(conn));
    } else {
      expired = take_expired_locked();
      auto handoff = state_.release(std::move(conn));
      if (handoff.waiter)
        (*handoff.waiter)->answer.try_send(boost::system::error_code{},
                                           std::move(*handoff.connection));
    }
  }
  for (auto& c : expired) c->close();
}

void connection_pool::slot_freed() {
  std::lock_guard lock(mutex_);
  auto handoff = state_.discard();
  if (handoff.waiter) (*handoff.waiter)->answer.try_send(boost::system::error_code{}, nullptr);
}

void connection_pool::expire(const std::shared_ptr<waiter>& w) {
  std::lock_guard lock(mutex_);
  if (state_.cancel_wait(w)) w->answer.try_send(make_error_code(asio::error::timed_out), nullptr);
}

std::vector<std::unique_ptr<connection>> connection_pool::take_expired_locked() {
  const auto now = clock::now();
  return state_.take_idle_if([&](const std::unique_ptr<connection>& c) {
    return reached(now - c->last_used(), settings_.idle_timeout);
  });
}

void connection_pool::close_idle() {
  std::vector<std::unique_ptr<connection>> idle;
  {
    std::lock_guard lock(mutex_);
    idle = state_.take_all_idle();
  }
  for (auto& conn : idle) conn->close();
}

pool_stats connection_pool::stats() {
  std::lock_guard lock(mutex_);
  return {state_.open(), state_.idle(), state_.waiting(), opened_.load(), resumed_.load()};
}

void connection_pool::shutdown() {
  std::vector<std::unique_ptr<connection>> idle;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    idle = state_.take_all_idle();
    for (auto& w : state_.take_all_waiters())
      w->answer.try_send(make_error_code(asio::error::operation_aborted), nullptr);
  }
  for (auto& conn : idle) conn->close();
}

asio::awaitable<connection_pool::acquired> connection_pool::open_new(clock::time_point deadline) {
  auto conn = std::make_unique<connection>(executor_, url_, tls_, proxy_);
  acquired result;
  result.ec = co_await conn->open(saturating_add(clock::now(), settings_.connect_timeout), deadline,
                                  result.problem);
  if (result.ec) {
    result.cause = conn->last_cause();
    conn->close();
    slot_freed();
    co_return result;
  }
  ++opened_;
  if (conn->resumed()) ++resumed_;
  result.conn = lease(shared_from_this(), std::move(conn), true);
  co_return result;
}

connection_pool::lease connection_pool::try_acquire_idle() {
  std::unique_ptr<connection> conn;
  std::vector<std::unique_ptr<connection>> expired;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return {};
    expired = take_expired_locked();
    if (state_.idle() > 0) conn = std::move(*state_.try_acquire().connection);
  }
  for (auto& c : expired) c->close();
  if (!conn) return {};
  if (usable_after_idle(*conn)) return lease(shared_from_this(), std::move(conn), false);
  conn->close();
  slot_freed();
  return {};
}

asio::awaitable<connection_pool::acquired> connection_pool::acquire(clock::time_point deadline,
                                                                    bool prefer_new) {
  {
    std::unique_lock lock(mutex_);
    if (shut_down_) co_return acquired{asio::error::operation_aborted, "client is shut down", {}, {}};
    for (auto& c : take_expired_locked()) c->close();  // cheap: closing is a syscall, no I/O wait
    auto offer = state_.try_acquire(prefer_new);
    using kind = decltype(offer.what);

    if (offer.what == kind::reuse) {
      lock.unlock();
      auto conn = std::move(*offer.connection);
      // prefer_new on a full pool: replace the idle connection by a new one in its slot.
      if (!prefer_new && usable_after_idle(*conn))
        co_return acquired{{}, {}, lease(shared_from_this(), std::move(conn), false), {}};
      // Stale, idle too long, or a new one was asked for: open a new one in its slot.
      conn->close();
      co_return co_await open_new(deadline);
    }
    if (offer.what == kind::open_new) {
      lock.unlock();
      co_return co_await open_new(deadline);
    }

    auto w = std::make_shared<waiter>(executor_);
    state_.enqueue(w);
    lock.unlock();

    const auto queued = settings_.on_wait ? clock::now() : clock::time_point{};
    w->timer.expires_at(deadline);
    w->timer.async_wait([self = shared_from_this(), w](boost::system::error_code ec) {
      if (!ec) self->expire(w);
    });
    auto [ec, conn] = co_await w->answer.async_receive(use_tuple);
    w->timer.cancel();
    if (settings_.on_wait) settings_.on_wait(clock::now() - queued, !ec);

    if (ec == make_error_code(asio::error::timed_out)) {
      co_return acquired{ec, "no connection became free before the deadline (" +
                                 std::to_string(state_.max()) + " in use)", {}, {}};
    }
    if (ec) {
      // Cancelled while queued. If nobody answered yet, leave the queue; otherwise the answer
      // is buffered in the channel and is handed on, so no connection or slot is lost.
      lock.lock();
      const bool still_queued = state_.cancel_wait(w);
      lock.unlock();
      if (!still_queued) {
        w->answer.try_receive([this](boost::system::error_code e, std::unique_ptr<connection> c) {
          if (e) return;
          if (c) {
            give_back(std::move(c));
          } else {
            slot_freed();
          }
        });
      }
      co_return acquired{asio::error::operation_aborted, "cancelled while waiting for a connection",
                         {}, {}};
    }
    if (!conn) co_return co_await open_new(deadline);
    if (usable_after_idle(*conn))
      co_return acquired{{}, {}, lease(shared_from_this(), std::move(conn), false), {}};
    // Went stale while handed over: close it, and open a new one in its slot.
    conn->close();
    conn.reset();
    co_return co_await open_new(deadline);
  }
}

}  // namespace openai::detail

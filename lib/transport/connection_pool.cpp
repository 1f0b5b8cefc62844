#include "transport/connection_pool.hpp"

#include "support/saturating_time.hpp"
#include "transport/h2_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace openai::detail {

namespace asio = boost::asio;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

// A queued caller. It is answered exactly once, by whoever removes it from the queue under the
// mutex: a connection, a stream on an HTTP/2 connection (its in_use already counted),
// permission to open one (both null), or an error. The channel buffers the
// answer, so it arrives even if it is sent before the caller starts waiting.
struct connection_pool::waiter {
  explicit waiter(const asio::any_io_executor& ex) : answer(ex, 1), timer(ex) {}
  asio::experimental::concurrent_channel<void(boost::system::error_code,
                                              std::unique_ptr<connection>,
                                              std::shared_ptr<h2_connection>)>
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
  if (h2_) {
    pool_->stream_done(h2_);
    h2_.reset();
    pool_.reset();
    return;
  }
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

asio::awaitable<boost::system::error_code> connection_pool::lease::exchange(
    const http::request& request, http::response& out, clock::time_point deadline,
    std::size_t body_limit, const http::response_header_names& keep, std::string& problem) {
  if (h2_) return h2_->exchange(request, out, deadline, body_limit, keep, problem, stream_);
  return conn_->exchange(request, out, deadline, body_limit, keep, problem);
}

boost::system::error_code connection_pool::lease::last_cause() const noexcept {
  return h2_ ? stream_.cause : conn_->last_cause();
}
// An HTTP/2 stream is never taken for a stale connection's failure (attempt_loop): what the
// server did not process says so itself (h2_errc::unprocessed).
bool connection_pool::lease::received_any() const noexcept {
  return h2_ ? true : conn_->received_any();
}
bool connection_pool::lease::resumed() const noexcept {
  return h2_ ? h2_->resumed() : conn_->resumed();
}
std::size_t connection_pool::lease::bytes_sent() const noexcept {
  return h2_ ? stream_.bytes_sent : conn_->bytes_sent();
}
std::size_t connection_pool::lease::bytes_received() const noexcept {
  return h2_ ? stream_.bytes_received : conn_->bytes_received();
}
void connection_pool::lease::close() noexcept {
  if (h2_)
    h2_->retire();
  else if (conn_)
    conn_->close();
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
                                           std::move(*handoff.connection), nullptr);
    }
  }
  for (auto& c : expired) c->close();
}

void connection_pool::slot_freed() {
  std::lock_guard lock(mutex_);
  auto handoff = state_.discard();
  if (handoff.waiter) grant_opening_locked(*handoff.waiter);
}

void connection_pool::grant_opening_locked(const std::shared_ptr<waiter>& w) {
  if (w->answer.try_send(boost::system::error_code{}, nullptr, nullptr)) {
    ++opening_;  // counted from now: the waiter will open it
    return;
  }
  // Its cancellation is under way: the slot goes to the next waiter, or is freed.
  auto handoff = state_.discard();
  if (handoff.waiter) grant_opening_locked(*handoff.waiter);
}

void connection_pool::expire(const std::shared_ptr<waiter>& w) {
  std::lock_guard lock(mutex_);
  if (state_.cancel_wait(w))
    w->answer.try_send(make_error_code(asio::error::timed_out), nullptr, nullptr);
}

std::vector<std::unique_ptr<connection>> connection_pool::take_expired_locked() {
  const auto now = clock::now();
  return state_.take_idle_if([&](const std::unique_ptr<connection>& c) {
    return reached(now - c->last_used(), settings_.idle_timeout);
  });
}

void connection_pool::close_idle() {
  std::vector<std::unique_ptr<connection>> idle;
  std::vector<std::shared_ptr<h2_connection>> closing;
  {
    std::lock_guard lock(mutex_);
    idle = state_.take_all_idle();
    for (auto it = h2_.begin(); it != h2_.end();) {
      if (it->in_use > 0) {
        ++it;
        continue;
      }
      closing.push_back(std::move(it->conn));
      it = h2_.erase(it);
      auto handoff = state_.discard();
      if (handoff.waiter) grant_opening_locked(*handoff.waiter);
    }
  }
  for (auto& conn : idle) conn->close();
  for (auto& conn : closing) conn->close();
}

pool_stats connection_pool::stats() {
  std::lock_guard lock(mutex_);
  pool_stats s{state_.open(), state_.idle(), state_.waiting(), opened_.load(), resumed_.load()};
  s.http2 = h2_.size();
  for (const auto& e : h2_) {
    s.streams += e.in_use;
    if (e.in_use == 0) ++s.idle;
  }
  return s;
}

void connection_pool::shutdown() {
  std::vector<std::unique_ptr<connection>> idle;
  std::vector<std::shared_ptr<h2_connection>> h2;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    idle = state_.take_all_idle();
    for (auto& e : h2_) h2.push_back(e.conn);
    for (auto& w : state_.take_all_waiters())
      w->answer.try_send(make_error_code(asio::error::operation_aborted), nullptr, nullptr);
  }
  for (auto& conn : idle) conn->close();
  // Streams in flight fail with the connection; their calls were cancelled by the client's
  // shutdown already. The entries go when their leases come back.
  for (auto& conn : h2) conn->close();
}

bool connection_pool::expect_h2_locked() const noexcept {
  if (!settings_.offer_http2) return false;
  if (settings_.require_http2) return true;
  return url_.tls && learned_ != learned::http1;
}

std::shared_ptr<h2_connection> connection_pool::take_stream_locked() {
  for (auto& e : h2_) {
    if (e.conn->accepting() && e.in_use < e.conn->capacity()) {
      ++e.in_use;
      return e.conn;
    }
  }
  return nullptr;
}

connection_pool::lease connection_pool::h2_lease(std::shared_ptr<h2_connection> conn, bool fresh) {
  return lease(shared_from_this(), std::move(conn), fresh);
}

void connection_pool::forget_finished_h2_locked(
    std::vector<std::shared_ptr<h2_connection>>& closing) {
  const auto now = clock::now();
  for (auto it = h2_.begin(); it != h2_.end();) {
    const bool idle_too_long =
        it->in_use == 0 && reached(now - it->conn->last_used(), settings_.idle_timeout);
    if (it->in_use == 0 && (!it->conn->accepting() || idle_too_long)) {
      closing.push_back(std::move(it->conn));
      it = h2_.erase(it);
      auto handoff = state_.discard();  // its slot: to the first waiter, or free
      if (handoff.waiter) grant_opening_locked(*handoff.waiter);
    } else {
      ++it;
    }
  }
}

void connection_pool::balance_locked() {
  if (shut_down_) return;
  while (state_.waiting() > 0) {
    if (auto conn = take_stream_locked()) {
      // A waiter whose cancellation is under way may refuse the answer: the stream is
      // uncounted again, and the next waiter gets it.
      auto w = *state_.pop_waiter();
      if (!w->answer.try_send(boost::system::error_code{}, nullptr, conn))
        for (auto& e : h2_)
          if (e.conn == conn) --e.in_use;
      continue;
    }
    // The connections being opened will each carry many of the waiters, if h2 is what the
    // server speaks: no more openings for those.
    const std::size_t per_opening = std::min<std::size_t>(settings_.max_streams, 100);
    if (expect_h2_locked() && state_.waiting() <= opening_ * per_opening) return;
    auto offer = state_.try_acquire();
    using kind = decltype(offer.what);
    if (offer.what == kind::wait) return;
    auto w = *state_.pop_waiter();
    if (offer.what == kind::reuse)
      w->answer.try_send(boost::system::error_code{}, std::move(*offer.connection), nullptr);
    else
      grant_opening_locked(w);
  }
}

void connection_pool::stream_done(const std::shared_ptr<h2_connection>& conn) {
  std::vector<std::shared_ptr<h2_connection>> closing;
  {
    std::lock_guard lock(mutex_);
    for (auto& e : h2_)
      if (e.conn == conn && e.in_use > 0) --e.in_use;
    forget_finished_h2_locked(closing);
    balance_locked();
  }
  for (auto& c : closing) c->close();
}

void connection_pool::h2_changed() {
  std::vector<std::shared_ptr<h2_connection>> closing;
  {
    std::lock_guard lock(mutex_);
    forget_finished_h2_locked(closing);
    balance_locked();
  }
  for (auto& c : closing) c->close();
}

asio::awaitable<connection_pool::acquired> connection_pool::open_new(clock::time_point deadline,
                                                                     bool counted) {
  auto conn = std::make_unique<connection>(executor_, url_, tls_, proxy_, addresses_);
  conn->offer_http2(settings_.offer_http2, settings_.require_http2 && !url_.tls);
  if (!counted) {
    std::lock_guard lock(mutex_);
    ++opening_;
  }
  acquired result;
  result.ec = co_await conn->open(saturating_add(clock::now(), settings_.connect_timeout), deadline,
                                  result.problem);
  if (!result.ec && settings_.require_http2 && !conn->speaks_http2()) {
    result.ec = h2_errc::not_negotiated;
    result.problem = "server at " + url_.host_header +
                     " did not pick HTTP/2 (h2) in the TLS handshake, and http_version is http2";
  }
  if (result.ec) {
    result.cause = result.ec == h2_errc::not_negotiated ? result.ec : conn->last_cause();
    conn->close();
    std::lock_guard lock(mutex_);
    --opening_;
    auto handoff = state_.discard();
    if (handoff.waiter) grant_opening_locked(*handoff.waiter);
    co_return result;
  }
  ++opened_;
  if (conn->resumed()) ++resumed_;
  if (!conn->speaks_http2()) {
    std::lock_guard lock(mutex_);
    --opening_;
    if (settings_.offer_http2 && url_.tls) learned_ = learned::http1;
    balance_locked();  // who waited to learn this now opens their own
    result.conn = lease(shared_from_this(), std::move(conn), true);
    co_return result;
  }
  std::string where = url_.host_header;
  auto h2 = std::make_shared<h2_connection>(
      std::move(conn),
      settings_.http2_executor ? settings_.http2_executor() : asio::make_strand(executor_),
      settings_.max_streams, url_.host_header, url_.tls, std::move(where));
  h2->on_change([weak = weak_from_this()] {
    if (auto pool = weak.lock()) pool->h2_changed();
  });
  h2->start();
  std::vector<std::shared_ptr<h2_connection>> closing;
  {
    std::lock_guard lock(mutex_);
    --opening_;
    learned_ = learned::http2;
    if (shut_down_) {
      closing.push_back(h2);
    } else {
      h2_.push_back({h2, 1});
      balance_locked();  // the others waiting for this connection get their streams
    }
  }
  for (auto& c : closing) c->close();
  result.conn = h2_lease(std::move(h2), true);
  co_return result;
}

connection_pool::lease connection_pool::try_acquire_idle() {
  std::unique_ptr<connection> conn;
  std::vector<std::unique_ptr<connection>> expired;
  std::vector<std::shared_ptr<h2_connection>> closing;
  lease stream;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return {};
    if (!h2_.empty()) {
      forget_finished_h2_locked(closing);
      if (auto c = take_stream_locked()) stream = h2_lease(std::move(c), false);
    }
    if (!stream) {
      expired = take_expired_locked();
      if (state_.idle() > 0) conn = std::move(*state_.try_acquire().connection);
    }
  }
  for (auto& c : closing) c->close();
  for (auto& c : expired) c->close();
  if (stream) return stream;
  if (!conn) return {};
  if (usable_after_idle(*conn)) return lease(shared_from_this(), std::move(conn), false);
  conn->close();
  slot_freed();
  return {};
}

asio::awaitable<connection_pool::acquired> connection_pool::wait_in_queue(
    std::unique_lock<std::mutex>& lock, clock::time_point deadline) {
  auto w = std::make_shared<waiter>(executor_);
  state_.enqueue(w);
  lock.unlock();

  const auto queued = settings_.on_wait ? clock::now() : clock::time_point{};
  w->timer.expires_at(deadline);
  w->timer.async_wait([self = shared_from_this(), w](boost::system::error_code ec) {
    if (!ec) self->expire(w);
  });
  auto [ec, conn, h2] = co_await w->answer.async_receive(use_tuple);
  w->timer.cancel();
  if (settings_.on_wait) settings_.on_wait(clock::now() - queued, !ec);

  if (ec == make_error_code(asio::error::timed_out)) {
    co_return acquired{ec, "no connection became free before the deadline (" +
                               std::to_string(state_.max()) + " in use)", {}, {}};
  }
  if (ec) {
    // Cancelled while queued. If nobody answered yet, leave the queue; otherwise the answer
    // is buffered in the channel and is handed on, so no connection, stream or slot is lost.
    lock.lock();
    const bool still_queued = state_.cancel_wait(w);
    lock.unlock();
    if (!still_queued) {
      w->answer.try_receive([this](boost::system::error_code e, std::unique_ptr<connection> c,
                                   std::shared_ptr<h2_connection> s) {
        if (e) return;
        if (s) {
          stream_done(s);
        } else if (c) {
          give_back(std::move(c));
        } else {
          {
            std::lock_guard lock(mutex_);
            --opening_;  // the opening it was granted will not happen
          }
          slot_freed();
        }
      });
    }
    co_return acquired{asio::error::operation_aborted, "cancelled while waiting for a connection",
                       {}, {}};
  }
  if (h2) co_return acquired{{}, {}, h2_lease(std::move(h2), false), {}};
  if (!conn) co_return co_await open_new(deadline, true);
  if (usable_after_idle(*conn))
    co_return acquired{{}, {}, lease(shared_from_this(), std::move(conn), false), {}};
  // Went stale while handed over: close it, and open a new one in its slot.
  conn->close();
  conn.reset();
  co_return co_await open_new(deadline);
}

asio::awaitable<connection_pool::acquired> connection_pool::acquire(clock::time_point deadline,
                                                                    bool prefer_new) {
  std::unique_lock lock(mutex_);
  if (shut_down_) co_return acquired{asio::error::operation_aborted, "client is shut down", {}, {}};
  for (auto& c : take_expired_locked()) c->close();  // cheap: closing is a syscall, no I/O wait
  std::vector<std::shared_ptr<h2_connection>> closing;
  forget_finished_h2_locked(closing);
  if (!closing.empty()) {
    lock.unlock();
    for (auto& c : closing) c->close();
    lock.lock();
  }
  if (auto stream = take_stream_locked()) co_return acquired{{}, {}, h2_lease(std::move(stream), false), {}};
  // A connection that may speak h2 is being opened: it will carry this request too.
  const std::size_t per_opening = std::min<std::size_t>(settings_.max_streams, 100);
  if (expect_h2_locked() && opening_ > 0 && state_.waiting() < opening_ * per_opening)
    co_return co_await wait_in_queue(lock, deadline);

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
    ++opening_;
    lock.unlock();
    co_return co_await open_new(deadline, true);
  }
  co_return co_await wait_in_queue(lock, deadline);
}

}  // namespace openai::detail

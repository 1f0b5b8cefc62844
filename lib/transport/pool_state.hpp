// The bookkeeping of a connection pool as a plain state machine: who gets an idle connection,
// who may open a new one, who waits. No I/O and no locking here (connection_pool wraps it in a
// mutex), so every rule is unit-tested without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace openai::detail {

// Conn is what the pool hands out (a connection pointer in production, an int in tests);
// Waiter identifies a queued caller.
template <typename Conn, typename Waiter>
class pool_state {
 public:
  explicit pool_state(std::size_t max_connections) : max_(max_connections ? max_connections : 1) {}

  struct acquire_result {
    enum kind { reuse, open_new, wait } what;
    std::optional<Conn> connection;  // with reuse
  };

  // A caller wants a connection: the most recently used idle one (warmest), else permission to
  // open one while under the limit; `wait` means the caller must enqueue() itself.
  // With prefer_new (a request that just failed on a stale idle connection) permission to open
  // comes first; an idle connection is still handed out when the pool is full, and the caller
  // should close it and open another in its slot.
  acquire_result try_acquire(bool prefer_new = false) {
    if (prefer_new && open_ < max_) {
      ++open_;
      return {acquire_result::open_new, std::nullopt};
    }
    if (!idle_.empty()) {
      Conn c = std::move(idle_.back());
      idle_.pop_back();
      return {acquire_result::reuse, std::move(c)};
    }
    if (open_ < max_) {
      ++open_;
      return {acquire_result::open_new, std::nullopt};
    }
    return {acquire_result::wait, std::nullopt};
  }

  // Joins the back of the FIFO queue, after try_acquire() said wait.
  void enqueue(Waiter w) { waiters_.push_back(std::move(w)); }

  // What the next waiter (if any) receives when a connection comes back or a slot frees up.
  struct handoff {
    std::optional<Waiter> waiter;
    std::optional<Conn> connection;  // empty with a waiter: the waiter may open a new one
  };

  // A healthy connection comes back: straight to the first waiter, else to the idle list.
  handoff release(Conn c) {
    if (!waiters_.empty()) {
      Waiter w = std::move(waiters_.front());
      waiters_.pop_front();
      return {std::move(w), std::move(c)};
    }
    idle_.push_back(std::move(c));
    return {};
  }

  // A connection was discarded (or could not be opened): its slot goes to the first waiter as
  // permission to open one, else the slot is freed.
  handoff discard() {
    if (!waiters_.empty()) {
      Waiter w = std::move(waiters_.front());
      waiters_.pop_front();
      return {std::move(w), std::nullopt};
    }
    --open_;
    return {};
  }

  // The first waiter, taken out of the queue to be answered otherwise (a stream of an HTTP/2
  // connection, or permission to open one the pool decided to grant).
  std::optional<Waiter> pop_waiter() {
    if (waiters_.empty()) return std::nullopt;
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    return w;
  }

  // A waiter gave up (timeout, cancellation). False when it was already handed something,
  // which it must then give back with release() or discard().
  bool cancel_wait(const Waiter& w) {
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (*it == w) {
        waiters_.erase(it);
        return true;
      }
    }
    return false;
  }

  // Removes idle connections for which `expired(conn)` is true and returns them for closing.
  template <typename Pred>
  std::vector<Conn> take_idle_if(Pred expired) {
    std::vector<Conn> taken;
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (expired(*it)) {
        taken.push_back(std::move(*it));
        it = idle_.erase(it);
        --open_;
      } else {
        ++it;
      }
    }
    return taken;
  }

  // Everything, for shutdown: idle connections to close and waiters to fail.
  std::vector<Conn> take_all_idle() {
    return take_idle_if([](const Conn&) { return true; });
  }
  std::deque<Waiter> take_all_waiters() { return std::exchange(waiters_, {}); }

  std::size_t open() const noexcept { return open_; }  // idle + in use + being opened
  std::size_t idle() const noexcept { return idle_.size(); }
  std::size_t waiting() const noexcept { return waiters_.size(); }
  std::size_t max() const noexcept { return max_; }

 private:
  std::size_t max_;
  std::size_t open_ = 0;
  std::vector<Conn> idle_;
  std::deque<Waiter> waiters_;
};

}  // namespace openai::detail

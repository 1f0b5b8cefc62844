#include "transport/h2_connection.hpp"

#include "transport/h2_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

namespace openai::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A connection the server has not been heard from for this long is asked with PING before a
// request goes on it, as a socket peek checks an idle HTTP/1.1 connection.
constexpr auto idle_threshold = std::chrono::seconds(1);
// How long a PING may go unanswered before the connection is taken for dead: the requests
// waiting on it are sent elsewhere, not counted as attempts.
constexpr auto ping_patience = std::chrono::seconds(5);
constexpr std::size_t read_size = 64 * 1024;
// How long the client's GOAWAY may take to go out before the socket is closed anyway.
constexpr auto farewell_patience = std::chrono::seconds(1);

}  // namespace

// The caller to resume, type-erased once. Not Asio's any_completion_handler: that one converts
// executors (allocating) each time the handler's executor is asked for.
struct h2_connection::waker {
  virtual ~waker() = default;
  virtual asio::cancellation_slot slot() noexcept = 0;
  // Posts the handler with ec to its own executor, where its slot is cleared first.
  virtual void wake(error_code ec) = 0;
};

namespace {

template <typename Handler>
struct waker_for final : h2_connection::waker {
  explicit waker_for(Handler h) : handler(std::move(h)) {}
  asio::cancellation_slot slot() noexcept override {
    return asio::get_associated_cancellation_slot(handler);
  }
  void wake(error_code ec) override {
    const auto executor = asio::get_associated_executor(handler);
    asio::post(executor, [h = std::move(handler), ec]() mutable {
      asio::get_associated_cancellation_slot(h).clear();
      std::move(h)(ec);
    });
  }
  Handler handler;
};

}  // namespace

// One request in flight: where its answer goes, and the caller to tell. Lives on executor_.
struct h2_connection::job {
  std::uint64_t tag = 0;
  const http::request* request = nullptr;
  http::response* out = nullptr;
  const http::response_header_names* keep = nullptr;
  std::size_t body_limit = 0;
  clock::time_point deadline;
  std::string* problem = nullptr;
  stream_stats* stats = nullptr;
  std::unique_ptr<waker> wake;
  std::optional<asio::steady_timer> timer;
};

h2_connection::h2_connection(std::unique_ptr<connection> transport, asio::any_io_executor executor,
                             std::size_t client_max_streams, std::string authority, bool tls,
                             std::string where)
    : transport_(std::move(transport)),
      executor_(std::move(executor)),
      session_(client_max_streams),
      authority_(std::move(authority)),
      tls_(tls),
      where_(std::move(where)),
      ping_timer_(executor_),
      last_read_(clock::now().time_since_epoch().count()) {
  resumed_ = transport_->resumed();
  capacity_ = session_.capacity();
  incoming_.resize(read_size);
}

h2_connection::~h2_connection() {
  if (transport_) transport_->close();
}

h2_connection::clock::time_point h2_connection::last_used() const noexcept {
  return clock::time_point(clock::duration(last_read_.load(std::memory_order_relaxed)));
}

bool h2_connection::idle_too_long() const noexcept {
  return clock::now() - last_used() >= idle_threshold;
}

void h2_connection::start() {
  asio::dispatch(executor_, [self = shared_from_this()] {
    self->flush();  // the preface and SETTINGS
    self->read_more();
  });
}

asio::awaitable<error_code> h2_connection::exchange(const http::request& request,
                                                    http::response& out,
                                                    clock::time_point deadline,
                                                    std::size_t body_limit,
                                                    const http::response_header_names& keep,
                                                    std::string& problem, stream_stats& stats) {
  auto j = std::make_unique<job>();
  j->request = &request;
  j->out = &out;
  j->keep = &keep;
  j->body_limit = body_limit;
  j->deadline = deadline;
  j->problem = &problem;
  j->stats = &stats;
  j->tag = next_tag_.fetch_add(1, std::memory_order_relaxed);
  auto initiation = [self = shared_from_this()](auto handler, std::unique_ptr<job> j) {
    j->wake = std::make_unique<waker_for<std::decay_t<decltype(handler)>>>(std::move(handler));
    // The caller's slot: set here and cleared there (waker::wake), on the caller's executor.
    // All it does is ask the connection's executor to give the stream up.
    auto slot = j->wake->slot();
    if (slot.is_connected()) {
      slot.assign([weak = self->weak_from_this(), tag = j->tag](asio::cancellation_type) {
        if (auto conn = weak.lock())
          asio::dispatch(conn->executor_,
                         [conn, tag] { conn->give_up(tag, asio::error::operation_aborted); });
      });
    }
    asio::dispatch(self->executor_, [self, j = std::move(j)]() mutable {
      self->begin(std::move(j));
    });
  };
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  const auto [ec] = co_await asio::async_initiate<decltype(use_tuple), void(error_code)>(
      std::move(initiation), use_tuple, std::move(j));
  stats.cause = ec;
  co_return ec;
}

void h2_connection::begin(std::unique_ptr<job> j) {
  if (dead_ || retired_ || !accepting()) {
    complete(*j, h2_errc::unprocessed,
             "HTTP/2 connection to " + where_ + " stopped taking requests before this one");
    return;
  }
  if (j->deadline != clock::time_point::max()) {
    j->timer.emplace(executor_);
    j->timer->expires_at(j->deadline);
    j->timer->async_wait([weak = weak_from_this(), tag = j->tag](error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->give_up(tag, asio::error::timed_out);
    });
  }
  if (idle_too_long() || ping_outstanding_) {
    // Quiet for a while: make sure the server is still there before it is given the request.
    if (!ping_outstanding_) {
      ping_outstanding_ = true;
      pings_acked_seen_ = session_.pings_acked();
      session_.ping();
      ping_timer_.expires_after(ping_patience);
      ping_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        auto self = weak.lock();
        if (ec || !self || !self->ping_outstanding_) return;
        self->failed(h2_errc::ping_timeout, "HTTP/2 connection to " + self->where_ +
                                                " did not answer PING in time");
      });
    }
    awaiting_ping_.push_back(std::move(j));
  } else {
    auto& placed = *jobs_.emplace(j->tag, std::move(j)).first->second;
    submit(placed);
  }
  flush_soon();
  if (!reading_) read_more();
}

void h2_connection::flush_soon() {
  // The callers woken by one read start their next requests one after the other, each in its
  // own handler: one write after them all carries every request in one TLS record and one
  // system call, instead of one each.
  if (writing_ || flush_posted_ || dead_) return;
  flush_posted_ = true;
  asio::post(executor_, [self = shared_from_this()] {
    self->flush_posted_ = false;
    // Responses already read wait inside TLS: their callers' next requests will come too, and
    // on_read() writes them all once that input is drained.
    if (self->reading_ && self->input_waiting_) return;
    self->flush();
  });
}

void h2_connection::submit(job& j) {
  if (!session_.submit(*j.request, authority_, tls_, {j.out, j.keep, j.body_limit}, j.tag))
    complete(j, h2_errc::unprocessed,
             "HTTP/2 connection to " + where_ + " is going away: request not sent on it");
}

void h2_connection::give_up(std::uint64_t tag, error_code why) {
  const bool timed_out = why == asio::error::timed_out;
  const std::string problem = timed_out ? "no response from " + where_ + " in time (HTTP/2)"
                                        : std::string("cancelled");
  for (auto it = awaiting_ping_.begin(); it != awaiting_ping_.end(); ++it) {
    if ((*it)->tag != tag) continue;
    auto j = std::move(*it);
    awaiting_ping_.erase(it);
    complete(*j, why, problem);
    pause_reading_when_idle();
    return;
  }
  const auto it = jobs_.find(tag);
  if (it == jobs_.end()) return;
  session_.abandon(tag);  // RST_STREAM CANCEL: the connection goes on serving the others
  complete(*it->second, why, problem);
  flush();
  pause_reading_when_idle();
}

void h2_connection::complete(job& j, error_code ec, std::string problem) {
  if (j.timer) j.timer->cancel();
  if (ec && j.problem) *j.problem = std::move(problem);
  auto wake = std::move(j.wake);
  jobs_.erase(j.tag);  // j is gone from here on (unless it was parked or never placed)
  // Posted, never run inline: the caller may start its next stream at once, and this may be
  // inside flush() or deliver().
  wake->wake(ec);
}

void h2_connection::deliver() {
  auto& done = session_.completions();
  // A completion may resume a caller inline, which may start another stream: take the list.
  std::vector<h2_session::completion> now;
  now.swap(done);
  for (auto& c : now) {
    const auto it = jobs_.find(c.tag);
    if (it == jobs_.end()) continue;  // given up already
    job& j = *it->second;
    j.stats->bytes_sent = c.bytes_sent;
    j.stats->bytes_received = c.bytes_received;
    j.stats->received_any = c.bytes_received > 0;
    std::string problem = c.ec ? c.problem + " (" + where_ + ")" : std::string();
    complete(j, c.ec, std::move(problem));
  }
  if (now.capacity() > done.capacity()) done.swap(now), done.clear();
  publish();
}

void h2_connection::read_more() {
  reading_ = true;
  transport_->async_read_some(
      asio::buffer(incoming_),
      connection::io_callback{
          [](void* self, error_code ec, std::size_t n) {
            static_cast<h2_connection*>(self)->on_read(ec, n);
          },
          this, shared_from_this(), executor_, stop_reading_.slot()});
}

bool h2_connection::busy() const noexcept {
  return !jobs_.empty() || !awaiting_ping_.empty() || ping_outstanding_;
}

void h2_connection::pause_reading_when_idle() {
  // Idle, nothing more is read: a pending read would keep the caller's io_context::run() from
  // returning. What the server sends meanwhile (a GOAWAY, a PING) is read with the next
  // request, and after a quiet second a PING goes first (begin()). Only the read is cancelled
  // (per operation): a write in progress goes on. Terminal, because that is the only kind an
  // ssl::stream passes on; a read cut before it got bytes leaves the TLS state as it was, and
  // the next read goes on from there.
  if (reading_ && !busy()) stop_reading_.emit(asio::cancellation_type::terminal);
  if (!busy()) silent_since_idle_ = true;
}

void h2_connection::on_read(error_code ec, std::size_t n) {
  reading_ = false;
  if (dead_) return;
  if (ec == asio::error::operation_aborted) {
    if (busy()) read_more();  // a request came while the read was being stopped
    return;
  }
  if (ec) {
    std::string problem = "reading from " + where_ + " failed: " + ec.message();
    if (!heard_from_server_)
      if (const std::string why = transport_->certificate_refusal(ec); !why.empty())
        problem = "TLS handshake with " + where_ + " failed: " + ec.message() + why;
    // Idle, then gone before a byte came back for the requests just sent: the server closed
    // it while it was idle (the race every keep-alive client has), so they were not
    // processed; they go to another connection, as a stale HTTP/1.1 connection's request is.
    if (silent_since_idle_) {
      failed(h2_errc::unprocessed, problem + ", after it had been idle");
      return;
    }
    failed(ec, std::move(problem));
    return;
  }
  heard_from_server_ = true;
  silent_since_idle_ = false;
  last_read_.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  const bool ok = session_.receive(incoming_.data(), n);
  deliver();
  if (!ok) {
    failed(h2_errc::protocol_error, session_.problem());
    return;
  }
  input_waiting_ = transport_->has_buffered_input();
  if (ping_outstanding_ && session_.pings_acked() != pings_acked_seen_) {
    ping_outstanding_ = false;
    ping_timer_.cancel();
    auto parked = std::move(awaiting_ping_);
    for (auto& j : parked) {
      auto& placed = *jobs_.emplace(j->tag, std::move(j)).first->second;
      submit(placed);
    }
  }
  // With more input inside TLS, the next read (no system call) comes first, then one write.
  if (!input_waiting_ || !busy()) flush();
  if (dead_) return;
  if (session_.finished()) {
    failed(h2_errc::incomplete, "HTTP/2 connection to " + where_ + " ended");
    return;
  }
  if (busy())
    read_more();
  else
    silent_since_idle_ = true;  // idle: see pause_reading_when_idle()
}

void h2_connection::flush() {
  if (writing_ || dead_) return;
  outgoing_.clear();
  session_.produce(outgoing_);
  deliver();  // producing may end streams (a request nghttp2 could not start)
  if (outgoing_.empty()) {
    if (session_.finished() && !dead_) failed(h2_errc::incomplete, "HTTP/2 connection to " + where_ + " ended");
    if (retired_ && jobs_.empty() && awaiting_ping_.empty() && !dead_)
      failed(asio::error::operation_aborted, "retired");
    return;
  }
  write_outgoing();
}

void h2_connection::write_outgoing() {
  writing_ = true;
  transport_->async_write(
      asio::buffer(outgoing_),
      connection::io_callback{
          [](void* self, error_code ec, std::size_t n) {
            static_cast<h2_connection*>(self)->on_written(ec, n);
          },
          this, shared_from_this(), executor_, {}});
}

void h2_connection::on_written(error_code ec, std::size_t) {
  writing_ = false;
  if (dead_) {
    if (!farewell_.empty() && !ec) write_farewell();
    else if (closing_) transport_->close(), ping_timer_.cancel();
    return;
  }
  if (ec) {
    const std::string problem = "sending to " + where_ + " failed: " + ec.message();
    if (silent_since_idle_)  // closed by the server while idle: see on_read()
      failed(h2_errc::unprocessed, problem + ", after it had been idle");
    else
      failed(ec, problem);
    return;
  }
  flush();
}

void h2_connection::failed(error_code ec, std::string problem) {
  if (dead_) return;
  dead_ = true;
  accepting_ = false;
  ping_timer_.cancel();
  session_.fail(ec, problem);
  deliver();
  // Requests parked for a PING were never sent: somewhere else they go.
  auto parked = std::move(awaiting_ping_);
  for (auto& j : parked)
    complete(*j, h2_errc::unprocessed,
             "request not sent: the HTTP/2 connection to " + where_ + " failed first (" +
                 problem + ")");
  // After a connection error the server caused, the client says so (GOAWAY with the error
  // code) before it closes: once a write in flight has finished, and 1 s at most.
  farewell_ = session_.take_farewell();
  if (farewell_.empty()) {
    transport_->close();
  } else {
    closing_ = true;
    ping_timer_.expires_after(farewell_patience);
    ping_timer_.async_wait([self = shared_from_this()](error_code) { self->transport_->close(); });
    if (!writing_) write_farewell();
  }
  publish();
}

void h2_connection::write_farewell() {
  outgoing_ = std::move(farewell_);
  farewell_.clear();
  write_outgoing();
}

void h2_connection::publish() {
  const bool accepting = !dead_ && !retired_ && !session_.going_away();
  const std::size_t capacity = session_.capacity();
  const bool changed = accepting != accepting_.load() || capacity != capacity_.load();
  accepting_ = accepting;
  capacity_ = capacity;
  if (changed && on_change_) on_change_();
}

void h2_connection::retire() {
  asio::dispatch(executor_, [self = shared_from_this()] {
    self->retired_ = true;
    self->publish();
    self->flush();
  });
}

void h2_connection::close() {
  asio::dispatch(executor_, [self = shared_from_this()] {
    self->failed(asio::error::operation_aborted, "HTTP/2 connection to " + self->where_ + " closed");
  });
}

}  // namespace openai::detail

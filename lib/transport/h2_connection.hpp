// One HTTP/2 connection carrying many requests at once: an h2_session (nghttp2, sans-io) driven
// over an opened connection's bytes. Every request is a stream with its own deadline and
// cancellation; ending one (RST_STREAM CANCEL) leaves the others running.
//
// Threads: the session and its bookkeeping live on the connection's own executor (a strand,
// or the io_context's executor when one thread runs it); exchange() may be called from any
// executor and completes on the caller's. The pool reads capacity(), accepting() and
// last_used() from any thread.
#pragma once

#include "http/message.hpp"
#include "transport/connection.hpp"
#include "transport/h2_session.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace openai::detail {

class h2_connection : public std::enable_shared_from_this<h2_connection> {
 public:
  using clock = connection::clock;
  struct waker;

  // What one exchange cost, for attempt records.
  struct stream_stats {
    std::size_t bytes_sent = 0, bytes_received = 0;
    bool received_any = false;
    boost::system::error_code cause;  // the exchange's error, as connection::last_cause()
  };

  // transport: opened, and speaking HTTP/2 (ALPN h2, or h2c by prior knowledge).
  // authority: the Host header's value; executor: where the session lives (see above).
  h2_connection(std::unique_ptr<connection> transport, boost::asio::any_io_executor executor,
                std::size_t client_max_streams, std::string authority, bool tls,
                std::string where);
  ~h2_connection();
  h2_connection(const h2_connection&) = delete;
  h2_connection& operator=(const h2_connection&) = delete;

  // Called on the connection's executor whenever capacity() or accepting() may have changed:
  // the pool hands out the room, or forgets a connection that no longer takes streams. Set
  // once, before start().
  void on_change(std::function<void()> f) { on_change_ = std::move(f); }


  // Sends the preface and SETTINGS and starts reading.
  void start();

  // One request as a stream, by deadline (then RST_STREAM CANCEL and asio::error::timed_out);
  // cancellation of the awaiting coroutine resets the stream too (operation_aborted). Errors
  // are h2_errc (h2_errc::unprocessed: the server never saw it; send it elsewhere) or the
  // connection's raw I/O error.
  boost::asio::awaitable<boost::system::error_code> exchange(
      const http::request& request, http::response& out, clock::time_point deadline,
      std::size_t body_limit, const http::response_header_names& keep, std::string& problem,
      stream_stats& stats);

  // Streams the connection may carry at once (the server's SETTINGS and the client's cap).
  std::size_t capacity() const noexcept { return capacity_.load(std::memory_order_relaxed); }
  // False once it is going away (GOAWAY), has failed, or was retired or closed.
  bool accepting() const noexcept { return accepting_.load(std::memory_order_relaxed); }
  clock::time_point last_used() const noexcept;
  bool resumed() const noexcept { return resumed_; }

  // No new streams; those in flight finish. Then the connection closes.
  void retire();
  // Closes now: streams in flight fail.
  void close();

 private:
  struct job;
  void begin(std::unique_ptr<job> j);
  void submit(job& j);
  void give_up(std::uint64_t tag, boost::system::error_code why);
  void deliver();
  void complete(job& j, boost::system::error_code ec, std::string problem);
  void read_more();
  void on_read(boost::system::error_code ec, std::size_t n);
  void on_written(boost::system::error_code ec, std::size_t n);
  void flush();
  void flush_soon();
  void failed(boost::system::error_code ec, std::string problem);
  void write_farewell();
  void write_outgoing();  // outgoing_, one write
  void publish();
  bool idle_too_long() const noexcept;
  bool busy() const noexcept;  // streams in flight, parked, or a PING unanswered
  void pause_reading_when_idle();

  std::unique_ptr<connection> transport_;
  boost::asio::any_io_executor executor_;
  h2_session session_;
  std::string authority_;
  bool tls_;
  std::string where_;  // host:port, for messages
  std::function<void()> on_change_;

  // On executor_ only:
  std::unordered_map<std::uint64_t, std::unique_ptr<job>> jobs_;
  std::vector<std::unique_ptr<job>> awaiting_ping_;  // parked until the PING's ACK
  std::uint64_t pings_acked_seen_ = 0;
  bool ping_outstanding_ = false;
  std::atomic<std::uint64_t> next_tag_{1};  // taken on the caller's thread
  boost::asio::steady_timer ping_timer_;
  bool reading_ = false;
  bool heard_from_server_ = false;
  bool silent_since_idle_ = false;  // idle once, and nothing read since
  boost::asio::cancellation_signal stop_reading_;  // the pending read's own slot
  std::string outgoing_;  // frames being written
  std::vector<std::uint8_t> incoming_;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool input_waiting_ = false;  // the last read left more inside TLS (see flush_soon())
  bool dead_ = false;
  std::string farewell_;  // the client's GOAWAY, to write before closing
  bool closing_ = false;  // dead_, and the GOAWAY is being written
  bool retired_ = false;

  std::atomic<std::size_t> capacity_{1};
  std::atomic<bool> accepting_{true};
  std::atomic<clock::rep> last_read_;  // when the server last sent something
  bool resumed_ = false;
};

}  // namespace openai::detail

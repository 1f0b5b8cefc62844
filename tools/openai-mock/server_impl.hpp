// Internal: the server's state, shared by server.cpp (lifecycle, listeners) and
// session.cpp (one connection). The only headers of the mock that include Asio/Beast.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server.hpp"
#include "store.hpp"

namespace openai_mock {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// What stop() needs to reach a live session: its strand, and a way to cancel its pending
// I/O. `busy` (true while a response is being produced or written) is touched only on the
// session's strand, so stop() never cuts a response in half.
struct session_link {
  virtual ~session_link() = default;
  virtual asio::any_io_executor executor() = 0;
  virtual void cancel() = 0;
  bool busy = false;
};

struct server::impl {
  explicit impl(server_options o);

  // Everything coroutine frames refer to is declared before `ioc`, so it is still alive
  // when ~io_context destroys frames that never finished.
  certificate_bundle client_certificate;  // generate_client_certificate's; before `options`
  server_options options;
  openai_mock::store store;
  asio::ssl::context tls;

  fault_planner planner;
  rate_limiter limiter;

  std::atomic<std::uint64_t> tls_ok{0}, tls_failed{0}, tls_no_client_cert{0},
      tls_bad_client_cert{0}, accepted{0}, https_accepted{0}, http_accepted{0}, admin_requests{0},
      api_requests{0}, faulted{0}, h2_connections{0}, h2_streams{0}, h2_peak_streams{0}, h2_pings{0},
      rate_limited{0}, delayed_now{0}, delayed_peak{0};
  mutable std::mutex fault_kinds_mutex;
  std::map<std::string, std::uint64_t> fault_kinds;
  mutable std::mutex server_names_mutex;
  std::map<std::string, std::uint64_t> server_names;  // SNI of completed handshakes
  std::atomic<bool> stopping{false};

  // Live tasks (accept loops + sessions) and the sessions stop() must wake up.
  std::mutex tasks_mutex;
  std::condition_variable tasks_done;
  std::size_t live_tasks = 0;
  std::uint64_t next_session = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<session_link>> sessions;

  asio::io_context ioc;
  // One acceptor per listen address; a list, so accept loops keep their references.
  std::list<tcp::acceptor> https_acceptors, http_acceptors;
  std::vector<std::thread> threads;
  unsigned short https_port = 0, http_port = 0;
  bool started = false, stopped = false;

  // Counts a task for stop(); created before co_spawn so no task is ever unaccounted for.
  class task_token {
   public:
    explicit task_token(impl& s);
    task_token(task_token&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    task_token& operator=(task_token&&) = delete;
    ~task_token();

   private:
    impl* s_;
  };

  // Counts a handshake that failed (not one stop() interrupted), and why when it was the
  // client certificate.
  void count_handshake_failure(const boost::system::error_code& ec);

  std::uint64_t add_session(std::weak_ptr<session_link> link);
  void remove_session(std::uint64_t id);

  // Asked as each request arrives, before it is handled; admin routes are never limited or
  // faulted (and not counted as API requests). Under a rate limit, takes a token: a refused
  // request gets the 429 as a `respond` plan (counted in rate_limited, not as a fault); an
  // admitted one gets the fault planner's plan with the x-ratelimit-* headers added to any
  // answer it leads to.
  fault_plan decide_fault(const request& req);
  // How long the answer to `req` waits (options.latency; zero for admin routes).
  std::chrono::nanoseconds latency_of(const request& req) const;
  // An answer starts (+1) or stops (-1) waiting out its latency: feeds delayed_peak.
  void note_delayed(int change);
  void count_server_name(const char* sni);
  bool listens_on(std::string_view address) const;
  // The answer to one request: admin routes or the store. Never throws; an unexpected
  // exception becomes a 500.
  response respond(const request& req);
  // The answer to a request under its plan (from decide_fault), for HTTP/1.1 and HTTP/2 alike:
  // the plan's reply for `respond`, respond(req) with the plan's extra headers when the
  // request reaches the store, an empty response when it does not (reset, rst_stream, goaway).
  response answer(const request& req, fault_plan& plan);
  // Records that one h2 connection has `open` streams at once.
  void note_open_streams(std::uint64_t open);
  counters stats() const;

  void start();
  void stop();
};

// 413 with an OpenAI-shaped error: the request body is over `limit` bytes.
response too_large(std::size_t limit);

// Defined in session.cpp.
asio::awaitable<void> run_session(server::impl& s, tcp::socket socket, bool tls,
                                  server::impl::task_token token);

}  // namespace openai_mock

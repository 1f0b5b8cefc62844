// One client connection: optional TLS handshake, then HTTP/1.1 requests in a keep-alive
// loop until the client closes, asks to close, goes idle, or the server stops; or, when ALPN
// selected h2 (or a plain connection opens with the HTTP/2 preface: h2c with prior
// knowledge), the HTTP/2 connection of h2_session.cpp.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "alpn.hpp"
#include "h2_session.hpp"
#include "server_impl.hpp"

namespace openai_mock {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

// Bounds on each step, so a stalled peer costs a socket for seconds, not forever.
constexpr auto handshake_timeout = std::chrono::seconds(15);
constexpr auto request_timeout = std::chrono::seconds(30);  // header seen -> body complete
constexpr auto write_timeout = std::chrono::seconds(30);
constexpr auto shutdown_timeout = std::chrono::seconds(3);
constexpr auto shutdown_timeout_stopping = std::chrono::milliseconds(200);

template <class Stream>
struct session final : session_link {
  template <class... Args>
  explicit session(Args&&... args) : stream(std::forward<Args>(args)...) {}
  asio::any_io_executor executor() override { return stream.get_executor(); }
  void cancel() override { beast::get_lowest_layer(stream).cancel(); }
  Stream stream;
};

// Registers a session with the server for the scope of the coroutine.
class registration {
 public:
  registration(server::impl& s, std::weak_ptr<session_link> link)
      : s_(s), id_(s.add_session(std::move(link))) {}
  registration(const registration&) = delete;
  registration& operator=(const registration&) = delete;
  ~registration() { s_.remove_session(id_); }

 private:
  server::impl& s_;
  std::uint64_t id_;
};

request to_mock_request(http::request<http::string_body>&& in) {
  request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& f : in) {
    auto [it, inserted] = out.headers.emplace(std::string(f.name_string()), std::string(f.value()));
    // Repeated fields fold into one comma-separated value (RFC 9110 5.3).
    if (!inserted) (it->second += ", ") += std::string(f.value());
  }
  out.body = std::move(in.body());
  return out;
}

http::response<http::string_body> to_beast_response(response&& in, unsigned version) {
  http::response<http::string_body> out{static_cast<http::status>(in.status), version};
  out.set(http::field::server, "openai-mock");
  for (auto& [name, value] : in.headers) out.set(name, value);
  out.body() = std::move(in.body);
  return out;
}

// An RST instead of a FIN: SO_LINGER with a zero timeout, then close.
void reset(beast::tcp_stream& tcp) {
  boost::system::error_code ignored;
  tcp.socket().set_option(asio::socket_base::linger(true, 0), ignored);
  tcp.socket().close(ignored);
}

// Writes a rendered fault response (all at once, or byte by byte). False when the peer went
// away or the server is stopping mid-drip.
template <class Stream>
asio::awaitable<bool> write_wire(server::impl& s, session<Stream>& sess, const wire_response& w) {
  auto& tcp = beast::get_lowest_layer(sess.stream);
  auto write = [&](std::string_view bytes) -> asio::awaitable<bool> {
    if (bytes.empty()) co_return true;
    tcp.expires_after(write_timeout);
    auto [ec, n] =
        co_await asio::async_write(sess.stream, asio::buffer(bytes), as_tuple(use_awaitable));
    co_return !ec;
  };
  if (w.drip.count() > 0) {
    asio::steady_timer timer(sess.stream.get_executor());
    std::string all = w.head;
    while (all.size() < w.head.size() + w.filler) all += w.filler_unit;
    all.resize(w.head.size() + w.filler);
    all += w.tail;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (s.stopping) co_return false;
      if (i > 0) {
        timer.expires_after(w.drip);
        co_await timer.async_wait(as_tuple(use_awaitable));
      }
      if (!co_await write(std::string_view(all).substr(i, 1))) co_return false;
    }
    co_return true;
  }
  if (!co_await write(w.head)) co_return false;
  if (w.filler > 0) {
    // About 64 KiB of whole units per write.
    std::string block;
    while (block.size() < 64 * 1024) block += w.filler_unit;
    for (std::size_t left = w.filler; left > 0;) {
      if (s.stopping) co_return false;
      const std::size_t n = std::min(left, block.size());
      if (!co_await write(std::string_view(block).substr(0, n))) co_return false;
      left -= n;
    }
  }
  if (w.pause.count() > 0) {
    asio::steady_timer timer(sess.stream.get_executor());
    timer.expires_after(w.pause);
    co_await timer.async_wait(as_tuple(use_awaitable));
  }
  co_return co_await write(w.tail);
}

// 413, then close: the rest of the oversized body is never read, so the connection cannot
// carry another request.
template <class Stream>
asio::awaitable<ending> reject_too_large(server::impl& s, session<Stream>& sess,
                                         http::request_parser<http::string_body>& parser) {
  sess.busy = true;
  auto res = to_beast_response(too_large(s.options.body_limit), parser.get().version());
  res.keep_alive(false);
  res.prepare_payload();
  beast::get_lowest_layer(sess.stream).expires_after(write_timeout);
  auto [ec, n] = co_await http::async_write(sess.stream, res, as_tuple(use_awaitable));
  co_return ec ? ending::abrupt : ending::polite;
}

// A response cut short that never goes on: wait for the client to give up (any byte, its
// close, the idle timeout or stop()), then reset. Not busy meanwhile, so stop() wakes it.
template <class Stream>
asio::awaitable<ending> stall(server::impl& s, session<Stream>& sess, beast::flat_buffer& buffer) {
  auto& tcp = beast::get_lowest_layer(sess.stream);
  tcp.expires_after(s.options.idle_timeout);
  co_await sess.stream.async_read_some(buffer.prepare(1), as_tuple(use_awaitable));
  reset(tcp);
  co_return ending::abrupt;
}

// `buffer` is reused across requests and holds pipelined bytes (and, on plain connections,
// the first bytes read to tell HTTP/1.1 from h2c).
template <class Stream>
asio::awaitable<ending> serve_requests(server::impl& s, session<Stream>& sess,
                                       beast::flat_buffer buffer = {}) {
  auto& tcp = beast::get_lowest_layer(sess.stream);
  for (;;) {
    if (s.stopping) co_return ending::polite;

    http::request_parser<http::string_body> parser;
    parser.body_limit(s.options.body_limit);
    tcp.expires_after(s.options.idle_timeout);
    auto [ec, n] =
        co_await http::async_read_header(sess.stream, buffer, parser, as_tuple(use_awaitable));
    if (ec == http::error::end_of_stream) co_return ending::polite;
    // A Content-Length over the limit fails already here, before any body byte is read.
    if (ec == http::error::body_limit) co_return co_await reject_too_large(s, sess, parser);
    if (ec) co_return ending::abrupt;  // idle timeout, reset, garbage, or stop() woke us

    // curl and others wait (up to a second) for this before sending a large body.
    if (parser.get()[http::field::expect] == "100-continue") {
      http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
      tcp.expires_after(write_timeout);
      auto [wec, wn] = co_await http::async_write(sess.stream, cont, as_tuple(use_awaitable));
      if (wec) co_return ending::abrupt;
    }

    tcp.expires_after(request_timeout);
    std::tie(ec, n) =
        co_await http::async_read(sess.stream, buffer, parser, as_tuple(use_awaitable));
    if (ec == http::error::body_limit) co_return co_await reject_too_large(s, sess, parser);
    if (ec) co_return ending::abrupt;

    sess.busy = true;
    auto beast_req = parser.release();
    const unsigned version = beast_req.version();
    // keep_alive() covers both HTTP/1.0 (close unless asked) and "Connection: close".
    const bool keep_alive = beast_req.keep_alive();
    const request req = to_mock_request(std::move(beast_req));

    fault_plan plan = s.decide_fault(req);  // the rate limit's decision: as the request arrives
    response answer = s.answer(req, plan);

    // --latency: whatever this request gets (an answer, a wire fault, a reset) comes after it.
    // A timer on the session's strand: no thread waits, and other connections go on.
    if (const auto latency = s.latency_of(req); latency.count() > 0) {
      s.note_delayed(+1);
      asio::steady_timer timer(sess.stream.get_executor());
      timer.expires_after(latency);
      co_await timer.async_wait(as_tuple(use_awaitable));
      s.note_delayed(-1);
    }

    switch (plan.action) {
      case fault_action::none:
      case fault_action::respond:
      case fault_action::delay:
      case fault_action::close_after_response:
      case fault_action::idle_close:
        break;
      default: {
        // The hostile ways of writing (or not writing) a response.
        const wire_response wire = render_wire(plan, answer, keep_alive && !s.stopping);
        const bool written = co_await write_wire(s, sess, wire);
        sess.busy = false;
        if (!written) co_return ending::abrupt;
        if (wire.end == wire_response::ending::reset) {
          reset(tcp);
          co_return ending::abrupt;
        }
        if (wire.end == wire_response::ending::close) co_return ending::polite;
        if (wire.end == wire_response::ending::stall) co_return co_await stall(s, sess, buffer);
        continue;
      }
    }

    if (plan.action == fault_action::delay) {
      asio::steady_timer timer(sess.stream.get_executor());
      timer.expires_after(delay_of(plan));
      co_await timer.async_wait(as_tuple(use_awaitable));
    }

    auto res = to_beast_response(std::move(answer), version);
    res.keep_alive(keep_alive && !s.stopping && plan.action != fault_action::close_after_response);
    res.prepare_payload();
    tcp.expires_after(write_timeout);
    auto [wec, wn] = co_await http::async_write(sess.stream, res, as_tuple(use_awaitable));
    sess.busy = false;
    if (wec) co_return ending::abrupt;
    if (!res.keep_alive()) co_return ending::polite;
    if (plan.action == fault_action::idle_close) {
      // Dead from now on: wait for the client to reuse it, then reset without answering.
      http::request_parser<http::string_body> next;
      tcp.expires_after(s.options.idle_timeout);
      co_await http::async_read_header(sess.stream, buffer, next, as_tuple(use_awaitable));
      reset(tcp);
      co_return ending::abrupt;
    }
  }
}

asio::awaitable<void> run_tls(server::impl& s, tcp::socket socket) {
  auto sess = std::make_shared<session<tls_stream>>(beast::tcp_stream(std::move(socket)), s.tls);
  registration reg(s, sess);
  if (s.stopping) co_return;
  auto& tcp = beast::get_lowest_layer(sess->stream);

  tcp.expires_after(handshake_timeout);
  auto [hec] = co_await sess->stream.async_handshake(asio::ssl::stream_base::server,
                                                     as_tuple(use_awaitable));
  if (hec) {
    // A handshake stop() interrupted is not the client's failure.
    if (!(s.stopping && hec == asio::error::operation_aborted)) s.count_handshake_failure(hec);
    co_return;
  }
  ++s.tls_ok;
  s.count_server_name(
      SSL_get_servername(sess->stream.native_handle(), TLSEXT_NAMETYPE_host_name));

  ending how;
  // (An if, not a conditional expression: GCC 12 miscompiles co_await inside one.)
  if (negotiated_h2(sess->stream.native_handle())) {
    ++s.h2_connections;
    how = co_await serve_h2(s, sess->stream, *sess);
  } else {
    how = co_await serve_requests(s, *sess);
  }
  if (how == ending::polite) {
    // close_notify, then wait briefly for the peer's; many clients never answer it.
    using duration = std::chrono::steady_clock::duration;
    tcp.expires_after(s.stopping ? duration(shutdown_timeout_stopping)
                                 : duration(shutdown_timeout));
    co_await sess->stream.async_shutdown(as_tuple(use_awaitable));
  }
  tcp.close();
}

// What the first bytes of a plain connection say.
enum class opening { h2c, http1, ended };

// Reads the first bytes of a plain connection into `first` until they are the HTTP/2 preface
// (h2c with prior knowledge) or cannot be (HTTP/1.1); `ended` when the connection failed or
// closed first (not read again after that end: such a read was seen never to complete).
asio::awaitable<opening> read_opening(server::impl& s, beast::tcp_stream& stream,
                                      beast::flat_buffer& first) {
  for (;;) {
    const std::string bytes = beast::buffers_to_string(first.data());
    if (!is_h2_preface_prefix(bytes)) co_return opening::http1;
    if (bytes.size() >= h2_preface.size()) co_return opening::h2c;
    stream.expires_after(s.options.idle_timeout);
    auto [ec, n] = co_await stream.async_read_some(first.prepare(1024), as_tuple(use_awaitable));
    if (ec) co_return opening::ended;
    first.commit(n);
  }
}

asio::awaitable<void> run_plain(server::impl& s, tcp::socket socket) {
  auto sess = std::make_shared<session<beast::tcp_stream>>(std::move(socket));
  registration reg(s, sess);
  beast::flat_buffer first;
  opening kind = opening::http1;
  if (s.options.enable_http2) kind = co_await read_opening(s, sess->stream, first);
  ending how = ending::abrupt;
  if (kind == opening::h2c) {
    ++s.h2_connections;
    const std::string preface = beast::buffers_to_string(first.data());
    how = co_await serve_h2(s, sess->stream, *sess, preface);
  } else if (kind == opening::http1) {
    how = co_await serve_requests(s, *sess, std::move(first));
  }
  if (how == ending::polite) {
    boost::system::error_code ignored;
    sess->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  sess->stream.close();
}

}  // namespace

asio::awaitable<void> run_session(server::impl& s, tcp::socket socket, bool tls,
                                  server::impl::task_token token) {
  (void)token;  // held until the session ends, so stop() can wait for it
  if (tls)
    co_await run_tls(s, std::move(socket));
  else
    co_await run_plain(s, std::move(socket));
}

}  // namespace openai_mock

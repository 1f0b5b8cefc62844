#include "transport/connection.hpp"

#include "transport/io_error.hpp"
#include "transport/response_limits.hpp"
#include "transport/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <atomic>
#include <optional>

#include <sys/socket.h>

namespace openai::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return beast::iequals(a, b);
}

// Reads one response keeping only what the client acts on: status, body, keep-alive, and the
// six headers of http_response. No header container: nothing is allocated per field.
class response_reader final : public http::basic_parser<false> {
 public:
  explicit response_reader(http_response& out) : out_(out) {}

  // Body bytes taken so far: what the body limit counts, and what is not overhead.
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    out_.status = static_cast<unsigned>(code);
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    if (std::string* into = slot_for(name)) into->assign(value.data(), value.size());
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    // body_limit() has already refused a larger Content-Length.
    if (length) out_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    out_.body.append(body.data(), body.size());
    body_bytes_ += body.size();
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    out_.body.append(body.data(), body.size());
    body_bytes_ += body.size();
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  std::string* slot_for(beast::string_view name) {
    // Cheap first test: every header kept starts with 'x' or 'r'.
    if (name.empty()) return nullptr;
    const char first = static_cast<char>(name[0] | 0x20);
    if (first != 'x' && first != 'r') return nullptr;
    if (equal_ignoring_case(name, "x-request-id")) return &out_.request_id;
    if (equal_ignoring_case(name, "x-should-retry")) return &out_.should_retry;
    if (equal_ignoring_case(name, "retry-after-ms")) return &out_.retry_after_ms;
    if (equal_ignoring_case(name, "retry-after")) return &out_.retry_after;
    if (equal_ignoring_case(name, "x-ratelimit-remaining-requests"))
      return &out_.ratelimit_remaining_requests;
    if (equal_ignoring_case(name, "x-ratelimit-reset-requests"))
      return &out_.ratelimit_reset_requests;
    return nullptr;
  }

  http_response& out_;
  std::uint64_t body_bytes_ = 0;
};

// 1xx: an interim response, to be skipped (RFC 9110 15.2); 101 switches protocols, which a
// request of ours never asks for.
bool is_interim(unsigned status) { return status >= 100 && status <= 199; }

// 204 and 304 have no body whatever their fields say (RFC 9110 6.4.1); a server that announces
// one anyway may send bytes the next request on the connection would read as its answer.
bool announces_body_it_may_not_have(unsigned status, const http::basic_parser<false>& reader) {
  return (status == 204 || status == 304) &&
         (reader.chunked() || reader.content_length().value_or(0) > 0);
}

}  // namespace

struct connection::impl : std::enable_shared_from_this<connection::impl> {
  impl(const asio::any_io_executor& ex) : executor(ex), watchdog(ex) {}

  asio::any_io_executor executor;
  std::string host;
  std::string port;
  bool host_is_ip = false;
  std::shared_ptr<ssl::context> tls;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> secure;
  // Reused for every exchange on this connection: no per-request buffer allocation.
  beast::flat_buffer buffer;
  std::string wire;  // the request's bytes
  std::optional<response_reader> reader;
  bool reusable = false;
  bool peek_before_reuse = false;  // the last answer may be followed by stray bytes
  bool received_any = false;
  bool resumed = false;  // the TLS handshake resumed an earlier session
  std::size_t exchanges = 0;
  clock::time_point last_used = clock::now();

  // The deadline of the step in progress (connect, handshake, one exchange): one timer wait per
  // step, not one per read or write. On expiry it closes the socket, so whatever operation is
  // pending or comes next fails at once; `timed_out` tells that apart from other failures. The
  // handler runs on the executor of the coroutine that armed it (the call's strand), and does
  // nothing once `step` has moved on: the connection may serve another call by then.
  asio::steady_timer watchdog;
  std::atomic<std::uint64_t> step{0};
  bool timed_out = false;
  boost::system::error_code last_cause;  // the raw error behind the last failure
  std::string read_problem;  // why read_response refused a response, when the parser did not say

  tcp::socket& lowest() { return secure ? secure->next_layer() : *plain; }

  std::string where() const { return host + ":" + port; }

  void arm(clock::time_point deadline, const asio::any_io_executor& coroutine_executor) {
    timed_out = false;
    watchdog.expires_at(deadline);
    watchdog.async_wait(asio::bind_executor(
        coroutine_executor,
        [weak = weak_from_this(), armed = step.load()](boost::system::error_code ec) {
          if (ec) return;  // disarmed
          auto self = weak.lock();
          if (!self || self->step.load() != armed) return;  // that step is over
          self->timed_out = true;
          boost::system::error_code ignored;
          self->lowest().close(ignored);
        }));
  }
  void disarm() {
    ++step;
    watchdog.cancel();
  }
  // A failed step's error: timeout when the watchdog ended it. The raw error is kept for
  // diagnostics::cause.
  boost::system::error_code failure(boost::system::error_code ec) {
    last_cause = timed_out ? make_error_code(asio::error::timed_out) : ec;
    return timed_out ? make_error_code(errc::timeout) : classify_io_error(ec);
  }

  template <typename Stream>
  asio::awaitable<boost::system::error_code> exchange_on(Stream& stream, const http_request& req,
                                                         http_response& out,
                                                         clock::time_point deadline,
                                                         std::size_t body_limit,
                                                         std::string& problem);
  template <typename Stream>
  asio::awaitable<boost::system::error_code> read_response(Stream& stream, http_response& out,
                                                           std::size_t body_limit);
  void start_reader(http_response& out, std::size_t body_limit) {
    reader.emplace(out);
    reader->header_limit(response_limits::header_bytes);
    reader->body_limit(body_limit);
    reader->eager(true);
  }
  // A refusal when the server sends more than a response may hold besides its body: `consumed`
  // bytes taken by the parser so far, and what waits unparsed in the buffer.
  boost::system::error_code over_limits(std::uint64_t consumed) {
    const std::uint64_t overhead = consumed - reader->body_bytes();
    if (overhead > response_limits::overhead_bytes) {
      read_problem = "response from " + where() + " carries more than " +
                     std::to_string(response_limits::overhead_bytes) +
                     " bytes of headers, chunk framing and trailers";
      return http::error::header_limit;
    }
    if (reader->is_header_done() && reader->chunked()) {
      const std::string_view unparsed(static_cast<const char*>(buffer.data().data()),
                                      buffer.size());
      const std::size_t allowance = chunked_unparsed_allowance(unparsed);
      if (unparsed.size() > allowance) {
        read_problem = "response from " + where() + " has a " +
                       (allowance == response_limits::trailer_bytes ? "trailer section"
                                                                    : "chunk header") +
                       " longer than " + std::to_string(allowance) + " bytes";
        return http::error::bad_chunk;
      }
    }
    return {};
  }
};

connection::connection(asio::any_io_executor executor, const base_url& url,
                       std::shared_ptr<ssl::context> tls)
    : impl_(std::make_shared<impl>(executor)) {
  impl_->host = url.host;
  impl_->port = url.port;
  impl_->host_is_ip = url.host_is_ip;
  impl_->tls = std::move(tls);
  if (impl_->tls)
    impl_->secure.emplace(executor, *impl_->tls);
  else
    impl_->plain.emplace(executor);
}

connection::~connection() {
  if (impl_) impl_->disarm();
}

asio::awaitable<boost::system::error_code> connection::open(clock::time_point connect_deadline,
                                                            clock::time_point deadline,
                                                            std::string& problem) {
  impl& s = *impl_;
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(s.executor);
  auto flags = s.host_is_ip ? tcp::resolver::numeric_host : tcp::resolver::flags{};
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(s.host, s.port, flags | tcp::resolver::numeric_service,
                                      use_tuple);
  if (resolve_ec) {
    problem = "cannot resolve " + s.host + ": " + resolve_ec.message();
    co_return s.failure(resolve_ec);
  }

  // Every address in turn (IPv6 and IPv4, several A records), all by the connect deadline.
  s.arm(std::min(connect_deadline, deadline), executor);
  auto [connect_ec, endpoint] = co_await asio::async_connect(
      s.lowest(), endpoints,
      [&s](const boost::system::error_code&, const tcp::endpoint&) { return !s.timed_out; },
      use_tuple);
  s.disarm();
  if (connect_ec || s.timed_out) {
    problem = "cannot connect to " + s.where() + ": " +
              (s.timed_out ? std::string("timed out") : connect_ec.message());
    co_return s.failure(connect_ec);
  }
  boost::system::error_code ignored;
  s.lowest().set_option(tcp::no_delay(true), ignored);

  if (s.secure) {
    // SNI names the host; IP literals are not sent (RFC 6066) but still verified below.
    if (!s.host_is_ip && !SSL_set_tlsext_host_name(s.secure->native_handle(), s.host.c_str())) {
      problem = "cannot set TLS server name " + s.host;
      co_return make_error_code(errc::network);
    }
    s.secure->set_verify_callback(ssl::host_name_verification(s.host));
    offer_saved_session(s.secure->native_handle());
    s.arm(deadline, executor);
    auto [handshake_ec] = co_await s.secure->async_handshake(ssl::stream_base::client, use_tuple);
    s.disarm();
    if (handshake_ec) {
      problem = "TLS handshake with " + s.where() + " failed: " +
                (s.timed_out ? std::string("timed out") : handshake_ec.message());
      const long verify = SSL_get_verify_result(s.secure->native_handle());
      if (verify != X509_V_OK)
        problem += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      co_return s.failure(handshake_ec);
    }
  }
  s.resumed = s.secure && SSL_session_reused(s.secure->native_handle()) == 1;
  s.last_used = clock::now();
  co_return boost::system::error_code{};
}

// Reads until the reader has a whole final response: Beast's parser over this connection's
// buffer, without Beast's composed read operations. Interim (1xx) responses are skipped; every
// byte that is not body counts against response_limits.
template <typename Stream>
asio::awaitable<boost::system::error_code> connection::impl::read_response(
    Stream& stream, http_response& out, std::size_t body_limit) {
  constexpr std::size_t read_size = 16 * 1024;
  const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  std::uint64_t consumed = 0;  // bytes the parser took, over every response read here
  bool after_interim = false;
  for (;;) {
    if (buffer.size() > 0) {
      beast::error_code ec;
      const std::size_t used = reader->put(buffer.data(), ec);
      buffer.consume(used);
      consumed += used;
      if (reader->is_done()) {
        if (!is_interim(out.status)) co_return beast::error_code{};
        if (out.status == 101) {
          read_problem = "server at " + where() + " switched protocols (101), unasked";
          co_return http::error::bad_status;
        }
        // What the interim response said is not the answer: start over for the final one.
        out.clear();
        start_reader(out, body_limit);
        after_interim = true;
        if (auto refused = over_limits(consumed)) co_return refused;
        continue;
      }
      if (ec && ec != http::error::need_more) co_return ec;
      if (auto refused = over_limits(consumed)) co_return refused;
      if (!ec && used > 0 && buffer.size() > 0) continue;  // more to parse without reading
    }
    // A cancellation that arrived between two reads reached no operation; it still counts.
    if (cancellation.cancelled() != asio::cancellation_type::none)
      co_return make_error_code(asio::error::operation_aborted);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(read_size), use_tuple);
    buffer.commit(n);
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      // The server closed the connection: the end of a response without a length, or a cut.
      if (!reader->got_some()) {
        if (!after_interim) co_return http::error::end_of_stream;
        read_problem = "server at " + where() +
                       " closed the connection after an interim (1xx) response, without a "
                       "final one";
        co_return http::error::bad_status;
      }
      beast::error_code eof_ec;
      reader->put_eof(eof_ec);
      co_return eof_ec ? eof_ec : beast::error_code{};
    }
    if (ec) co_return ec;
  }
}

template <typename Stream>
asio::awaitable<boost::system::error_code> connection::impl::exchange_on(
    Stream& stream, const http_request& req, http_response& out, clock::time_point deadline,
    std::size_t body_limit, std::string& problem) {
  reusable = false;
  received_any = false;
  read_problem.clear();
  render_request(req, wire);
  start_reader(out, body_limit);

  arm(deadline, co_await asio::this_coro::executor);
  auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(wire), use_tuple);
  boost::system::error_code read_ec;
  if (!write_ec) read_ec = co_await read_response(stream, out, body_limit);
  disarm();
  received_any = reader->got_some() || buffer.size() > 0;

  if (write_ec) {
    problem = "sending the request to " + where() + " failed: " +
              (timed_out ? std::string("timed out") : write_ec.message());
    co_return failure(write_ec);
  }
  if (read_ec) {
    problem = "reading the response from " + where() + " failed: " +
              (timed_out ? std::string("timed out") : read_ec.message());
    if (read_ec == http::error::body_limit)
      problem = "response body from " + where() + " exceeds the limit of " +
                std::to_string(body_limit) + " bytes";
    else if (read_ec == http::error::header_limit && read_problem.empty())
      problem = "response headers from " + where() + " exceed the limit of " +
                std::to_string(response_limits::header_bytes) + " bytes";
    else if (!read_problem.empty() && !timed_out)
      problem = read_problem;
    co_return failure(read_ec);
  }

  // Bytes beyond the response mean the server is not speaking plain request/response.
  reusable = reader->keep_alive() && buffer.size() == 0 &&
             !announces_body_it_may_not_have(out.status, *reader);
  peek_before_reuse = out.status == 204 || out.status == 304;
  ++exchanges;
  last_used = clock::now();
  co_return boost::system::error_code{};
}

asio::awaitable<boost::system::error_code> connection::exchange(const http_request& request,
                                                                http_response& out,
                                                                clock::time_point deadline,
                                                                std::size_t body_limit,
                                                                std::string& problem) {
  // Not a coroutine itself: it hands out exchange_on's, one frame less per request.
  if (impl_->secure)
    return impl_->exchange_on(*impl_->secure, request, out, deadline, body_limit, problem);
  return impl_->exchange_on(*impl_->plain, request, out, deadline, body_limit, problem);
}

bool connection::reusable() const noexcept { return impl_->reusable; }
boost::system::error_code connection::last_cause() const noexcept { return impl_->last_cause; }
bool connection::received_any() const noexcept { return impl_->received_any; }
bool connection::resumed() const noexcept { return impl_->resumed; }
std::size_t connection::exchanges() const noexcept { return impl_->exchanges; }
connection::clock::time_point connection::last_used() const noexcept { return impl_->last_used; }

bool connection::idle_and_healthy() noexcept {
  auto& socket = impl_->lowest();
  if (!impl_->reusable || !socket.is_open() || impl_->buffer.size() != 0) return false;
  if (impl_->secure && SSL_pending(impl_->secure->native_handle()) > 0) return false;
  // Used a moment ago: the peek below would cost a system call per request under load for
  // nothing. Should the server have closed it just now, the request fails before any response
  // byte and is re-sent once on a new connection (attempt_loop), as for any stale connection.
  // After a 204 or 304 it asks anyway: stray body bytes would be read as the next answer.
  if (!impl_->peek_before_reuse && clock::now() - impl_->last_used < std::chrono::seconds(1))
    return true;
  // An idle connection has nothing to read: a 0 means the peer closed it, bytes mean it sent
  // something unasked (a TLS alert, garbage). Either way it cannot carry a request.
  char probe;
  const auto n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void connection::close() noexcept {
  impl_->reusable = false;
  boost::system::error_code ignored;
  impl_->lowest().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->lowest().close(ignored);
}

}  // namespace openai::detail

#include "transport/connection.hpp"

#include "http/render.hpp"
#include "http/response_parser.hpp"
#include "transport/client_certificate.hpp"
#include "transport/proxy_tunnel.hpp"
#include "transport/dial.hpp"
#include "transport/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <atomic>
#include <optional>

#include <sys/socket.h>

namespace openai::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct connection::impl : std::enable_shared_from_this<connection::impl> {
  impl(const asio::any_io_executor& ex) : executor(ex), watchdog(ex) {}

  asio::any_io_executor executor;
  std::string host;
  std::string port;
  bool host_is_ip = false;
  bool target_tls = false;
  std::shared_ptr<ssl::context> tls;
  std::shared_ptr<address_memory> addresses;  // the pool's, shared by its connections
  // With a proxy: the target as CONNECT and absolute-form requests name it.
  std::shared_ptr<const proxy_hop> proxy;
  base_url target;
  // One of the three: plain TCP (http://, directly or through an http:// proxy); one TLS
  // layer (to the API host, directly or in a CONNECT tunnel; or to an https:// proxy for an
  // http:// target); TLS to the API host inside TLS to an https:// proxy.
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> secure;
  std::optional<ssl::stream<ssl::stream<tcp::socket>>> secure_in_secure;
  // Reused for every exchange on this connection: no per-request buffer allocation.
  beast::flat_buffer buffer;
  std::string wire;  // the request's bytes
  std::optional<http::response_parser> reader;
  bool reusable = false;
  bool peek_before_reuse = false;  // the last answer may be followed by stray bytes
  bool received_any = false;
  bool resumed = false;  // the TLS handshake resumed an earlier session
  bool offer_h2 = false, h2_prior_knowledge = false, speaks_h2 = false;
  std::size_t exchanges = 0;
  std::size_t bytes_sent = 0, bytes_received = 0;  // by the last exchange
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

  tcp::socket& lowest() {
    if (secure_in_secure) return secure_in_secure->next_layer().next_layer();
    return secure ? secure->next_layer() : *plain;
  }
  // The TLS session with the API host, when there is one.
  SSL* target_ssl() {
    if (!target_tls) return nullptr;
    return secure_in_secure ? secure_in_secure->native_handle() : secure->native_handle();
  }

  std::string where() const { return host + ":" + port; }

  // ": <why>" when the server turned down the client's certificate, or its absence; else "".
  std::string certificate_refusal(const boost::system::error_code& ec) {
    SSL* ssl = target_ssl();  // the API host's session: a proxy never gets the certificate
    const std::string why = ssl ? client_certificate_rejection(ssl, ec) : "";
    return why.empty() ? why : ": " + why;
  }

  // The first hop: the proxy when there is one, else the API host.
  const std::string& dial_host() const { return proxy ? proxy->url.host : host; }
  const std::string& dial_port() const { return proxy ? proxy->url.port : port; }
  bool dial_is_ip() const { return proxy ? proxy->url.host_is_ip : host_is_ip; }
  std::string dial_name() const { return proxy ? "proxy " + proxy->url.name : where(); }

  template <typename Stream>
  asio::awaitable<boost::system::error_code> handshake(Stream& stream, const std::string& name,
                                                       bool name_is_ip, std::string_view peer,
                                                       clock::time_point deadline,
                                                       std::string& problem);
  asio::awaitable<boost::system::error_code> through_proxy(clock::time_point connect_deadline,
                                                           clock::time_point deadline,
                                                           std::string& problem);

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
    return last_cause;
  }

  template <typename Stream>
  asio::awaitable<boost::system::error_code> exchange_on(Stream& stream, const http::request& req,
                                                         http::response& out,
                                                         clock::time_point deadline,
                                                         std::size_t body_limit,
                                                         const http::response_header_names& keep,
                                                         std::string& problem);
  template <typename Stream>
  asio::awaitable<boost::system::error_code> read_response(Stream& stream, http::response& out,
                                                           std::size_t body_limit,
                                                           const http::response_header_names& keep);
  // The parser's verdict is not the only one: a response may not hold more than
  // http::response_limits besides its body.
  boost::system::error_code over_limits(std::uint64_t consumed) {
    const std::string_view unparsed(static_cast<const char*>(buffer.data().data()),
                                    buffer.size());
    std::string why = reader->refusal(consumed, unparsed);
    if (why.empty()) return {};
    read_problem = "response from " + where() + " " + why;
    return beast_http::error::header_limit;
  }
};

connection::connection(asio::any_io_executor executor, const base_url& url,
                       std::shared_ptr<ssl::context> tls, std::shared_ptr<const proxy_hop> proxy,
                       std::shared_ptr<address_memory> addresses)
    : impl_(std::make_shared<impl>(executor)) {
  impl_->addresses = std::move(addresses);
  impl_->host = url.host;
  impl_->port = url.port;
  impl_->host_is_ip = url.host_is_ip;
  impl_->target_tls = url.tls;
  impl_->tls = std::move(tls);
  impl_->proxy = std::move(proxy);
  if (impl_->proxy) impl_->target = url;
  const bool proxy_tls = impl_->proxy && impl_->proxy->url.tls;
  if (proxy_tls && impl_->target_tls)
    impl_->secure_in_secure.emplace(ssl::stream<tcp::socket>(executor, *impl_->proxy->tls),
                                    *impl_->tls);
  else if (proxy_tls)
    impl_->secure.emplace(executor, *impl_->proxy->tls);
  else if (impl_->target_tls)
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
  // The first hop (the proxy when there is one): every address (IPv6 and IPv4, several of
  // each), Happy Eyeballs, by the connect deadline.
  // Named before the co_await: GCC 12 destroys a temporary of a conditional expression inside
  // a co_await expression twice.
  const std::string label = s.proxy ? s.dial_name() : std::string();
  if (const auto dial_ec = co_await dial(s.dial_host(), s.dial_port(), s.dial_is_ip(),
                                         std::min(connect_deadline, deadline), s.lowest(), problem,
                                         s.addresses.get(), label))
    co_return s.failure(dial_ec);
  boost::system::error_code ignored;
  s.lowest().set_option(tcp::no_delay(true), ignored);

  if (s.proxy) {
    if (auto ec = co_await s.through_proxy(connect_deadline, deadline, problem)) co_return ec;
  }
  if (s.secure_in_secure) {
    if (auto ec = co_await s.handshake(*s.secure_in_secure, s.host, s.host_is_ip, s.where(),
                                       deadline, problem))
      co_return ec;
  } else if (s.target_tls) {
    if (auto ec = co_await s.handshake(*s.secure, s.host, s.host_is_ip, s.where(), deadline,
                                       problem))
      co_return ec;
  }
  s.resumed = s.target_ssl() && SSL_session_reused(s.target_ssl()) == 1;
  if (SSL* ssl = s.target_ssl()) {
    const unsigned char* picked = nullptr;
    unsigned length = 0;
    SSL_get0_alpn_selected(ssl, &picked, &length);
    s.speaks_h2 = s.offer_h2 && std::string_view(reinterpret_cast<const char*>(picked), length) == "h2";
  } else {
    // Prior knowledge is for a plain connection to the API host itself: an http:// proxy
    // forwards absolute-form HTTP/1.1 requests.
    s.speaks_h2 = s.h2_prior_knowledge && !s.proxy;
  }
  s.last_used = clock::now();
  co_return boost::system::error_code{};
}

// TLS with `name` (the API host, or an https:// proxy) by deadline: SNI names the host; IP
// literals are not sent (RFC 6066) but still verified. `peer` is what messages call it.
template <typename Stream>
asio::awaitable<boost::system::error_code> connection::impl::handshake(
    Stream& stream, const std::string& name, bool name_is_ip, std::string_view peer,
    clock::time_point deadline, std::string& problem) {
  if (!name_is_ip && !SSL_set_tlsext_host_name(stream.native_handle(), name.c_str())) {
    problem = "cannot set TLS server name " + name;
    co_return failure(make_error_code(boost::system::errc::invalid_argument));
  }
  stream.set_verify_callback(ssl::host_name_verification(name));
  offer_saved_session(stream.native_handle());
  // ALPN with the API host only: a proxy's TLS carries the tunnel, not HTTP/2.
  static constexpr unsigned char h2_and_http1[] = "\x02h2\x08http/1.1";
  if (offer_h2 && stream.native_handle() == target_ssl() &&
      SSL_set_alpn_protos(stream.native_handle(), h2_and_http1, sizeof h2_and_http1 - 1) != 0) {
    problem = "cannot offer HTTP/2 (ALPN) to " + std::string(peer);
    co_return failure(make_error_code(boost::system::errc::invalid_argument));
  }
  arm(deadline, co_await asio::this_coro::executor);
  auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  disarm();
  if (!handshake_ec) co_return boost::system::error_code{};
  problem = "TLS handshake with " + std::string(peer) + " failed: " +
            (timed_out ? std::string("timed out") : handshake_ec.message());
  const long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) problem += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  if (stream.native_handle() == target_ssl()) problem += certificate_refusal(handshake_ec);
  const auto result = failure(handshake_ec);
  // An issuer missing because the CA bundle could not be read: that is the cause to fix.
  if (const auto unread = trust_bundle_failure(stream.native_handle())) {
    problem += "; " + unread.message();
    last_cause = unread;
  }
  co_return result;
}

// After the TCP connection to the proxy: TLS to an https:// proxy, verified with the proxy's
// name, then for https:// targets the CONNECT tunnel, by the connect deadline (it is how the
// API host is reached). http:// targets need no tunnel: their requests name the host.
asio::awaitable<boost::system::error_code> connection::impl::through_proxy(
    clock::time_point connect_deadline, clock::time_point deadline, std::string& problem) {
  const proxy_url& p = proxy->url;
  auto& to_proxy = secure_in_secure ? secure_in_secure->next_layer() : *secure;
  if (p.tls) {
    if (auto ec = co_await handshake(to_proxy, p.host, p.host_is_ip, "proxy " + p.name,
                                     deadline, problem))
      co_return ec;
  }
  if (!target_tls) co_return boost::system::error_code{};
  arm(std::min(connect_deadline, deadline), co_await asio::this_coro::executor);
  // An if, not a conditional expression: GCC 12 miscompiles co_await inside `?:`.
  boost::system::error_code ec;
  if (p.tls)
    ec = co_await open_tunnel(to_proxy, p, target, buffer, problem);
  else
    ec = co_await open_tunnel(secure->next_layer(), p, target, buffer, problem);
  disarm();
  if (!ec) co_return ec;
  if (timed_out) problem = "proxy " + p.name + " did not answer CONNECT in time";
  buffer.clear();
  co_return failure(ec);
}

// Reads until the reader has a whole final response: Beast's parser over this connection's
// buffer, without Beast's composed read operations. Interim (1xx) responses are skipped; every
// byte that is not body counts against response_limits.
template <typename Stream>
asio::awaitable<boost::system::error_code> connection::impl::read_response(
    Stream& stream, http::response& out, std::size_t body_limit,
    const http::response_header_names& keep) {
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
        if (!http::is_interim(out.status)) co_return beast::error_code{};
        if (out.status == 101) {
          read_problem = "server at " + where() + " switched protocols (101), unasked";
          co_return beast_http::error::bad_status;
        }
        // What the interim response said is not the answer: start over for the final one.
        out.clear();
        reader.emplace(out, keep, body_limit);
        after_interim = true;
        if (auto refused = over_limits(consumed)) co_return refused;
        continue;
      }
      if (ec && ec != beast_http::error::need_more) co_return ec;
      if (auto refused = over_limits(consumed)) co_return refused;
      if (!ec && used > 0 && buffer.size() > 0) continue;  // more to parse without reading
    }
    // A cancellation that arrived between two reads reached no operation; it still counts.
    if (cancellation.cancelled() != asio::cancellation_type::none)
      co_return make_error_code(asio::error::operation_aborted);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(read_size), use_tuple);
    buffer.commit(n);
    bytes_received += n;
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      // The server closed the connection: the end of a response without a length, or a cut.
      if (!reader->got_some()) {
        if (!after_interim) co_return beast_http::error::end_of_stream;
        read_problem = "server at " + where() +
                       " closed the connection after an interim (1xx) response, without a "
                       "final one";
        co_return beast_http::error::bad_status;
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
    Stream& stream, const http::request& req, http::response& out, clock::time_point deadline,
    std::size_t body_limit, const http::response_header_names& keep, std::string& problem) {
  reusable = false;
  received_any = false;
  bytes_sent = bytes_received = 0;
  read_problem.clear();
  http::render_request(req, wire);
  if (proxy && !target_tls) to_proxy_form(wire, proxy->url, target);
  reader.emplace(out, keep, body_limit);

  arm(deadline, co_await asio::this_coro::executor);
  auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(wire), use_tuple);
  bytes_sent = written;
  boost::system::error_code read_ec;
  if (!write_ec) read_ec = co_await read_response(stream, out, body_limit, keep);
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
    if (read_ec == beast_http::error::body_limit)
      problem = "response body from " + where() + " exceeds the limit of " +
                std::to_string(body_limit) + " bytes";
    else if (read_ec == beast_http::error::header_limit && read_problem.empty())
      problem = "response headers from " + where() + " exceed the limit of " +
                std::to_string(http::response_limits::header_bytes) + " bytes";
    else if (!read_problem.empty() && !timed_out)
      problem = read_problem;
    // TLS 1.3 ends the client's side of the handshake before the server has judged its
    // certificate: the server's refusal arrives as an alert on the first read.
    if (exchanges == 0 && !timed_out)
      if (const std::string why = certificate_refusal(read_ec); !why.empty())
        problem = "TLS handshake with " + where() + " failed: " + read_ec.message() + why;
    co_return failure(read_ec);
  }

  if (proxy && !target_tls) {
    if (auto refused = judge_proxied_status(out.status, proxy->url, problem))
      co_return failure(refused);
  }
  // Bytes beyond the response mean the server is not speaking plain request/response.
  reusable = reader->keep_alive() && buffer.size() == 0 &&
             !http::announces_body_it_may_not_have(out.status, *reader);
  peek_before_reuse = out.status == 204 || out.status == 304;
  ++exchanges;
  last_used = clock::now();
  co_return boost::system::error_code{};
}

asio::awaitable<boost::system::error_code> connection::exchange(
    const http::request& request, http::response& out, clock::time_point deadline,
    std::size_t body_limit, const http::response_header_names& keep, std::string& problem) {
  // Not a coroutine itself: it hands out exchange_on's, one frame less per request.
  if (impl_->secure_in_secure)
    return impl_->exchange_on(*impl_->secure_in_secure, request, out, deadline, body_limit, keep,
                              problem);
  if (impl_->secure)
    return impl_->exchange_on(*impl_->secure, request, out, deadline, body_limit, keep, problem);
  return impl_->exchange_on(*impl_->plain, request, out, deadline, body_limit, keep, problem);
}

bool connection::reusable() const noexcept { return impl_->reusable; }
boost::system::error_code connection::last_cause() const noexcept { return impl_->last_cause; }
bool connection::received_any() const noexcept { return impl_->received_any; }
bool connection::resumed() const noexcept { return impl_->resumed; }
std::size_t connection::exchanges() const noexcept { return impl_->exchanges; }
std::size_t connection::bytes_sent() const noexcept { return impl_->bytes_sent; }
std::size_t connection::bytes_received() const noexcept { return impl_->bytes_received; }
connection::clock::time_point connection::last_used() const noexcept { return impl_->last_used; }

bool connection::idle_and_healthy() noexcept {
  auto& socket = impl_->lowest();
  if (!impl_->reusable || !socket.is_open() || impl_->buffer.size() != 0) return false;
  if (impl_->secure && SSL_pending(impl_->secure->native_handle()) > 0) return false;
  if (impl_->secure_in_secure && (SSL_pending(impl_->secure_in_secure->native_handle()) > 0 ||
                                  SSL_pending(impl_->secure_in_secure->next_layer().native_handle()) > 0))
    return false;
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

bool connection::has_buffered_input() const noexcept {
  SSL* ssl = impl_->target_ssl();
  if (!ssl) return false;
  return SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
}

std::string connection::certificate_refusal(const boost::system::error_code& ec) {
  return impl_->certificate_refusal(ec);
}

void connection::offer_http2(bool offer, bool prior_knowledge) noexcept {
  impl_->offer_h2 = offer;
  impl_->h2_prior_knowledge = offer && prior_knowledge;
}

bool connection::speaks_http2() const noexcept { return impl_->speaks_h2; }

void connection::async_read_some(asio::mutable_buffer buffer, io_callback handler) {
  impl& s = *impl_;
  if (s.secure_in_secure)
    s.secure_in_secure->async_read_some(buffer, std::move(handler));
  else if (s.secure)
    s.secure->async_read_some(buffer, std::move(handler));
  else
    s.plain->async_read_some(buffer, std::move(handler));
}

void connection::async_write(asio::const_buffer buffer, io_callback handler) {
  impl& s = *impl_;
  if (s.secure_in_secure)
    asio::async_write(*s.secure_in_secure, buffer, std::move(handler));
  else if (s.secure)
    asio::async_write(*s.secure, buffer, std::move(handler));
  else
    asio::async_write(*s.plain, buffer, std::move(handler));
}

void connection::close() noexcept {
  impl_->reusable = false;
  boost::system::error_code ignored;
  impl_->lowest().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->lowest().close(ignored);
}

}  // namespace openai::detail

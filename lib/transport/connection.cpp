#include "transport/connection.hpp"

#include "transport/io_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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
constexpr std::uint32_t header_limit = 64 * 1024;

http::verb to_verb(http_method m) {
  switch (m) {
    case http_method::get: return http::verb::get;
    case http_method::post: return http::verb::post;
    case http_method::delete_: return http::verb::delete_;
  }
  return http::verb::get;
}

void copy_header(const http::fields& fields, std::string_view name, std::string& out) {
  auto it = fields.find(name);
  if (it != fields.end()) out.assign(it->value().data(), it->value().size());
}

}  // namespace

struct connection::impl {
  asio::any_io_executor executor;
  std::string host;
  std::string port;
  bool host_is_ip;
  std::shared_ptr<ssl::context> tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<ssl::stream<beast::tcp_stream>> secure;
  // Reused for every exchange on this connection: no per-request buffer allocation.
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  bool reusable = false;
  bool received_any = false;
  std::size_t exchanges = 0;
  clock::time_point last_used = clock::now();

  beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }

  std::string where() const { return host + ":" + port; }

  template <typename Stream>
  asio::awaitable<boost::system::error_code> exchange_on(Stream& stream, const http_request& req,
                                                         http_response& out,
                                                         clock::time_point deadline,
                                                         std::size_t body_limit,
                                                         std::string& problem);
};

connection::connection(asio::any_io_executor executor, const base_url& url,
                       std::shared_ptr<ssl::context> tls)
    : impl_(std::make_unique<impl>()) {
  impl_->executor = executor;
  impl_->host = url.host;
  impl_->port = url.port;
  impl_->host_is_ip = url.host_is_ip;
  impl_->tls = std::move(tls);
  if (impl_->tls)
    impl_->secure.emplace(executor, *impl_->tls);
  else
    impl_->plain.emplace(executor);
}

connection::~connection() = default;

asio::awaitable<boost::system::error_code> connection::open(clock::time_point connect_deadline,
                                                            clock::time_point deadline,
                                                            std::string& problem) {
  impl& s = *impl_;
  tcp::resolver resolver(s.executor);
  auto flags = s.host_is_ip ? tcp::resolver::numeric_host : tcp::resolver::flags{};
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(s.host, s.port, flags | tcp::resolver::numeric_service,
                                      use_tuple);
  if (resolve_ec) {
    problem = "cannot resolve " + s.host + ": " + resolve_ec.message();
    co_return classify_io_error(resolve_ec);
  }

  s.lowest().expires_at(std::min(connect_deadline, deadline));
  auto [connect_ec, endpoint] = co_await s.lowest().async_connect(endpoints, use_tuple);
  if (connect_ec) {
    problem = "cannot connect to " + s.where() + ": " + connect_ec.message();
    co_return classify_io_error(connect_ec);
  }
  boost::system::error_code ignored;
  s.lowest().socket().set_option(tcp::no_delay(true), ignored);

  if (s.secure) {
    // SNI names the host; IP literals are not sent (RFC 6066) but still verified below.
    if (!s.host_is_ip && !SSL_set_tlsext_host_name(s.secure->native_handle(), s.host.c_str())) {
      problem = "cannot set TLS server name " + s.host;
      co_return make_error_code(errc::network);
    }
    s.secure->set_verify_callback(ssl::host_name_verification(s.host));
    s.lowest().expires_at(deadline);
    auto [handshake_ec] = co_await s.secure->async_handshake(ssl::stream_base::client, use_tuple);
    if (handshake_ec) {
      problem = "TLS handshake with " + s.where() + " failed: " + handshake_ec.message();
      const long verify = SSL_get_verify_result(s.secure->native_handle());
      if (verify != X509_V_OK)
        problem += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      co_return classify_io_error(handshake_ec);
    }
  }
  s.last_used = clock::now();
  co_return boost::system::error_code{};
}

template <typename Stream>
asio::awaitable<boost::system::error_code> connection::impl::exchange_on(
    Stream& stream, const http_request& req, http_response& out, clock::time_point deadline,
    std::size_t body_limit, std::string& problem) {
  reusable = false;
  received_any = false;

  request.clear();
  request.method(to_verb(req.method));
  request.target(req.target);
  request.version(11);
  for (const auto& [name, value] : *req.common_headers) request.set(name, value);
  for (const auto& [name, value] : req.extra_headers) request.set(name, value);
  request.body() = req.body;
  request.prepare_payload();

  lowest().expires_at(deadline);
  auto [write_ec, written] = co_await http::async_write(stream, request, use_tuple);
  if (write_ec) {
    problem = "sending the request to " + where() + " failed: " + write_ec.message();
    co_return classify_io_error(write_ec);
  }

  parser.emplace();
  parser->header_limit(header_limit);
  parser->body_limit(body_limit);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, *parser, use_tuple);
  received_any = parser->got_some() || buffer.size() > 0;
  if (read_ec) {
    problem = "reading the response from " + where() + " failed: " + read_ec.message();
    if (read_ec == http::error::body_limit)
      problem = "response body from " + where() + " exceeds the limit of " +
                std::to_string(body_limit) + " bytes";
    co_return classify_io_error(read_ec);
  }

  auto& response = parser->get();
  out.status = response.result_int();
  out.body = std::move(response.body());
  const auto& fields = response.base();
  copy_header(fields, "x-request-id", out.request_id);
  copy_header(fields, "x-should-retry", out.should_retry);
  copy_header(fields, "retry-after-ms", out.retry_after_ms);
  copy_header(fields, "retry-after", out.retry_after);
  copy_header(fields, "x-ratelimit-remaining-requests", out.ratelimit_remaining_requests);
  copy_header(fields, "x-ratelimit-reset-requests", out.ratelimit_reset_requests);
  // Bytes beyond the response mean the server is not speaking plain request/response.
  reusable = response.keep_alive() && buffer.size() == 0;
  ++exchanges;
  last_used = clock::now();
  co_return boost::system::error_code{};
}

asio::awaitable<boost::system::error_code> connection::exchange(const http_request& request,
                                                                http_response& out,
                                                                clock::time_point deadline,
                                                                std::size_t body_limit,
                                                                std::string& problem) {
  if (impl_->secure)
    co_return co_await impl_->exchange_on(*impl_->secure, request, out, deadline, body_limit,
                                          problem);
  co_return co_await impl_->exchange_on(*impl_->plain, request, out, deadline, body_limit,
                                        problem);
}

bool connection::reusable() const noexcept { return impl_->reusable; }
bool connection::received_any() const noexcept { return impl_->received_any; }
std::size_t connection::exchanges() const noexcept { return impl_->exchanges; }
connection::clock::time_point connection::last_used() const noexcept { return impl_->last_used; }

bool connection::idle_and_healthy() noexcept {
  auto& socket = impl_->lowest().socket();
  if (!impl_->reusable || !socket.is_open() || impl_->buffer.size() != 0) return false;
  if (impl_->secure && SSL_pending(impl_->secure->native_handle()) > 0) return false;
  // An idle connection has nothing to read: a 0 means the peer closed it, bytes mean it sent
  // something unasked (a TLS alert, garbage). Either way it cannot carry a request.
  char probe;
  const auto n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void connection::close() noexcept {
  impl_->reusable = false;
  boost::system::error_code ignored;
  impl_->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->lowest().socket().close(ignored);
}

}  // namespace openai::detail

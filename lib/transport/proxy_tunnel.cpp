#include "transport/proxy_tunnel.hpp"

#include "http/response_parser.hpp"
#include "transport/proxy_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

namespace openai::detail {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string status_text(unsigned status) {
  std::string text = std::to_string(status);
  const auto reason = beast_http::obsolete_reason(static_cast<beast_http::status>(status));
  if (reason != "<unknown-status>") text.append(" ").append(reason.data(), reason.size());
  return text;
}

// Names the credentials' fate without quoting them.
std::string refused_credentials(const proxy_url& proxy, unsigned status) {
  return "proxy " + proxy.name +
         (proxy.authorization.empty()
              ? " requires authentication and the proxy URL has no user:password ("
              : " refused the credentials of the proxy URL (") +
         status_text(status) + ")";
}

}  // namespace

std::string connect_request(const proxy_url& proxy, const base_url& target) {
  const std::string authority = authority_of(target);
  std::string out = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (!proxy.authorization.empty()) out += "Proxy-Authorization: " + proxy.authorization + "\r\n";
  out += "\r\n";
  return out;
}

boost::system::error_code judge_connect_answer(unsigned status, bool announced_body,
                                               std::size_t extra_bytes, const proxy_url& proxy,
                                               const base_url& target, std::string& problem) {
  if (status >= 200 && status <= 299) {
    // RFC 9110 9.3.6 forbids a body here; one would be read as the API server's TLS bytes.
    if (!announced_body && extra_bytes == 0) return {};
    problem = "proxy " + proxy.name + " answered CONNECT " + authority_of(target) + " with " +
              status_text(status) + " and a body, where the tunnel should begin";
    return proxy_errc::bad_answer;
  }
  // tinyproxy 1.11 answers wrong credentials with 401 and missing ones with 407.
  if (status == 407 || status == 401) {
    problem = refused_credentials(proxy, status);
    return proxy_errc::authentication;
  }
  problem = "proxy " + proxy.name + " refused to connect to " + authority_of(target) + ": " +
            status_text(status);
  return proxy_errc::refused;
}

void to_proxy_form(std::string& wire, const proxy_url& proxy, const base_url& target) {
  const auto target_start = wire.find(' ') + 1;
  wire.insert(target_start, "http://" + target.host_header);
  if (proxy.authorization.empty()) return;
  const auto headers_start = wire.find("\r\n") + 2;
  wire.insert(headers_start, "Proxy-Authorization: " + proxy.authorization + "\r\n");
}

boost::system::error_code judge_proxied_status(unsigned status, const proxy_url& proxy,
                                               std::string& problem) {
  if (status != 407) return {};
  problem = refused_credentials(proxy, status);
  return proxy_errc::authentication;
}

template <typename Stream>
asio::awaitable<boost::system::error_code> open_tunnel(Stream& stream, const proxy_url& proxy,
                                                       const base_url& target,
                                                       boost::beast::flat_buffer& buffer,
                                                       std::string& problem) {
  const std::string request = connect_request(proxy, target);
  auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(request), use_tuple);
  if (write_ec) {
    problem = "cannot send CONNECT to proxy " + proxy.name + ": " + write_ec.message();
    co_return write_ec;
  }
  static const http::response_header_names no_headers{};
  http::response answer;
  std::optional<http::response_parser> reader;
  auto start_reader = [&] {
    answer.clear();
    reader.emplace(answer, no_headers, 0);
    reader->skip(true);  // no body: the tunnel follows the header
  };
  start_reader();
  bool got_any = false;
  for (;;) {
    if (buffer.size() > 0) {
      got_any = true;
      boost::beast::error_code ec;
      buffer.consume(reader->put(buffer.data(), ec));
      if (reader->is_done() && http::is_interim(answer.status)) {
        start_reader();
        continue;
      }
      if (reader->is_done()) break;
      if (ec && ec != beast_http::error::need_more) {
        problem = "proxy " + proxy.name + " answered CONNECT with a malformed response: " +
                  ec.message();
        co_return ec;
      }
    }
    auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
    buffer.commit(n);
    if (read_ec == asio::error::eof || read_ec == asio::ssl::error::stream_truncated) {
      if (got_any || buffer.size() > 0) {
        problem = "proxy " + proxy.name + " closed the connection inside its answer to CONNECT";
        co_return make_error_code(proxy_errc::bad_answer);
      }
      problem = "proxy " + proxy.name + " closed the connection without answering CONNECT";
      co_return make_error_code(beast_http::error::end_of_stream);
    }
    if (read_ec) {
      problem = "proxy " + proxy.name + " connection failed during CONNECT: " + read_ec.message();
      co_return read_ec;
    }
  }
  const bool announced_body = reader->chunked() || reader->content_length().value_or(0) > 0;
  co_return judge_connect_answer(answer.status, announced_body, buffer.size(), proxy, target,
                                 problem);
}

template asio::awaitable<boost::system::error_code> open_tunnel(asio::ip::tcp::socket&,
                                                                const proxy_url&, const base_url&,
                                                                boost::beast::flat_buffer&,
                                                                std::string&);
template asio::awaitable<boost::system::error_code> open_tunnel(
    asio::ssl::stream<asio::ip::tcp::socket>&, const proxy_url&, const base_url&,
    boost::beast::flat_buffer&, std::string&);

}  // namespace openai::detail

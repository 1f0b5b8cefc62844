// The proxy's part of a connection: the CONNECT tunnel for https:// targets, and the
// absolute-form requests with Proxy-Authorization for http:// targets. The decisions (what to
// send, what an answer means) are plain functions, unit-tested; open_tunnel is the thin
// coroutine around them that connection::open calls after connecting to the proxy.
#pragma once

#include "http/proxy_route.hpp"
#include "http/url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace openai::detail {

// The proxy of a client's connections, shared by all of them.
struct proxy_hop {
  proxy_url url;
  // For https:// proxies: the client's trust store in a context of its own, so that a TLS
  // session of the proxy is never offered to the API host, nor the other way round.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

// "CONNECT host:port HTTP/1.1" with Host and, with credentials, Proxy-Authorization.
std::string connect_request(const proxy_url& proxy, const base_url& target);

// What the proxy's answer to CONNECT means: no error when the tunnel is open, else a
// proxy_errc and `problem` naming the proxy (never its credentials). `announced_body`: the
// answer has a Content-Length above 0 or is chunked; `extra_bytes`: bytes after its header,
// which a tunnel cannot carry before the client has spoken.
boost::system::error_code judge_connect_answer(unsigned status, bool announced_body,
                                               std::size_t extra_bytes, const proxy_url& proxy,
                                               const base_url& target, std::string& problem);

// An http:// request as a proxy takes it (RFC 9112 3.2.2): the origin-form target of `wire`
// (a rendered request) made absolute, and Proxy-Authorization after the request line when
// the proxy has credentials.
void to_proxy_form(std::string& wire, const proxy_url& proxy, const base_url& target);

// A 407 to an absolute-form request comes from the proxy, not the API: no error otherwise.
boost::system::error_code judge_proxied_status(unsigned status, const proxy_url& proxy,
                                               std::string& problem);

// Sends CONNECT over `stream` (the connection to the proxy: TCP, or TLS for an https:// proxy)
// and reads the answer into `buffer` with http::response_parser (response_limits apply). The
// caller's watchdog bounds the time. Errors: proxy_errc (see judge_connect_answer), the
// socket's, Beast's parser errors for a malformed answer, end_of_stream when the proxy closed
// without a word.
template <typename Stream>
boost::asio::awaitable<boost::system::error_code> open_tunnel(Stream& stream,
                                                              const proxy_url& proxy,
                                                              const base_url& target,
                                                              boost::beast::flat_buffer& buffer,
                                                              std::string& problem);

extern template boost::asio::awaitable<boost::system::error_code> open_tunnel(
    boost::asio::ip::tcp::socket&, const proxy_url&, const base_url&,
    boost::beast::flat_buffer&, std::string&);
extern template boost::asio::awaitable<boost::system::error_code> open_tunnel(
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket>&, const proxy_url&,
    const base_url&, boost::beast::flat_buffer&, std::string&);

}  // namespace openai::detail

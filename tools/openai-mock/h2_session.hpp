// Internal: one TLS connection that negotiated "h2" (ALPN), or a plain one that opened with
// the HTTP/2 preface (h2c, prior knowledge), served with nghttp2's server session. Every complete
// request on a stream goes through the same fault plan and handlers as an HTTP/1.1 request
// (server::impl::decide_fault, server::impl::answer); only how the answer travels differs.
//
// The fault plan per stream: none, respond, delay and the headers of any step as over
// HTTP/1.1; reset is RST_STREAM INTERNAL_ERROR before any response; reset_mid_response sends
// HEADERS and part of the body, then RST_STREAM INTERNAL_ERROR; truncate announces a
// content-length above what DATA carries; close_after_response answers, then sends GOAWAY
// naming this stream; rst_stream, goaway, stall_window and drop_connection are the HTTP/2
// faults of fault.hpp, and so are the hostile ones (continuation_flood ... many_settings),
// whose frames (hostile_frames.hpp) are written after nghttp2's. The other actions (wire faults with no HTTP/2 meaning: slow_drip,
// malformed_*, chunked, oversized, idle_close, interim*, no_content_with_body, endless) are
// answered normally, and counted as injected.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <string_view>

#include "server_impl.hpp"

namespace openai_mock {

using tls_stream = asio::ssl::stream<boost::beast::tcp_stream>;

// How serving a connection ended; decides whether it is closed politely (close_notify).
enum class ending { polite, abrupt };

// Serves HTTP/2 on `stream` (handshake done, "h2" selected) until the client goes away, the
// idle timeout passes, a fault ends the connection, or the server stops. `link` is the
// session stop() reaches: its `busy` is kept true while any response is due or being sent.
asio::awaitable<ending> serve_h2(server::impl& s, tls_stream& stream, session_link& link);

// HTTP/2 with prior knowledge (h2c) on a plain connection whose first bytes, `already_read`,
// were the connection preface (and maybe more).
asio::awaitable<ending> serve_h2(server::impl& s, boost::beast::tcp_stream& stream,
                                 session_link& link, std::string_view already_read);

// What a client with prior knowledge sends first (RFC 9113 section 3.4).
inline constexpr std::string_view h2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// True while `bytes` could still be the start of that preface (or are all of it and more).
bool is_h2_preface_prefix(std::string_view bytes) noexcept;

}  // namespace openai_mock

// How an HTTP/2 exchange failed, as error codes of their own: the transport knows what the
// server's frames said, api/classify turns it into the kind the caller acts on, and the attempt
// loop re-sends what the server never processed.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace openai::detail {

enum class h2_errc {
  // The server did not process the request (RST_STREAM REFUSED_STREAM, a stream above a
  // GOAWAY's last-stream-id, or a request still queued when the connection went away):
  // sending it again is safe and is not another attempt.
  unprocessed = 1,
  stream_reset,    // the server reset the stream with another error code
  protocol_error,  // the server broke HTTP/2 (frames, HPACK, or the HTTP semantics over it)
  incomplete,      // the stream ended before a whole response
  not_negotiated,  // http_version::http2 asked for, and the server picked HTTP/1.1 in ALPN
  ping_timeout,    // an idle connection did not answer PING: the request was not sent on it
  // Another stream's response broke the connection (a connection error the client detected,
  // caused by one stream or by frames on the connection itself): this request was sent and may
  // have been processed, so it is another attempt on a new connection, as after a dropped one.
  connection_failed,
};

inline const boost::system::error_category& h2_category() noexcept {
  struct category final : boost::system::error_category {
    const char* name() const noexcept override { return "openai.h2"; }
    std::string message(int value) const override {
      switch (static_cast<h2_errc>(value)) {
        case h2_errc::unprocessed: return "request not processed by the server (HTTP/2)";
        case h2_errc::stream_reset: return "HTTP/2 stream reset by the server";
        case h2_errc::protocol_error: return "HTTP/2 protocol error";
        case h2_errc::incomplete: return "HTTP/2 stream ended before the whole response";
        case h2_errc::not_negotiated: return "server did not agree to HTTP/2";
        case h2_errc::ping_timeout: return "HTTP/2 connection did not answer PING";
        case h2_errc::connection_failed:
          return "HTTP/2 connection failed over another stream's response";
      }
      return "HTTP/2 error";
    }
  };
  static const category instance;
  return instance;
}

inline boost::system::error_code make_error_code(h2_errc e) noexcept {
  return {static_cast<int>(e), h2_category()};
}

}  // namespace openai::detail

template <>
struct boost::system::is_error_code_enum<openai::detail::h2_errc> : std::true_type {};

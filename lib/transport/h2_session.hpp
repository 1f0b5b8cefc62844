// The client side of one HTTP/2 connection as a sans-io state machine over nghttp2: requests go
// in as streams, the server's bytes go in as they are read, frames to write come out, and each
// stream ends exactly once as a completion. No sockets, no timers, no threads: h2_connection
// drives it over a connection's bytes, the unit tests and the fuzzer drive it from memory.
// nghttp2 (framing, HPACK, flow control, SETTINGS) stays in h2_session.cpp.
#pragma once

#include "http/message.hpp"

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace openai::detail {

class h2_session {
 public:
  // client_max_streams: streams at once at most, whatever the server allows.
  explicit h2_session(std::size_t client_max_streams);
  ~h2_session();
  h2_session(const h2_session&) = delete;
  h2_session& operator=(const h2_session&) = delete;

  // Where one request's answer goes. `out`, `keep` and the request's body must stay valid until
  // the stream's completion is taken, or until abandon().
  struct stream_target {
    http::response* out = nullptr;
    const http::response_header_names* keep = nullptr;
    std::size_t body_limit = 0;
  };

  // Starts a request; `tag` names it in its completion. authority: the Host header's value.
  // False when the session cannot take it (it has failed, or the server is going away): then
  // no completion follows.
  bool submit(const http::request& request, std::string_view authority, bool tls,
              stream_target target, std::uint64_t tag);

  // The caller gave up on the stream (timeout, cancellation): RST_STREAM CANCEL goes out, and
  // no completion follows for it. Unknown or finished tags are ignored.
  void abandon(std::uint64_t tag);

  // Sends a PING; ping_acked() counts the ACKs.
  void ping();
  std::uint64_t pings_acked() const noexcept { return pings_acked_; }

  // The server's bytes. False when they broke HTTP/2 for the whole connection: every stream
  // has completed then (problem() says why), and the session takes nothing more. The stream
  // whose frame did it completes with h2_errc::protocol_error and what the server did; the
  // others with h2_errc::connection_failed (sent: another attempt elsewhere) or
  // h2_errc::unprocessed (never sent). take_farewell() then holds the client's GOAWAY.
  bool receive(const std::uint8_t* data, std::size_t size);

  // Appends the frames due to the server (the preface first); nothing when none are.
  void produce(std::string& out);

  // The client's GOAWAY after a connection error the server's bytes caused, to write before
  // the connection is closed; empty otherwise, and after the first call.
  std::string take_farewell();

  // The connection under the session failed (or was closed): every stream still open completes
  // with `ec`, those the server never saw as h2_errc::unprocessed.
  void fail(boost::system::error_code ec, std::string_view problem);

  struct completion {
    std::uint64_t tag = 0;
    boost::system::error_code ec;  // empty: *out holds the whole response
    std::string problem;           // with ec, readable
    std::size_t bytes_sent = 0;      // of this stream: header fields and body
    std::size_t bytes_received = 0;  // of this stream: header fields and DATA payload
  };
  // The streams that ended since the last call, in the order they ended.
  std::vector<completion>& completions() noexcept { return completions_; }

  // Streams open or queued, and how many the connection may carry at once: the lesser of the
  // client's cap and the server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until it says).
  std::size_t active() const noexcept;
  std::size_t capacity() const noexcept;
  // GOAWAY received, or stream ids used up: no new streams.
  bool going_away() const noexcept;
  // Failed, or neither side has anything more to say.
  bool finished() const noexcept;
  const std::string& problem() const noexcept { return problem_; }

 private:
  struct state;
  struct stream;
  std::unique_ptr<state> state_;
  std::vector<completion> completions_;
  std::string problem_;
  std::uint64_t pings_acked_ = 0;
};

}  // namespace openai::detail

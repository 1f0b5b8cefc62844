#include "transport/h2_session.hpp"

#include "http/render.hpp"
#include "http/response_limits.hpp"
#include "transport/h2_error.hpp"

#include <boost/beast/http/error.hpp>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <utility>

namespace openai::detail {

namespace beast_http = boost::beast::http;

namespace {

// Until the server's SETTINGS arrive, the streams one connection may carry (nghttp2's own
// assumption for the peer, and the RFC's recommended minimum).
constexpr std::size_t streams_before_settings = 100;
// Flow-control windows the client grants: a response body of several megabytes (a page of a
// list) arrives without waiting for WINDOW_UPDATE round trips, and many streams at once do
// not starve each other through the connection's window.
constexpr std::int32_t stream_window = 1 << 20;
constexpr std::int32_t connection_window = 32 << 20;

// The client's own guards against a hostile server, set explicitly rather than left to
// whatever the installed nghttp2 defaults to (docs/design.md, "HTTP/2 guards").
// CONTINUATION frames after one HEADERS or PUSH_PROMISE: 64 KiB of headers (our cap) fit in
// HEADERS and four CONTINUATIONs of the default 16 KiB frame size; twice that is generous.
constexpr std::size_t max_continuations = 8;
// SETTINGS and PING ACKs nghttp2 may hold unsent: a server that makes the client queue more
// (a PING or SETTINGS flood) is cut off. A well-behaved server has one or two outstanding.
constexpr std::size_t max_outbound_ack = 100;
// Entries in one SETTINGS frame: RFC 9113 defines 6, extensions a few more, GREASE some.
constexpr std::size_t max_settings_entries = 32;
// Header fields per response (interim responses and trailers included). The byte cap
// (response_limits::header_bytes) alone lets through some 13,000 tiny fields, which HPACK can
// send as one byte each; no real response has more than a few dozen.
constexpr std::size_t max_header_fields = 1000;
// Until the server's SETTINGS say otherwise, the largest frame it may send (RFC 9113 6.5.2).
constexpr std::size_t default_max_frame_size = 16384;

const char* frame_type_name(std::uint8_t type) {
  switch (type) {
    case NGHTTP2_DATA: return "DATA";
    case NGHTTP2_HEADERS: return "HEADERS";
    case NGHTTP2_PRIORITY: return "PRIORITY";
    case NGHTTP2_RST_STREAM: return "RST_STREAM";
    case NGHTTP2_SETTINGS: return "SETTINGS";
    case NGHTTP2_PUSH_PROMISE: return "PUSH_PROMISE";
    case NGHTTP2_PING: return "PING";
    case NGHTTP2_GOAWAY: return "GOAWAY";
    case NGHTTP2_WINDOW_UPDATE: return "WINDOW_UPDATE";
    case NGHTTP2_CONTINUATION: return "CONTINUATION";
    default: return "unknown";
  }
}

const char* h2_code_name(std::uint32_t code) {
  switch (code) {
    case NGHTTP2_NO_ERROR: return "NO_ERROR";
    case NGHTTP2_PROTOCOL_ERROR: return "PROTOCOL_ERROR";
    case NGHTTP2_INTERNAL_ERROR: return "INTERNAL_ERROR";
    case NGHTTP2_FLOW_CONTROL_ERROR: return "FLOW_CONTROL_ERROR";
    case NGHTTP2_SETTINGS_TIMEOUT: return "SETTINGS_TIMEOUT";
    case NGHTTP2_STREAM_CLOSED: return "STREAM_CLOSED";
    case NGHTTP2_FRAME_SIZE_ERROR: return "FRAME_SIZE_ERROR";
    case NGHTTP2_REFUSED_STREAM: return "REFUSED_STREAM";
    case NGHTTP2_CANCEL: return "CANCEL";
    case NGHTTP2_COMPRESSION_ERROR: return "COMPRESSION_ERROR";
    case NGHTTP2_CONNECT_ERROR: return "CONNECT_ERROR";
    case NGHTTP2_ENHANCE_YOUR_CALM: return "ENHANCE_YOUR_CALM";
    case NGHTTP2_INADEQUATE_SECURITY: return "INADEQUATE_SECURITY";
    case NGHTTP2_HTTP_1_1_REQUIRED: return "HTTP_1_1_REQUIRED";
    default: return "an unknown error code";
  }
}

// The frame the server's bytes are in, read from the 9-byte frame headers as the bytes pass:
// receive() hands nghttp2 one frame at a time, so that when nghttp2 ends the connection the
// frame (and so the stream) that made it do so is known.
struct frame_tracker {
  std::uint8_t head[9];
  std::size_t head_have = 0;
  std::size_t payload_left = 0;
  bool in_payload = false;
  // The latest frame whose header was read whole.
  std::uint32_t length = 0;
  std::uint8_t type = 0;
  std::int32_t stream_id = 0;

  // How many of the `size` bytes at `data` to hand nghttp2 next: up to the end of the current
  // frame (or all of them, when it does not end in them).
  std::size_t take(const std::uint8_t* data, std::size_t size) {
    std::size_t used = 0;
    while (used < size) {
      if (!in_payload) {
        const std::size_t n = std::min(size - used, sizeof head - head_have);
        std::copy_n(data + used, n, head + head_have);
        head_have += n;
        used += n;
        if (head_have < sizeof head) return used;
        head_have = 0;
        length = (std::uint32_t{head[0]} << 16) | (std::uint32_t{head[1]} << 8) | head[2];
        type = head[3];
        stream_id = static_cast<std::int32_t>(((std::uint32_t{head[5]} << 24) |
                                               (std::uint32_t{head[6]} << 16) |
                                               (std::uint32_t{head[7]} << 8) | head[8]) &
                                              0x7fffffffu);
        payload_left = length;
        in_payload = payload_left > 0;
        if (!in_payload) return used;  // a frame without payload ends here
      }
      const std::size_t n = std::min(size - used, payload_left);
      payload_left -= n;
      used += n;
      if (payload_left == 0) in_payload = false;
      return used;
    }
    return used;
  }
};

// Fields a request may not carry over HTTP/2 (RFC 9113 8.2.2); Host becomes :authority.
bool connection_specific(std::string_view lower_name) {
  return lower_name == "host" || lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "proxy-connection" || lower_name == "transfer-encoding" ||
         lower_name == "upgrade" || lower_name == "te";
}

std::string to_lower(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

nghttp2_nv field(std::string_view name, std::string_view value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

struct h2_session::stream {
  std::uint64_t tag = 0;
  std::int32_t id = 0;
  stream_target target;
  std::string_view body;  // the request's, still to send from body_sent on
  std::size_t body_sent = 0;
  std::size_t header_bytes = 0;  // of the response, interim ones included
  std::size_t header_fields = 0;  // likewise
  std::size_t bytes_sent = 0, bytes_received = 0;
  bool headers_sent = false;  // the server has seen the request (or part of it)
  bool final_status = false;  // a non-1xx :status arrived
  bool in_trailers = false;   // the header block being read came after the final response's
  bool ended = false;         // END_STREAM after a final response
  std::uint32_t reset_by_server = 0;  // the code of the server's RST_STREAM, 0 when none
  bool reset_received = false;
};

struct h2_session::state {
  h2_session* owner = nullptr;
  nghttp2_session* session = nullptr;
  std::size_t client_max = 0;
  bool settings_received = false;
  bool goaway_received = false;
  bool failed = false;
  frame_tracker frames;
  // The client's GOAWAY after a connection error, still to be written (take_farewell()), and
  // what nghttp2 put into it.
  std::string farewell;
  bool goaway_sent = false;
  std::uint32_t goaway_code = 0;
  std::string goaway_reason;
  std::unordered_map<std::uint64_t, std::unique_ptr<stream>> by_tag;
  // The common headers' names in lower case ("" for those HTTP/2 drops), made once for the
  // list they are of: every request of a client shares one.
  std::shared_ptr<const http::header_list> lowered_for;
  std::vector<std::string> lowered;
  // Scratch reused by every submit: lower-case names of extra headers and the field list.
  std::vector<std::string> names;
  std::vector<nghttp2_nv> fields;
  char content_length[24];

  ~state() {
    if (session) nghttp2_session_del(session);
  }

  stream* of(std::int32_t id) const {
    return static_cast<stream*>(nghttp2_session_get_stream_user_data(session, id));
  }

  // The stream's one completion; nghttp2 forgets it, so later frames for it are ignored.
  void finish(stream* s, boost::system::error_code ec, std::string problem) {
    if (s->id > 0 && nghttp2_session_find_stream(session, s->id))
      nghttp2_session_set_stream_user_data(session, s->id, nullptr);
    owner->completions_.push_back({s->tag, ec, std::move(problem), s->bytes_sent,
                                   s->bytes_received});
    by_tag.erase(s->tag);
  }
  // An answer the client refuses (too big): the server is told to stop, the caller why.
  void refuse(stream* s, boost::system::error_code ec, std::string problem) {
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
    finish(s, ec, std::move(problem));
  }

  static state& of_user(void* user) { return *static_cast<state*>(user); }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t, void* user) {
    state& st = of_user(user);
    stream* s = st.of(frame->hd.stream_id);
    if (!s || frame->hd.type != NGHTTP2_HEADERS) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    s->bytes_received += namelen + valuelen;
    s->header_bytes += namelen + valuelen + 4;  // as ": " and CRLF would count over HTTP/1.1
    if (s->header_bytes > http::response_limits::header_bytes) {
      st.refuse(s, beast_http::error::header_limit,
                "response headers exceed the limit of " +
                    std::to_string(http::response_limits::header_bytes) + " bytes");
      return 0;
    }
    if (++s->header_fields > max_header_fields) {
      st.refuse(s, beast_http::error::header_limit,
                "response has more than " + std::to_string(max_header_fields) +
                    " header fields");
      return 0;
    }
    http::response& out = *s->target.out;
    if (n == ":status") {
      unsigned status = 0;
      std::from_chars(v.data(), v.data() + v.size(), status);  // nghttp2 checked: 3 digits
      // What an interim (1xx) response said is not the answer: start over for the final one.
      out.clear();
      out.status = status;
      s->final_status = status >= 200;
      return 0;
    }
    // Trailers: counted, not kept. (Not cat == NGHTTP2_HCAT_HEADERS: nghttp2 files the final
    // response after an interim one under it too.)
    if (s->in_trailers) return 0;
    const auto& keep = *s->target.keep;
    for (std::size_t i = 0; i < keep.count; ++i)
      if (n == keep.names[i]) out.kept[i].assign(v);
    return 0;
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (stream* s = of_user(user).of(frame->hd.stream_id)) s->in_trailers = s->final_status;
    return 0;
  }

  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                     std::size_t len, void* user) {
    state& st = of_user(user);
    stream* s = st.of(id);
    if (!s) return 0;  // abandoned or refused: its flow-control credit is still returned
    s->bytes_received += len;
    std::string& body = s->target.out->body;
    if (body.size() + len > s->target.body_limit) {
      st.refuse(s, beast_http::error::body_limit,
                "response body exceeds the limit of " + std::to_string(s->target.body_limit) +
                    " bytes");
      return 0;
    }
    body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    state& st = of_user(user);
    switch (frame->hd.type) {
      case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) st.settings_received = true;
        break;
      case NGHTTP2_PING:
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) ++st.owner->pings_acked_;
        break;
      case NGHTTP2_GOAWAY:
        st.goaway_received = true;
        break;
      case NGHTTP2_RST_STREAM:
        if (stream* s = st.of(frame->hd.stream_id)) {
          s->reset_received = true;
          s->reset_by_server = frame->rst_stream.error_code;
        }
        break;
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA:
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
          if (stream* s = st.of(frame->hd.stream_id)) s->ended = s->final_status;
        break;
      default:
        break;
    }
    (void)session;
    return 0;
  }

  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    state& st = of_user(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      st.goaway_sent = true;
      st.goaway_code = frame->goaway.error_code;
      st.goaway_reason.assign(reinterpret_cast<const char*>(frame->goaway.opaque_data),
                              frame->goaway.opaque_data_len);
    }
    if (frame->hd.type == NGHTTP2_HEADERS)
      if (stream* s = st.of(frame->hd.stream_id)) s->headers_sent = true;
    return 0;
  }

  // A request nghttp2 could not start (the server is going away, ids ran out): never seen by
  // the server, so safe to send elsewhere.
  static int on_frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int why,
                               void* user) {
    state& st = of_user(user);
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    for (auto& [tag, s] : st.by_tag) {
      if (s->id != frame->hd.stream_id) continue;
      if (!s->headers_sent)
        st.finish(s.get(), h2_errc::unprocessed,
                  std::string("request not sent over HTTP/2: ") + nghttp2_strerror(why));
      break;
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t code,
                             void* user) {
    state& st = of_user(user);
    stream* s = st.of(id);
    if (!s) return 0;
    if (code == NGHTTP2_NO_ERROR && s->ended) {
      st.finish(s, {}, {});
    } else if (code == NGHTTP2_REFUSED_STREAM) {
      // RST_STREAM REFUSED_STREAM, or above the last-stream-id of a GOAWAY (nghttp2 closes
      // those with this code): the server did not process it.
      st.finish(s, h2_errc::unprocessed,
                s->reset_received ? "server refused the stream (REFUSED_STREAM)"
                                  : "server is going away (GOAWAY) and did not process the "
                                    "request");
    } else if (s->reset_received) {
      st.finish(s, h2_errc::stream_reset,
                std::string("server reset the stream: ") + nghttp2_http2_strerror(code));
    } else if (code != NGHTTP2_NO_ERROR) {
      st.finish(s, h2_errc::protocol_error,
                std::string("response broke HTTP/2: ") + nghttp2_http2_strerror(code));
    } else {
      st.finish(s, h2_errc::incomplete, "stream ended before the whole response");
    }
    return 0;
  }

  // What the server did that made the connection fail, in words; lib_error: what mem_recv
  // returned (0 when it did not fail but nghttp2 ended the session and queued its GOAWAY).
  std::string describe(int lib_error) const {
    const std::string type = frame_type_name(frames.type);
    if (lib_error == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS)
      return "server sent more than " + std::to_string(max_continuations) +
             " CONTINUATION frames for one header block (a CONTINUATION flood)";
    if (lib_error == NGHTTP2_ERR_FLOODED)
      return "server flooded the connection: more than " + std::to_string(max_outbound_ack) +
             " PING or SETTINGS frames waiting for the client's ACK";
    if (lib_error != 0 && nghttp2_is_fatal(lib_error))
      return "server broke HTTP/2: " + std::string(nghttp2_strerror(lib_error));
    if (frames.type == NGHTTP2_PUSH_PROMISE)
      return "server sent PUSH_PROMISE although the client disabled server push "
             "(SETTINGS_ENABLE_PUSH 0)";
    std::string what;
    if (goaway_code == NGHTTP2_COMPRESSION_ERROR)
      what = "server sent a header block HPACK cannot decode";
    else if (goaway_code == NGHTTP2_FRAME_SIZE_ERROR)
      what = "server sent a " + type + " frame of " + std::to_string(frames.length) +
             " bytes" +
             (frames.length > default_max_frame_size ? ", above the largest frame the client "
                                                       "accepts"
                                                     : ", a size that frame may not have");
    else if (goaway_code == NGHTTP2_ENHANCE_YOUR_CALM && frames.type == NGHTTP2_SETTINGS)
      what = "server sent a SETTINGS frame of more than " +
             std::to_string(max_settings_entries) + " entries";
    else
      what = "server broke HTTP/2 with a " + type + " frame";
    what += std::string(" (") + h2_code_name(goaway_code);
    if (!goaway_reason.empty()) what += ": " + goaway_reason;
    return what + ")";
  }

  // The server's bytes made nghttp2 end the connection. The stream of the frame that did it
  // fails with what the server did; the other streams the server has seen go to a new
  // connection as another attempt (h2_errc::connection_failed), those it never saw as
  // unprocessed. The GOAWAY nghttp2 queued (or, when the session cannot go on, one of our own)
  // is kept for take_farewell().
  void connection_error(int lib_error) {
    if (lib_error == 0 || !nghttp2_is_fatal(lib_error)) {
      for (;;) {  // nghttp2's GOAWAY, with the error code and its reason
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(session, &data);
        if (n <= 0) break;
        farewell.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
      }
    }
    if (!goaway_sent) {
      // A fatal error (nghttp2 takes no more calls), or none queued: written by hand.
      goaway_code = lib_error == NGHTTP2_ERR_FLOODED ||
                            lib_error == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS
                        ? NGHTTP2_ENHANCE_YOUR_CALM
                        : NGHTTP2_PROTOCOL_ERROR;
      const std::uint8_t goaway[17] = {0, 0, 8, NGHTTP2_GOAWAY, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0,  // last-stream-id: the server starts none
                                       static_cast<std::uint8_t>(goaway_code >> 24),
                                       static_cast<std::uint8_t>(goaway_code >> 16),
                                       static_cast<std::uint8_t>(goaway_code >> 8),
                                       static_cast<std::uint8_t>(goaway_code)};
      farewell.append(reinterpret_cast<const char*>(goaway), sizeof goaway);
    }
    const std::string what = describe(lib_error);
    stream* culprit = nullptr;
    if (frames.stream_id > 0)
      for (auto& [tag, s] : by_tag)
        if (s->id == frames.stream_id) culprit = s.get();
    failed = true;
    if (owner->problem_.empty()) owner->problem_ = what;
    if (culprit) finish(culprit, h2_errc::protocol_error, what);
    const std::string others =
        "HTTP/2 connection failed: " + what +
        (culprit ? " on stream " + std::to_string(frames.stream_id) + ", another request's"
                 : std::string());
    while (!by_tag.empty()) {
      stream* s = by_tag.begin()->second.get();
      if (s->headers_sent)
        finish(s, h2_errc::connection_failed, others);
      else
        finish(s, h2_errc::unprocessed, "request not sent: " + others);
    }
  }

  static ssize_t read_body(nghttp2_session* session, std::int32_t id, std::uint8_t* buf,
                                 std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                                 void*) {
    auto* s = static_cast<stream*>(nghttp2_session_get_stream_user_data(session, id));
    if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // abandoned: the stream is reset
    const std::size_t n = std::min(length, s->body.size() - s->body_sent);
    std::copy_n(s->body.data() + s->body_sent, n, buf);
    s->body_sent += n;
    if (s->body_sent == s->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

h2_session::h2_session(std::size_t client_max_streams) : state_(std::make_unique<state>()) {
  state_->owner = this;
  state_->client_max = std::max<std::size_t>(client_max_streams, 1);
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &state::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &state::on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &state::on_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &state::on_frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &state::on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, &state::on_frame_not_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &state::on_stream_close);
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  nghttp2_option_set_peer_max_concurrent_streams(option, streams_before_settings);
  nghttp2_option_set_max_outbound_ack(option, max_outbound_ack);
  nghttp2_option_set_max_settings(option, max_settings_entries);
#ifdef OPENAI_ASIO_HAVE_NGHTTP2_MAX_CONTINUATIONS
  nghttp2_option_set_max_continuations(option, max_continuations);
#endif
  // Without that option (nghttp2 before 1.61, unless patched, as Debian's 1.52.0-1+deb12u2
  // is), a CONTINUATION flood still ends in bounded memory: nghttp2 decodes the block as it
  // comes, and on_header refuses the stream past max_header_fields or header_bytes.
  nghttp2_session_client_new2(&state_->session, callbacks, state_.get(), option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);

  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(stream_window)},
      // What on_header enforces anyway; said so that a server that honours it need not try.
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, http::response_limits::header_bytes},
  };
  nghttp2_submit_settings(state_->session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(state_->session, NGHTTP2_FLAG_NONE, 0,
                                        connection_window);
}

h2_session::~h2_session() = default;

bool h2_session::submit(const http::request& request, std::string_view authority, bool tls,
                        stream_target target, std::uint64_t tag) {
  state& st = *state_;
  if (st.failed || going_away()) return false;
  auto s = std::make_unique<stream>();
  s->tag = tag;
  s->target = target;
  s->body = request.body;

  st.fields.clear();
  std::size_t used = 0;  // of st.names
  // Sized before the fields point into them: growing the vector would move the strings, and a
  // short (SSO) name's bytes with them.
  if (st.names.size() < request.extra_headers.size()) st.names.resize(request.extra_headers.size());
  if (request.common_headers != st.lowered_for) {
    st.lowered_for = request.common_headers;
    st.lowered.clear();
    if (st.lowered_for)
      for (const auto& h : *st.lowered_for) {
        std::string lower = to_lower(h.first);
        st.lowered.push_back(connection_specific(lower) ? std::string() : std::move(lower));
      }
  }
  const auto method = boost::beast::http::to_string(request.method);
  st.fields.push_back(field(":method", std::string_view(method.data(), method.size())));
  st.fields.push_back(field(":scheme", tls ? "https" : "http"));
  st.fields.push_back(field(":authority", authority));
  st.fields.push_back(field(":path", request.target));
  http::for_each_header(request, [&](std::string_view name, std::string_view value,
                                     std::size_t common_index) {
    if (common_index != http::not_common) {
      const std::string& lower = st.lowered[common_index];
      if (!lower.empty()) st.fields.push_back(field(lower, value));
      return;
    }
    std::string& lower = st.names[used];
    lower = to_lower(name);
    if (connection_specific(lower)) return;
    ++used;
    st.fields.push_back(field(lower, value));
  });
  if (http::sends_content_length(request)) {
    const auto end = std::to_chars(st.content_length, st.content_length + sizeof st.content_length,
                                   request.body.size())
                         .ptr;
    st.fields.push_back(
        field("content-length", std::string_view(st.content_length, end - st.content_length)));
  }
  for (const auto& f : st.fields) s->bytes_sent += f.namelen + f.valuelen;
  s->bytes_sent += request.body.size();

  nghttp2_data_provider body{};
  body.read_callback = &state::read_body;
  const std::int32_t id =
      nghttp2_submit_request(st.session, nullptr, st.fields.data(), st.fields.size(),
                              request.body.empty() ? nullptr : &body, s.get());
  if (id < 0) return false;  // nghttp2 copied the fields, or refused: nothing refers to them
  s->id = id;
  st.by_tag.emplace(tag, std::move(s));
  return true;
}

void h2_session::abandon(std::uint64_t tag) {
  state& st = *state_;
  const auto it = st.by_tag.find(tag);
  if (it == st.by_tag.end()) return;
  stream* s = it->second.get();
  // Also when the request's HEADERS is still queued (no stream yet): nghttp2 then sets it on
  // the queued request, which would otherwise open (and close) its stream with a freed pointer.
  nghttp2_session_set_stream_user_data(st.session, s->id, nullptr);
  if (!st.failed) nghttp2_submit_rst_stream(st.session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
  st.by_tag.erase(it);
}

void h2_session::ping() {
  if (!state_->failed) nghttp2_submit_ping(state_->session, NGHTTP2_FLAG_NONE, nullptr);
}

bool h2_session::receive(const std::uint8_t* data, std::size_t size) {
  state& st = *state_;
  if (st.failed) return false;
  while (size > 0) {
    // One frame at a time (or what there is of it), so that the frame that breaks the
    // connection is known: its stream alone is the server's fault.
    const std::size_t n = st.frames.take(data, size);
    const auto used = nghttp2_session_mem_recv(st.session, data, n);
    if (used < 0) {
      st.connection_error(static_cast<int>(used));
      return false;
    }
    // A connection error in the server's bytes (a DATA frame on stream 0, a frame too
    // large...) does not fail mem_recv: nghttp2 queues GOAWAY and ignores the rest. Requests
    // are no longer allowed then although no GOAWAY came and stream ids remain.
    if (!st.goaway_received && nghttp2_session_get_next_stream_id(st.session) <= INT32_MAX &&
        nghttp2_session_check_request_allowed(st.session) == 0) {
      st.connection_error(0);
      return false;
    }
    data += n;
    size -= n;
  }
  return true;
}

void h2_session::produce(std::string& out) {
  state& st = *state_;
  if (st.failed) return;
  for (;;) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(st.session, &data);
    if (n < 0) {
      fail(h2_errc::protocol_error,
           std::string("HTTP/2 session failed: ") + nghttp2_strerror(static_cast<int>(n)));
      return;
    }
    if (n == 0) return;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
}

std::string h2_session::take_farewell() { return std::exchange(state_->farewell, {}); }

void h2_session::fail(boost::system::error_code ec, std::string_view problem) {
  state& st = *state_;
  st.failed = true;
  if (problem_.empty()) problem_.assign(problem);
  // In tag order is not needed: every stream gets its own completion.
  while (!st.by_tag.empty()) {
    stream* s = st.by_tag.begin()->second.get();
    if (s->headers_sent)
      st.finish(s, ec, std::string(problem));
    else
      st.finish(s, h2_errc::unprocessed,
                "request not sent: the connection failed first (" + std::string(problem) + ")");
  }
}

std::size_t h2_session::active() const noexcept { return state_->by_tag.size(); }

std::size_t h2_session::capacity() const noexcept {
  const state& st = *state_;
  const std::size_t server =
      st.settings_received
          ? nghttp2_session_get_remote_settings(st.session,
                                                NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
          : streams_before_settings;
  return std::min(st.client_max, server);
}

bool h2_session::going_away() const noexcept {
  return state_->failed || nghttp2_session_check_request_allowed(state_->session) == 0;
}

bool h2_session::finished() const noexcept {
  return state_->failed || (nghttp2_session_want_read(state_->session) == 0 &&
                            nghttp2_session_want_write(state_->session) == 0);
}

}  // namespace openai::detail

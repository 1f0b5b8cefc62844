// nghttp2's server session driven from Asio, memory in and memory out: a reader feeds what the
// socket gives to nghttp2_session_mem_recv, a writer sends what nghttp2_session_mem_send
// produces. Both run on the connection's strand, so the nghttp2 session is never touched from
// two threads; the writer sleeps on a timer that the reader (or a due response) cancels.
#include "h2_session.hpp"

#include "hostile_frames.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace openai_mock {

namespace {

namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;
using steady = std::chrono::steady_clock;

constexpr auto write_timeout = std::chrono::seconds(30);
// After our GOAWAY, how long the client may take to close (we keep reading meanwhile, so its
// last frames are not met with a TCP reset that could destroy the GOAWAY in flight).
constexpr auto goaway_linger = std::chrono::seconds(1);
constexpr std::size_t read_chunk = 16 * 1024;
// What one write gathers from nghttp2: many frames per TLS record and per system call.
constexpr std::size_t write_batch = 64 * 1024;
constexpr std::size_t no_cut = std::numeric_limits<std::size_t>::max();

// What a response does once its body has gone out up to its cut.
enum class at_cut { finish, hold, reset_stream, drop_connection };

struct h2_stream {
  request req;
  bool too_large = false;
  bool busy = false;          // a response is due or being sent (a held one is not busy)
  bool goaway_after = false;  // close_after_response: GOAWAY naming this stream once answered
  response res{};
  std::size_t extra_length = 0;  // truncate: content-length claims this much more
  std::size_t sent = 0;
  std::size_t cut = no_cut;
  at_cut cut_action = at_cut::finish;
};

bool connection_specific(std::string_view name) {
  for (std::string_view n : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                             "upgrade", "content-length", "server"})
    if (beast::iequals(name, n)) return true;
  return false;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

nghttp2_nv header(const std::string& name, const std::string& value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NONE};
}

std::uint32_t error_code(const std::string& name, std::uint32_t fallback) {
  if (name.empty()) return fallback;
  return h2_error_code_from_name(name).value_or(fallback);
}

// Stream: tls_stream (ALPN "h2") or beast::tcp_stream (h2c with prior knowledge).
template <class Stream>
class h2_connection {
 public:
  // `already_read`: bytes the caller read before knowing the protocol (the h2c preface).
  h2_connection(server::impl& s, Stream& stream, session_link& link, std::string_view already_read)
      : s_(s),
        stream_(stream),
        link_(link),
        wake_(stream.get_executor()),
        already_read_(already_read) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    const int rv = nghttp2_session_server_new(&ng_, cbs, this);
    nghttp2_session_callbacks_del(cbs);
    if (rv != 0) throw std::runtime_error("openai-mock: nghttp2_session_server_new failed");
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, s.options.h2_max_concurrent_streams}};
    nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  }
  ~h2_connection() {
    for (const auto& [when, entry] : due_)
      if (entry.latency) s_.note_delayed(-1);
    nghttp2_session_del(ng_);
  }
  h2_connection(const h2_connection&) = delete;
  h2_connection& operator=(const h2_connection&) = delete;

  asio::awaitable<ending> run() {
    using namespace asio::experimental::awaitable_operators;
    co_await (read_loop() && write_loop());
    co_return result_;
  }

 private:
  // --- nghttp2 callbacks (user_data is the connection) ---

  static h2_connection& self(void* user) { return *static_cast<h2_connection*>(user); }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto& c = self(user);
    c.streams_[frame->hd.stream_id];
    ++c.s_.h2_streams;
    c.s_.note_open_streams(c.streams_.size());
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t, void* user) {
    h2_stream* st = self(user).find(frame->hd.stream_id);
    if (!st) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    request& req = st->req;
    if (n == ":method") {
      req.method = std::move(v);
    } else if (n == ":path") {
      req.target = std::move(v);
    } else if (n == ":authority") {
      req.headers["host"] = std::move(v);
    } else if (!n.starts_with(":")) {
      auto [it, inserted] = req.headers.emplace(std::string(n), v);
      if (!inserted) (it->second += ", ") += v;  // as HTTP/1.1 folds repeated fields
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t id,
                           const std::uint8_t* data, std::size_t len, void* user) {
    auto& c = self(user);
    h2_stream* st = c.find(id);
    if (!st || st->too_large) return 0;
    if (st->req.body.size() + len > c.s_.options.body_limit) {
      st->too_large = true;  // the rest is read and dropped; the answer is a 413
      st->req.body.clear();
      return 0;
    }
    st->req.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    // nghttp2 answers each PING itself; counted so a test sees a client's liveness checks.
    if (frame->hd.type == NGHTTP2_PING && !(frame->hd.flags & NGHTTP2_FLAG_ACK))
      ++self(user).s_.h2_pings;
    const bool request_end =
        (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
    if (request_end) self(user).on_request(frame->hd.stream_id);
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* user) {
    auto& c = self(user);
    auto it = c.streams_.find(id);
    if (it == c.streams_.end()) return 0;
    const bool goaway_after = it->second.goaway_after;
    c.streams_.erase(it);
    c.update_busy();
    if (goaway_after) c.go_away(id, NGHTTP2_NO_ERROR);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source*, void* user) {
    auto& c = self(user);
    h2_stream* st = c.find(id);
    if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const std::string& body = st->res.body;
    const std::size_t end = std::min(st->cut, body.size());
    const std::size_t n = std::min(length, end - st->sent);
    std::memcpy(buf, body.data() + st->sent, n);
    st->sent += n;
    if (st->cut_action == at_cut::finish && st->sent == body.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;  // in the frame with the last bytes
      return static_cast<ssize_t>(n);
    }
    if (n > 0) return static_cast<ssize_t>(n);
    switch (st->cut_action) {
      case at_cut::reset_stream:
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // nghttp2 sends RST_STREAM INTERNAL_ERROR
      case at_cut::drop_connection:
        c.drop_ = true;  // once what is produced so far has been written
        break;
      default:  // hold: as if the client's window never opened again
        st->busy = false;
        c.update_busy();
        break;
    }
    return NGHTTP2_ERR_DEFERRED;
  }

  // --- requests and answers ---

  h2_stream* find(std::int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : &it->second;
  }

  void update_busy() {
    link_.busy = std::any_of(streams_.begin(), streams_.end(),
                             [](const auto& kv) { return kv.second.busy; });
  }

  void on_request(std::int32_t id) {
    h2_stream* st = find(id);
    if (!st) return;
    // After our GOAWAY, streams above its last-stream-id are left unprocessed.
    if (goaway_last_ && id > *goaway_last_) return;
    st->busy = true;
    update_busy();
    if (st->too_large) {
      st->res = too_large(s_.options.body_limit);
      submit(id, *st);
      return;
    }
    fault_plan plan = s_.decide_fault(st->req);
    switch (plan.action) {
      case fault_action::rst_stream:
        reset_stream(id, error_code(plan.text, NGHTTP2_REFUSED_STREAM));
        return;
      case fault_action::reset:
        reset_stream(id, NGHTTP2_INTERNAL_ERROR);
        return;
      case fault_action::goaway:
        // Names the stream before this one: this and later ones were not processed.
        st->busy = false;
        update_busy();
        go_away(std::max(0, id - 2), error_code(plan.text, NGHTTP2_NO_ERROR));
        return;
      case fault_action::continuation_flood:
      case fault_action::push_promise:
      case fault_action::bad_hpack:
      case fault_action::oversized_frame:
      case fault_action::header_field_bomb:
      case fault_action::huge_headers:
        st->busy = false;  // no answer of nghttp2's follows: the stream is left as it is
        update_busy();
        inject(hostile_frames(plan, id));
        return;
      case fault_action::ping_flood:
        inject(hostile::ping_flood(plan.bytes ? plan.bytes : 2000));
        break;
      case fault_action::settings_flood:
        inject(hostile::settings_flood(plan.bytes ? plan.bytes : 2000));
        break;
      case fault_action::many_settings:
        inject(hostile::many_settings(plan.bytes ? plan.bytes : 64));
        break;
      default:
        break;
    }
    st->res = s_.answer(st->req, plan);
    // --latency: this stream's answer waits in due_, the others keep flowing.
    const auto latency = s_.latency_of(st->req);
    const std::size_t size = st->res.body.size();
    switch (plan.action) {
      case fault_action::reset_mid_response:
        st->cut = partial_body_bytes(plan, size);
        st->cut_action = at_cut::reset_stream;
        break;
      case fault_action::drop_connection:
        st->cut = partial_body_bytes(plan, size);
        st->cut_action = at_cut::drop_connection;
        break;
      case fault_action::stall_window:
        st->cut = partial_body_bytes(plan, size);
        st->cut_action = at_cut::hold;
        break;
      case fault_action::truncate:
        st->extra_length = plan.bytes ? plan.bytes : 1000;
        break;
      case fault_action::close_after_response:
        st->goaway_after = true;
        break;
      case fault_action::delay:
        delay(id, delay_of(plan), latency);
        return;
      default:
        break;
    }
    if (latency.count() > 0) {
      delay(id, {}, latency);
      return;
    }
    submit(id, *st);
  }

  // The answer of stream `id` goes out after `fault_delay` + `latency`.
  void delay(std::int32_t id, steady::duration fault_delay, std::chrono::nanoseconds latency) {
    const bool delayed = latency.count() > 0;
    if (delayed) s_.note_delayed(+1);
    due_.emplace(steady::now() + fault_delay + latency, due_entry{id, delayed});
  }

  static std::string hostile_frames(const fault_plan& plan, std::int32_t id) {
    switch (plan.action) {
      case fault_action::continuation_flood:
        return hostile::continuation_flood(id, plan.bytes ? plan.bytes : 1000);
      case fault_action::push_promise: return hostile::push_promise(id);
      case fault_action::bad_hpack: return hostile::bad_hpack(id);
      case fault_action::oversized_frame: return hostile::oversized_data(id);
      case fault_action::header_field_bomb:
        return hostile::header_field_bomb(id, plan.bytes ? plan.bytes : 3000);
      default: return hostile::huge_headers(id, plan.bytes ? plan.bytes : 80 * 1024);
    }
  }

  // Frames of our own, written after what nghttp2 has produced so far (whole frames), so that
  // they never split one of its frames or header blocks.
  void inject(std::string frames) {
    raw_ += frames;
    wake();
  }

  void submit(std::int32_t id, h2_stream& st) {
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back(":status", std::to_string(st.res.status));
    fields.emplace_back("server", "openai-mock");
    for (const auto& [name, value] : st.res.headers)
      if (!connection_specific(name)) fields.emplace_back(lower(name), value);
    fields.emplace_back("content-length", std::to_string(st.res.body.size() + st.extra_length));
    std::vector<nghttp2_nv> nva;
    for (const auto& [name, value] : fields) nva.push_back(header(name, value));
    nghttp2_data_provider body{};
    body.read_callback = read_body;
    // nghttp2 copies the fields; the body is read from the stream as the window allows.
    if (nghttp2_submit_response(ng_, id, nva.data(), nva.size(), &body) != 0)
      reset_stream(id, NGHTTP2_INTERNAL_ERROR);
  }

  void reset_stream(std::int32_t id, std::uint32_t code) {
    if (h2_stream* st = find(id)) st->busy = false;
    update_busy();
    nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, id, code);
  }

  void go_away(std::int32_t last, std::uint32_t code) {
    if (goaway_last_) return;  // one GOAWAY per connection is enough for the mock
    goaway_last_ = last;
    nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, last, code, nullptr, 0);
  }

  // Responses whose delay has passed.
  void submit_due() {
    const auto now = steady::now();
    while (!due_.empty() && due_.begin()->first <= now) {
      const auto [id, delayed] = due_.begin()->second;
      due_.erase(due_.begin());
      if (delayed) s_.note_delayed(-1);
      if (h2_stream* st = find(id)) submit(id, *st);
    }
  }

  // Done once our GOAWAY's streams are answered, or on stop() when nothing is in flight.
  bool finished_gracefully() {
    if (s_.stopping && !link_.busy) go_away(last_seen(), NGHTTP2_NO_ERROR);
    if (!goaway_last_) return false;
    return std::none_of(streams_.begin(), streams_.end(), [&](const auto& kv) {
      return kv.first <= *goaway_last_ && kv.second.busy;
    });
  }

  std::int32_t last_seen() const { return nghttp2_session_get_last_proc_stream_id(ng_); }

  void wake() { wake_.cancel(); }

  void reset_socket() {
    auto& socket = beast::get_lowest_layer(stream_).socket();
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
  }

  asio::awaitable<void> read_loop() {
    std::vector<std::uint8_t> buf(read_chunk);
    auto& tcp = beast::get_lowest_layer(stream_);
    if (!already_read_.empty() &&
        nghttp2_session_mem_recv(ng_, reinterpret_cast<const std::uint8_t*>(already_read_.data()),
                                 already_read_.size()) < 0) {
      reader_done_ = protocol_error_ = true;
      co_return;
    }
    for (;;) {
      // Sets the read's deadline only: a pending write keeps its own (see write_loop).
      tcp.expires_after(s_.options.idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
      if (ec) {  // the client closed, the idle timeout, stop(), or the writer ended
        client_closed_ = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
        break;
      }
      if (nghttp2_session_mem_recv(ng_, buf.data(), n) < 0) {
        // Bytes nghttp2 cannot go on from: GOAWAY (if it can still be sent), then close.
        nghttp2_session_terminate_session(ng_, NGHTTP2_PROTOCOL_ERROR);
        protocol_error_ = true;
        break;
      }
      wake();
      if (!nghttp2_session_want_read(ng_)) break;
    }
    reader_done_ = true;
    wake();
  }

  asio::awaitable<void> write_loop() {
    auto& tcp = beast::get_lowest_layer(stream_);
    std::string out;
    std::optional<steady::time_point> linger_until;
    for (;;) {
      submit_due();
      out.clear();
      while (out.size() < write_batch) {
        const std::uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(ng_, &data);
        if (n <= 0) break;
        out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
      }
      out += raw_;
      raw_.clear();
      if (!out.empty()) {
        tcp.expires_after(write_timeout);
        auto [ec, n] =
            co_await asio::async_write(stream_, asio::buffer(out), as_tuple(use_awaitable));
        if (ec) {
          result_ = ending::abrupt;
          break;
        }
        if (drop_) {
          reset_socket();
          result_ = ending::abrupt;
          break;
        }
        continue;
      }
      if (reader_done_) {
        result_ = client_closed_ && !protocol_error_ ? ending::polite : ending::abrupt;
        break;
      }
      if (finished_gracefully()) {
        if (nghttp2_session_want_write(ng_)) continue;  // the GOAWAY just submitted
        if (!linger_until) linger_until = steady::now() + goaway_linger;
        if (steady::now() >= *linger_until) {
          result_ = ending::polite;
          break;
        }
      }
      auto until = steady::time_point::max();
      if (!due_.empty()) until = due_.begin()->first;
      if (linger_until) until = std::min(until, *linger_until);
      wake_.expires_at(until);
      co_await wake_.async_wait(as_tuple(use_awaitable));
    }
    // Ends the reader too (a no-op when it has already ended).
    boost::system::error_code ignored;
    if (tcp.socket().is_open()) tcp.socket().cancel(ignored);
  }

  server::impl& s_;
  Stream& stream_;
  session_link& link_;
  asio::steady_timer wake_;
  nghttp2_session* ng_ = nullptr;
  std::map<std::int32_t, h2_stream> streams_;
  struct due_entry {
    std::int32_t id;
    bool latency;  // counted in delayed_peak (--latency), not only a fault's delay
  };
  std::multimap<steady::time_point, due_entry> due_;  // delayed responses
  std::optional<std::int32_t> goaway_last_;
  std::string raw_;  // hostile frames to write next (inject())
  std::string_view already_read_;
  bool drop_ = false, reader_done_ = false, client_closed_ = false, protocol_error_ = false;
  ending result_ = ending::abrupt;
};

}  // namespace

asio::awaitable<ending> serve_h2(server::impl& s, tls_stream& stream, session_link& link) {
  h2_connection<tls_stream> connection(s, stream, link, {});
  co_return co_await connection.run();
}

asio::awaitable<ending> serve_h2(server::impl& s, beast::tcp_stream& stream, session_link& link,
                                 std::string_view already_read) {
  h2_connection<beast::tcp_stream> connection(s, stream, link, already_read);
  co_return co_await connection.run();
}

bool is_h2_preface_prefix(std::string_view bytes) noexcept {
  return h2_preface.starts_with(bytes.substr(0, h2_preface.size()));
}

}  // namespace openai_mock

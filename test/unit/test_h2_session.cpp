// h2_session against a real HTTP/2 server session (nghttp2's own, in memory): the bytes go
// from one to the other by hand, so every frame the client writes is read by an independent
// HTTP/2 implementation, and every frame it reads was written by one.
#include "http/response_limits.hpp"
#include "transport/h2_error.hpp"
#include "transport/h2_session.hpp"

#include "hostile_frames.hpp"  // tools/openai-mock: the frames of its hostile HTTP/2 faults

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace openai::detail;
using boost::system::error_code;

namespace {

// nghttp2's server session with what it received per stream, and what the test tells it to send.
class test_server {
 public:
  struct seen_request {
    std::vector<std::pair<std::string, std::string>> fields;
    std::string body;
    bool ended = false;                // END_STREAM arrived
    std::int64_t reset_code = -1;      // of the client's RST_STREAM, -1 when none

    std::size_t count(std::string_view name) const {
      return std::count_if(fields.begin(), fields.end(),
                           [&](const auto& f) { return f.first == name; });
    }
    std::string field(std::string_view name) const {
      for (const auto& f : fields)
        if (f.first == name) return f.second;
      return {};
    }
  };

  explicit test_server(std::vector<nghttp2_settings_entry> settings = {}) {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, &on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &on_frame_recv);
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    // Room for the oversized header block of the header-limit test.
    nghttp2_option_set_max_send_header_block_length(option, 1 << 20);
    nghttp2_session_server_new2(&session_, cb, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  }
  ~test_server() { nghttp2_session_del(session_); }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  void receive(const std::string& bytes) {
    const auto used = nghttp2_session_mem_recv(
        session_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    BOOST_TEST_REQUIRE(used == static_cast<ssize_t>(bytes.size()), nghttp2_strerror(used));
  }
  std::string produce() {
    std::string out;
    for (;;) {
      const std::uint8_t* data = nullptr;
      const auto n = nghttp2_session_mem_send(session_, &data);
      BOOST_TEST_REQUIRE(n >= 0, nghttp2_strerror(static_cast<int>(n)));
      if (n == 0) return out;
      out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
  }

  using fields = std::vector<std::pair<std::string, std::string>>;
  void respond(std::int32_t id, unsigned status, const fields& extra, std::string body) {
    auto nv = block(status, extra);
    auto& source = bodies_[id];
    source = std::make_unique<outgoing>(outgoing{std::move(body), 0});
    nghttp2_data_provider provider{};
    provider.source.ptr = source.get();
    provider.read_callback = &read_body;
    BOOST_TEST_REQUIRE(nghttp2_submit_response(session_, id, nv.data(), nv.size(), &provider) == 0);
  }
  void interim(std::int32_t id, unsigned status, const fields& extra) {
    auto nv = block(status, extra);
    BOOST_TEST_REQUIRE(nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, id, nullptr, nv.data(),
                                              nv.size(), nullptr) == 0);
  }
  void reset(std::int32_t id, std::uint32_t code) {
    BOOST_TEST_REQUIRE(nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, code) == 0);
  }
  void goaway(std::int32_t last_stream_id) {
    BOOST_TEST_REQUIRE(nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, last_stream_id,
                                             NGHTTP2_NO_ERROR, nullptr, 0) == 0);
  }

  std::uint32_t remote_setting(nghttp2_settings_id id) const {
    return nghttp2_session_get_remote_settings(session_, id);
  }

  std::map<std::int32_t, seen_request> requests;

 private:
  struct outgoing {
    std::string data;
    std::size_t sent;
  };

  // The strings behind the name/value pairs live in the caller's `extra` and in `status_`.
  std::vector<nghttp2_nv> block(unsigned status, const fields& extra) {
    status_ = std::to_string(status);
    std::vector<nghttp2_nv> nv{nv_of(":status", status_)};
    for (const auto& [n, v] : extra) nv.push_back(nv_of(n, v));
    return nv;
  }
  static nghttp2_nv nv_of(std::string_view n, std::string_view v) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(n.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
            NGHTTP2_NV_FLAG_NONE};
  }

  static test_server& of(void* user) { return *static_cast<test_server*>(user); }
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t, void* user) {
    of(user).requests[frame->hd.stream_id].fields.emplace_back(
        std::string(reinterpret_cast<const char*>(name), namelen),
        std::string(reinterpret_cast<const char*>(value), valuelen));
    return 0;
  }
  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                     std::size_t len, void* user) {
    of(user).requests[id].body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.stream_id == 0) return 0;
    auto& r = of(user).requests[frame->hd.stream_id];
    if (frame->hd.type == NGHTTP2_RST_STREAM) r.reset_code = frame->rst_stream.error_code;
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM &&
        (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA))
      r.ended = true;
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void*) {
    auto& o = *static_cast<outgoing*>(source->ptr);
    const std::size_t n = std::min(length, o.data.size() - o.sent);
    std::copy_n(o.data.data() + o.sent, n, buf);
    o.sent += n;
    if (o.sent == o.data.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, std::unique_ptr<outgoing>> bodies_;
  std::string status_;
};

bool receive(h2_session& client, const std::string& bytes) {
  return client.receive(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

// Passes bytes both ways until neither side has anything more to say.
void exchange(h2_session& client, test_server& server) {
  for (int round = 0; round < 100; ++round) {
    std::string to_server;
    client.produce(to_server);
    if (!to_server.empty()) server.receive(to_server);
    const std::string to_client = server.produce();
    if (!to_client.empty()) BOOST_TEST_REQUIRE(receive(client, to_client), client.problem());
    if (to_server.empty() && to_client.empty()) return;
  }
  BOOST_FAIL("the two sessions never stopped talking");
}

std::vector<h2_session::completion> take(h2_session& client) {
  auto done = std::move(client.completions());
  client.completions().clear();
  return done;
}

const h2_session::completion* of_tag(const std::vector<h2_session::completion>& done,
                                     std::uint64_t tag) {
  for (const auto& c : done)
    if (c.tag == tag) return &c;
  return nullptr;
}

http::request get(std::string target) {
  http::request r;
  r.method = http::verb::get;
  r.target = std::move(target);
  return r;
}

// A response slot with the names it keeps and a body limit, as the connection gives one.
struct slot {
  http::response out;
  http::response_header_names keep;
  std::size_t body_limit = 1 << 20;
  slot() {
    keep.names[0] = "x-request-id";
    keep.names[1] = "openai-processing-ms";
    keep.count = 2;
  }
  h2_session::stream_target target() { return {&out, &keep, body_limit}; }
};

constexpr std::size_t client_cap = 250;

// What most tests start from: a fresh client and a server with default SETTINGS.
struct client_and_server {
  h2_session client{client_cap};
  test_server server;
};

// After tag 1 was abandoned: the server answers tag 2's stream (3), the one completion.
void answer_tag_2_alone(h2_session& client, test_server& server) {
  server.respond(3, 200, {}, "b");
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done[0].tag == 2u);
  BOOST_TEST(!done[0].ec, done[0].problem);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(h2_session_exchange, client_and_server)

BOOST_AUTO_TEST_CASE(a_request_arrives_with_pseudo_headers_and_lower_case_fields_only) {
  http::request post;
  post.method = http::verb::post;
  post.target = "/v1/chat/completions/chatcmpl-1?x=y";
  post.body = R"({"metadata":{}})";
  post.common_headers = std::make_shared<const http::header_list>(http::header_list{
      {"Host", "api.example.com"},
      {"Authorization", "Bearer sk-test"},
      {"Connection", "keep-alive"},
      {"User-Agent", "openai-asio/test"}});
  post.extra_headers = {{"Content-Type", "application/json"},
                        {"Transfer-Encoding", "chunked"},
                        {"X-Custom", "Value"}};
  slot a;
  BOOST_TEST_REQUIRE(client.submit(post, "api.example.com", true, a.target(), 1));
  exchange(client, server);

  BOOST_TEST_REQUIRE(server.requests.count(1) == 1u);
  const auto& r = server.requests[1];
  BOOST_TEST(r.field(":method") == "POST");
  BOOST_TEST(r.field(":scheme") == "https");
  BOOST_TEST(r.field(":authority") == "api.example.com");
  BOOST_TEST(r.field(":path") == "/v1/chat/completions/chatcmpl-1?x=y");
  BOOST_TEST(r.field("authorization") == "Bearer sk-test");
  BOOST_TEST(r.field("user-agent") == "openai-asio/test");
  BOOST_TEST(r.field("content-type") == "application/json");
  BOOST_TEST(r.field("x-custom") == "Value");
  BOOST_TEST(r.field("content-length") == std::to_string(post.body.size()));
  for (const char* banned : {"host", "connection", "transfer-encoding"})
    BOOST_TEST(r.count(banned) == 0u, banned);
  for (const auto& [name, value] : r.fields)
    BOOST_TEST(std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
               name);
  BOOST_TEST(r.body == post.body);
  BOOST_TEST(r.ended);
}

BOOST_AUTO_TEST_CASE(a_post_without_body_says_content_length_zero_and_a_get_says_none) {
  http::request post;
  post.method = http::verb::post;
  post.target = "/v1/x";
  slot a, b;
  BOOST_TEST_REQUIRE(client.submit(post, "h:8443", false, a.target(), 1));
  BOOST_TEST_REQUIRE(client.submit(get("/v1/y"), "h:8443", false, b.target(), 2));
  exchange(client, server);
  BOOST_TEST(server.requests[1].field("content-length") == "0");
  BOOST_TEST(server.requests[1].field(":scheme") == "http");
  BOOST_TEST(server.requests[1].ended);
  BOOST_TEST(server.requests[3].field(":method") == "GET");
  BOOST_TEST(server.requests[3].count("content-length") == 0u);
  BOOST_TEST(server.requests[3].ended);
}

BOOST_AUTO_TEST_CASE(a_response_fills_status_kept_headers_and_body) {
  slot a;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 7));
  exchange(client, server);
  server.respond(1, 201, {{"x-request-id", "req_1"}, {"other", "dropped"}, {"openai-processing-ms", "12"}},
                 R"({"id":"chatcmpl-1"})");
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done[0].tag == 7u);
  BOOST_TEST(!done[0].ec, done[0].problem);
  BOOST_TEST(done[0].bytes_sent > 0u);
  BOOST_TEST(done[0].bytes_received >= a.out.body.size());
  BOOST_TEST(a.out.status == 201u);
  BOOST_TEST(a.out.kept[0] == "req_1");
  BOOST_TEST(a.out.kept[1] == "12");
  BOOST_TEST(a.out.body == R"({"id":"chatcmpl-1"})");
  BOOST_TEST(client.active() == 0u);
}

BOOST_AUTO_TEST_CASE(an_interim_response_is_skipped_for_the_final_one) {
  slot a;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  exchange(client, server);
  server.interim(1, 103, {{"x-request-id", "from-the-interim"}});
  server.respond(1, 200, {{"openai-processing-ms", "3"}}, "ok");
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(!done[0].ec, done[0].problem);
  BOOST_TEST(a.out.status == 200u);
  BOOST_TEST(a.out.kept[0] == "");
  BOOST_TEST(a.out.kept[1] == "3");
  BOOST_TEST(a.out.body == "ok");
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_fails_the_stream_and_resets_it) {
  slot a;
  a.body_limit = 10;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  exchange(client, server);
  server.respond(1, 200, {}, std::string(100, 'x'));
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done[0].ec == error_code(boost::beast::http::error::body_limit));
  BOOST_TEST(done[0].problem.find("10 bytes") != std::string::npos, done[0].problem);
  BOOST_TEST(server.requests[1].reset_code == NGHTTP2_CANCEL);
  BOOST_TEST(!client.finished());  // the connection serves on
}

BOOST_AUTO_TEST_CASE(headers_over_the_limit_fail_the_stream_and_reset_it) {
  slot a;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  exchange(client, server);
  test_server::fields big;
  const std::size_t each = 1000;
  for (std::size_t i = 0; i * each <= http::response_limits::header_bytes; ++i)
    big.emplace_back("x-filler-" + std::to_string(i), std::string(each, 'v'));
  server.respond(1, 200, big, "body");
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done[0].ec == error_code(boost::beast::http::error::header_limit));
  BOOST_TEST(server.requests[1].reset_code == NGHTTP2_CANCEL);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(h2_session_failures, client_and_server)

BOOST_AUTO_TEST_CASE(refused_stream_is_unprocessed) {
  slot a;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  exchange(client, server);
  server.reset(1, NGHTTP2_REFUSED_STREAM);
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done[0].ec == error_code(h2_errc::unprocessed));
}

BOOST_AUTO_TEST_CASE(another_reset_fails_only_that_stream) {
  slot a, b;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  BOOST_TEST_REQUIRE(client.submit(get("/v1/b"), "h", true, b.target(), 2));
  exchange(client, server);
  server.reset(1, NGHTTP2_INTERNAL_ERROR);
  server.respond(3, 200, {}, "fine");
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 2u);
  BOOST_TEST_REQUIRE(of_tag(done, 1));
  BOOST_TEST(of_tag(done, 1)->ec == error_code(h2_errc::stream_reset));
  BOOST_TEST_REQUIRE(of_tag(done, 2));
  BOOST_TEST(!of_tag(done, 2)->ec, of_tag(done, 2)->problem);
  BOOST_TEST(b.out.body == "fine");
  BOOST_TEST(!client.going_away());
}

BOOST_AUTO_TEST_CASE(goaway_leaves_streams_above_its_last_id_unprocessed_and_refuses_new_ones) {
  slot a, b, c, d;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));  // stream 1
  BOOST_TEST_REQUIRE(client.submit(get("/v1/b"), "h", true, b.target(), 2));  // stream 3
  BOOST_TEST_REQUIRE(client.submit(get("/v1/c"), "h", true, c.target(), 3));  // stream 5
  exchange(client, server);
  BOOST_TEST_REQUIRE(server.requests.size() == 3u);
  server.goaway(3);
  server.respond(1, 200, {}, "one");
  server.respond(3, 200, {}, "three");
  exchange(client, server);
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 3u);
  BOOST_TEST(!of_tag(done, 1)->ec, of_tag(done, 1)->problem);
  BOOST_TEST(!of_tag(done, 2)->ec, of_tag(done, 2)->problem);
  BOOST_TEST(of_tag(done, 3)->ec == error_code(h2_errc::unprocessed));
  BOOST_TEST(a.out.body == "one");
  BOOST_TEST(b.out.body == "three");
  BOOST_TEST(client.going_away());
  BOOST_TEST(!client.submit(get("/v1/d"), "h", true, d.target(), 4));
  BOOST_TEST(client.completions().empty());
}

BOOST_AUTO_TEST_CASE(abandon_resets_the_stream_with_cancel_and_gives_no_completion) {
  slot a, b;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  BOOST_TEST_REQUIRE(client.submit(get("/v1/b"), "h", true, b.target(), 2));
  exchange(client, server);
  client.abandon(1);
  client.abandon(99);  // unknown: ignored
  exchange(client, server);
  BOOST_TEST(server.requests[1].reset_code == NGHTTP2_CANCEL);
  BOOST_TEST(client.active() == 1u);
  answer_tag_2_alone(client, server);
}

BOOST_AUTO_TEST_CASE(abandon_before_the_request_is_sent_leaves_nothing_of_it) {
  slot a, b;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  BOOST_TEST_REQUIRE(client.submit(get("/v1/b"), "h", true, b.target(), 2));
  client.abandon(1);  // its HEADERS is still queued in nghttp2
  exchange(client, server);
  BOOST_TEST(server.requests[1].fields.empty());
  BOOST_TEST(server.requests[3].field(":path") == "/v1/b");
  answer_tag_2_alone(client, server);
  BOOST_TEST(client.active() == 0u);
}

BOOST_AUTO_TEST_CASE(fail_completes_every_stream_and_those_never_sent_as_unprocessed) {
  slot a, b, c;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  exchange(client, server);
  BOOST_TEST_REQUIRE(client.submit(get("/v1/b"), "h", true, b.target(), 2));  // never produced
  client.fail(boost::asio::error::connection_reset, "the server closed the connection");
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 2u);
  BOOST_TEST(of_tag(done, 1)->ec == error_code(boost::asio::error::connection_reset));
  BOOST_TEST(of_tag(done, 1)->problem == "the server closed the connection");
  BOOST_TEST(of_tag(done, 2)->ec == error_code(h2_errc::unprocessed));
  BOOST_TEST(client.finished());
  BOOST_TEST(client.problem() == "the server closed the connection");
  BOOST_TEST(!client.submit(get("/v1/c"), "h", true, c.target(), 3));
  client.fail(boost::asio::error::eof, "again");  // nothing left to complete
  BOOST_TEST(client.completions().empty());
}

BOOST_AUTO_TEST_CASE(garbage_from_the_server_fails_the_session_and_every_stream) {
  slot a, b;
  BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
  exchange(client, server);
  BOOST_TEST_REQUIRE(client.submit(get("/v1/b"), "h", true, b.target(), 2));
  // A DATA frame on stream 0: a connection error (RFC 9113 6.1).
  const std::string garbage("\x00\x00\x04\x00\x00\x00\x00\x00\x00junk", 13);
  BOOST_TEST(!receive(client, garbage));
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 2u);
  // Stream 0 is no stream's: the stream the server saw goes elsewhere as another attempt.
  BOOST_TEST(of_tag(done, 1)->ec == error_code(h2_errc::connection_failed));
  BOOST_TEST(of_tag(done, 2)->ec == error_code(h2_errc::unprocessed));
  BOOST_TEST(!client.problem().empty());
  BOOST_TEST(client.finished());
  BOOST_TEST(!receive(client, garbage));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(h2_session_settings)

BOOST_AUTO_TEST_CASE(capacity_follows_the_servers_max_concurrent_streams_and_the_client_cap) {
  {
    h2_session client(client_cap);
    BOOST_TEST(client.capacity() == 100u);  // until the server says
    test_server server({{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 3}});
    exchange(client, server);
    BOOST_TEST(client.capacity() == 3u);
  }
  {
    h2_session client(2);
    test_server server({{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 3}});
    BOOST_TEST(client.capacity() == 2u);
    exchange(client, server);
    BOOST_TEST(client.capacity() == 2u);
  }
  {
    h2_session client(client_cap);
    test_server server;  // no limit of its own
    exchange(client, server);
    BOOST_TEST(client.capacity() == client_cap);
  }
}

BOOST_AUTO_TEST_CASE(a_ping_is_answered) {
  h2_session client(client_cap);
  test_server server;
  exchange(client, server);
  BOOST_TEST(client.pings_acked() == 0u);
  client.ping();
  exchange(client, server);
  BOOST_TEST(client.pings_acked() == 1u);
  BOOST_TEST(!client.finished());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// The GOAWAY frames in what the client wrote: their error codes, in order.
std::vector<std::uint32_t> goaway_codes(const std::string& bytes) {
  std::vector<std::uint32_t> codes;
  std::size_t at = 0;
  while (at + 9 <= bytes.size()) {
    const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[at + i]); };
    const std::size_t length = (std::size_t{b(0)} << 16) | (std::size_t{b(1)} << 8) | b(2);
    if (b(3) == NGHTTP2_GOAWAY && length >= 8 && at + 9 + length <= bytes.size())
      codes.push_back((std::uint32_t{b(13)} << 24) | (std::uint32_t{b(14)} << 16) |
                      (std::uint32_t{b(15)} << 8) | b(16));
    at += 9 + length;
  }
  return codes;
}

// Three streams (ids 1, 3, 5; tags 1, 2, 3) the server has seen, answered by nothing yet.
struct three_in_flight : client_and_server {
  slot a, b, c;
  three_in_flight() {
    BOOST_TEST_REQUIRE(client.submit(get("/v1/a"), "h", true, a.target(), 1));
    BOOST_TEST_REQUIRE(client.submit(get("/v1/b"), "h", true, b.target(), 2));
    BOOST_TEST_REQUIRE(client.submit(get("/v1/c"), "h", true, c.target(), 3));
    exchange(client, server);  // SETTINGS both ways and their ACKs, the three requests
  }
  // The hostile bytes break the connection: stream 3 (tag 2) fails with what the server did,
  // the other two go elsewhere as another attempt, and the client's GOAWAY carries `code`.
  void only_stream_3_is_at_fault(const std::string& hostile, std::string_view said,
                                 std::uint32_t code) {
    BOOST_TEST(!receive(client, hostile));
    stream_3_was_at_fault(said, code);
  }
  void stream_3_was_at_fault(std::string_view said, std::uint32_t code) {
    const auto done = take(client);
    BOOST_TEST_REQUIRE(done.size() == 3u);
    BOOST_TEST(of_tag(done, 2)->ec == error_code(h2_errc::protocol_error));
    BOOST_TEST(of_tag(done, 2)->problem.find(said) != std::string::npos, of_tag(done, 2)->problem);
    BOOST_TEST(of_tag(done, 1)->ec == error_code(h2_errc::connection_failed));
    BOOST_TEST(of_tag(done, 3)->ec == error_code(h2_errc::connection_failed));
    BOOST_TEST(of_tag(done, 1)->problem.find(said) != std::string::npos);
    BOOST_TEST(client.finished());
    said_goodbye_with(code);
  }
  // The client's GOAWAY, once, with `code`.
  void said_goodbye_with(std::uint32_t code) {
    const auto codes = goaway_codes(client.take_farewell());
    BOOST_TEST_REQUIRE(codes.size() == 1u);
    BOOST_TEST(codes[0] == code);
    BOOST_TEST(client.take_farewell().empty());
  }
  // The hostile bytes on the connection itself: every stream goes elsewhere.
  void no_stream_is_at_fault(const std::string& hostile, std::string_view said,
                             std::uint32_t code) {
    BOOST_TEST(!receive(client, hostile));
    const auto done = take(client);
    BOOST_TEST_REQUIRE(done.size() == 3u);
    for (const auto& d : done) {
      BOOST_TEST(d.ec == error_code(h2_errc::connection_failed));
      BOOST_TEST(d.problem.find(said) != std::string::npos, d.problem);
    }
    said_goodbye_with(code);
  }
};

namespace hostile = openai_mock::hostile;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(h2_session_isolation, three_in_flight)

BOOST_AUTO_TEST_CASE(a_continuation_flood_fails_only_its_stream) {
  only_stream_3_is_at_fault(hostile::continuation_flood(3, 1000), "CONTINUATION flood",
                            NGHTTP2_ENHANCE_YOUR_CALM);
}

BOOST_AUTO_TEST_CASE(a_push_promise_although_push_is_disabled_fails_only_its_stream) {
  only_stream_3_is_at_fault(hostile::push_promise(3), "PUSH_PROMISE", NGHTTP2_PROTOCOL_ERROR);
}

BOOST_AUTO_TEST_CASE(a_header_block_hpack_cannot_decode_fails_only_its_stream) {
  only_stream_3_is_at_fault(hostile::bad_hpack(3), "COMPRESSION_ERROR",
                            NGHTTP2_COMPRESSION_ERROR);
}

BOOST_AUTO_TEST_CASE(a_frame_above_the_largest_frame_size_fails_only_its_stream) {
  only_stream_3_is_at_fault(hostile::oversized_data(3), "FRAME_SIZE_ERROR",
                            NGHTTP2_FRAME_SIZE_ERROR);
}

BOOST_AUTO_TEST_CASE(the_frame_that_breaks_the_connection_is_found_when_bytes_come_one_by_one) {
  // nghttp2 refuses the PUSH_PROMISE before its last byte: the frame is known from its header.
  const std::string hostile = hostile::push_promise(3);
  std::size_t fed = 0;
  while (fed < hostile.size() && receive(client, hostile.substr(fed, 1))) ++fed;
  BOOST_TEST_REQUIRE(fed < hostile.size());
  BOOST_TEST(fed >= 9u);  // not before the frame header is whole
  stream_3_was_at_fault("PUSH_PROMISE", NGHTTP2_PROTOCOL_ERROR);
}

BOOST_AUTO_TEST_CASE(a_ping_flood_fails_the_connection_and_every_stream_goes_elsewhere) {
  no_stream_is_at_fault(hostile::ping_flood(1000), "flooded", NGHTTP2_ENHANCE_YOUR_CALM);
}

BOOST_AUTO_TEST_CASE(a_settings_flood_fails_the_connection_and_every_stream_goes_elsewhere) {
  no_stream_is_at_fault(hostile::settings_flood(1000), "flooded", NGHTTP2_ENHANCE_YOUR_CALM);
}

BOOST_AUTO_TEST_CASE(a_settings_frame_of_too_many_entries_fails_the_connection) {
  no_stream_is_at_fault(hostile::many_settings(33), "more than 32 entries",
                        NGHTTP2_ENHANCE_YOUR_CALM);
}

BOOST_AUTO_TEST_CASE(a_bomb_of_many_small_header_fields_fails_only_its_stream) {
  BOOST_TEST_REQUIRE(receive(client, hostile::header_field_bomb(3, 3000)), client.problem());
  auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done[0].tag == 2u);
  BOOST_TEST(done[0].ec == error_code(boost::beast::http::error::header_limit));
  BOOST_TEST(done[0].problem.find("more than 1000 header fields") != std::string::npos);
  server.respond(1, 200, {}, "a");
  server.respond(5, 200, {}, "c");
  exchange(client, server);
  done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 2u);
  BOOST_TEST(!done[0].ec);
  BOOST_TEST(!done[1].ec);
  BOOST_TEST(server.requests[3].reset_code == NGHTTP2_CANCEL);
}

BOOST_AUTO_TEST_CASE(headers_over_the_byte_cap_in_continuations_fail_only_their_stream) {
  BOOST_TEST_REQUIRE(
      receive(client, hostile::huge_headers(3, http::response_limits::header_bytes + 4096)),
      client.problem());
  const auto done = take(client);
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done[0].tag == 2u);
  BOOST_TEST(done[0].ec == error_code(boost::beast::http::error::header_limit));
  BOOST_TEST(!client.finished());
}

BOOST_AUTO_TEST_CASE(the_client_advertises_its_header_list_cap) {
  BOOST_TEST(server.remote_setting(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE) ==
             http::response_limits::header_bytes);
  BOOST_TEST(server.remote_setting(NGHTTP2_SETTINGS_ENABLE_PUSH) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

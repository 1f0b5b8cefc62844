// The client's HTTP/2 session fed arbitrary server bytes: whatever a hostile or broken server
// sends, the session never crashes or loops, each request completes at most once (never after
// abandon()), and once the connection fails every request still open completes exactly once.
//
// Input: two control bytes, then the server's bytes.
//   byte 0   chunk size: the bytes go to receive() this many at a time (0: all at once)
//   byte 1   bit 0: the requests are produced (sent) before the first chunk, else they are
//                   still queued when the server speaks;
//            bit 1: produce() after every chunk, else after every other one;
//            bit 2: a PING before the first chunk;
//            bits 3-5: after which chunk tag 1 is abandoned (7: never);
//            bit 6: a third request is submitted half-way;
//            bit 7: the last produce() is skipped before fail().
#include <boost/asio/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "fuzz_check.hpp"
#include "transport/h2_session.hpp"

namespace {

namespace http = openai::detail::http;
using openai::detail::h2_session;

constexpr std::size_t body_limit = 4096;

struct ledger {
  std::map<std::uint64_t, int> completions;  // per submitted tag
  std::set<std::uint64_t> abandoned;
  std::map<std::uint64_t, http::response*> out;

  void take(h2_session& s) {
    for (const auto& c : s.completions()) {
      FUZZ_CHECK(completions.count(c.tag), "completion of tag %llu never submitted",
                 static_cast<unsigned long long>(c.tag));
      FUZZ_CHECK(!abandoned.count(c.tag), "completion of abandoned tag %llu",
                 static_cast<unsigned long long>(c.tag));
      FUZZ_CHECK(++completions[c.tag] == 1, "tag %llu completed twice",
                 static_cast<unsigned long long>(c.tag));
      FUZZ_CHECK(c.ec || c.problem.empty(), "a success with a problem: %s", c.problem.c_str());
      FUZZ_CHECK(!c.ec || !c.problem.empty(), "a failure without a problem");
      const http::response& r = *out[c.tag];
      FUZZ_CHECK(r.body.size() <= body_limit, "body of %zu bytes over the limit", r.body.size());
      if (!c.ec)
        FUZZ_CHECK(r.status >= 200 && r.status <= 999, "success with status %u", r.status);
    }
    s.completions().clear();
  }
  std::size_t open() const {
    std::size_t n = 0;
    for (const auto& [tag, count] : completions) n += count == 0 && !abandoned.count(tag);
    return n;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t chunk = data[0] == 0 ? size : data[0];
  const std::uint8_t flags = data[1];
  const unsigned abandon_after = (flags >> 3) & 7;
  data += 2;
  size -= 2;

  // The responses outlive the session: it writes into them until each completes.
  std::array<http::response, 3> responses;
  http::response_header_names keep;
  keep.names[0] = "x-request-id";
  keep.names[1] = "content-type";
  keep.count = 2;
  ledger book;
  h2_session session(8);

  http::request get;
  get.method = http::verb::get;
  get.target = "/v1/chat/completions/chatcmpl-1";
  get.common_headers = std::make_shared<const http::header_list>(
      http::header_list{{"Host", "api.example.com"}, {"Authorization", "Bearer sk-fuzz"}});
  http::request post = get;
  post.method = http::verb::post;
  post.body = std::string(3000, 'b');  // sent as DATA while the server's frames arrive
  post.extra_headers = {{"Content-Type", "application/json"}};

  auto submit = [&](const http::request& r, std::uint64_t tag) {
    book.out[tag] = &responses[tag - 1];
    if (session.submit(r, "api.example.com", true, {&responses[tag - 1], &keep, body_limit}, tag))
      book.completions[tag] = 0;
  };
  submit(get, 1);
  submit(post, 2);
  FUZZ_CHECK(book.completions.size() == 2, "a fresh session refused a request");

  std::string wire;
  if (flags & 1) session.produce(wire);
  if (flags & 4) session.ping();
  book.take(session);

  bool alive = true;
  unsigned index = 0;
  for (std::size_t at = 0; at < size && alive; at += chunk, ++index) {
    const std::size_t n = std::min(chunk, size - at);
    alive = session.receive(data + at, n);
    book.take(session);
    if (!alive) {
      FUZZ_CHECK(session.finished(), "receive() failed and the session is not finished");
      FUZZ_CHECK(book.open() == 0, "receive() failed with %zu streams still open", book.open());
      FUZZ_CHECK(!session.problem().empty(), "receive() failed without a problem");
      break;
    }
    if (abandon_after != 7 && index == abandon_after && book.completions.count(1)) {
      session.abandon(1);
      if (book.completions[1] == 0) book.abandoned.insert(1);
    }
    if (flags & 64 && at < size / 2 && at + n >= size / 2) submit(get, 3);
    if (flags & 2 || index % 2 == 1) {
      wire.clear();
      session.produce(wire);
      book.take(session);
    }
  }
  if (!(flags & 128)) {
    wire.clear();
    session.produce(wire);
    book.take(session);
  }

  session.fail(boost::asio::error::connection_reset, "the fuzzer closed the connection");
  book.take(session);
  FUZZ_CHECK(session.finished(), "not finished after fail()");
  FUZZ_CHECK(session.active() == 0, "%zu streams active after fail()", session.active());
  for (const auto& [tag, count] : book.completions)
    FUZZ_CHECK(count == (book.abandoned.count(tag) ? 0 : 1), "tag %llu completed %d times",
               static_cast<unsigned long long>(tag), count);
  http::request late = get;
  FUZZ_CHECK(!session.submit(late, "h", true, {&responses[2], &keep, body_limit}, 9),
             "a failed session took a request");
  return 0;
}

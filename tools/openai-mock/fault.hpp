// Fault injection for openai-mock, sans-io.
//
// For every API request (never /__mock/*) the session asks the server's fault_planner for a
// fault_plan *before* the store handles it and before anything is written. The plan says how
// the response is written, or how the connection fails instead. The planner consults, in order:
//   1. server_options::faults, a custom decider (tests), when it returns something other than
//      `none`;
//   2. the fault script: per completion id (or "*" for any API request), steps consumed in
//      order, then normal answers again;
//   3. the random fault rate: with probability `rate`, independently per request, one of 429
//      (with a short retry-after-ms), 500, 503 (with retry-after-ms) or a reset before the
//      response, drawn from a generator seeded with `seed` (deterministic given the request
//      order).
// The same plan applies to an HTTP/2 stream (h2_session.cpp): the actions that only make sense
// on an HTTP/1.1 wire are answered normally there (see h2_session.hpp), and four actions are
// HTTP/2 faults: rst_stream, goaway, stall_window, drop_connection.
// Everything here is plain data and pure functions: only session.cpp and h2_session.cpp do
// I/O. render_wire() turns a plan plus the store's response into the exact bytes (and the way the connection
// ends) for the actions Beast cannot write, so those bytes are unit-tested too.
//
//   openai_mock::server mock({.script = {{id, {fault_plan::error(429, {}, 100ms),
//                                              fault_plan::make(fault_action::reset),
//                                              fault_plan::ok()}}}});
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "exchange.hpp"

namespace openai_mock {

enum class fault_action {
  none,                  // the store answers; written normally
  respond,               // write `reply` instead; the store never sees the request
  reset,                 // RST (SO_LINGER 0) before any response byte; the store never sees it
  reset_mid_response,    // status line, headers and `bytes` of the body (0: half), then RST
  truncate,              // Content-Length claims `bytes` (0: 1000) more than is sent, then close
  delay,                 // wait `wait` (0: 500 ms), then answer normally
  slow_drip,             // the normal response, one byte every `wait` (0: 100 ms)
  malformed_status,      // status line replaced by `text` (empty: "HTTP/1.1 OK"), then close
  malformed_header,      // a header line without a colon (`text`, or a default), then close
  chunked,               // Transfer-Encoding: chunked, chunks of `bytes` (0: 16) bytes
  oversized,             // a 200 whose JSON body starts with `bytes` (0: 64 MiB) of whitespace,
                         // announced in Content-Length and streamed
  close_after_response,  // the normal answer with Connection: close, then close
  idle_close,            // the normal answer with keep-alive; the connection is then dead: the next
                         // request on it is met with a reset, unanswered (a server whose idle timer
                         // fired just as the client reused the connection)
  interim,               // interim (1xx) responses first: `text` (empty: a 100 Continue and a
                         // 103 Early Hints with a Link header), then the normal answer
  interim_then_close,    // the interim responses of `text` (as above), then close: no final answer
  no_content_with_body,  // "204 No Content" with a Content-Length and, a moment later, the body
                         // of the normal answer: bytes a client must not take as the next answer
  endless,               // a response that never ends, streamed until the client gives up; `text`
                         // says where: "header_value", "header_fields", "chunk_extension",
                         // "chunk_extensions" (endless small chunks, each with a long extension)
                         // or "trailers" (the default)

  // HTTP/2 faults, per stream (over HTTP/1.1 each falls back as noted). `text` names an
  // HTTP/2 error code in lower case ("refused_stream", "cancel", "internal_error", ...; the
  // JSON field "code").
  rst_stream,       // RST_STREAM with `text` (empty: refused_stream) before any response; the
                    // store never sees the request. HTTP/1.1: as `reset`
  goaway,           // GOAWAY with error code `text` (empty: no_error) and a last-stream-id naming
                    // the stream before this one: this stream and every later one are left
                    // unanswered and unprocessed, earlier ones are answered, then the connection
                    // closes. HTTP/1.1: as `reset`
  stall_window,     // HEADERS and `bytes` (0: none) of the body, then no DATA ever, as if the
                    // client's flow-control window stayed at zero; the other streams go on.
                    // HTTP/1.1: the head and `bytes` of the body, then silence until the client
                    // closes (or the idle timeout), then a reset
  drop_connection,  // HEADERS and `bytes` (0: half) of the body, then the TCP connection is reset,
                    // failing every stream on it. HTTP/1.1: as `reset_mid_response`

  // Hostile HTTP/2 faults: frames a broken or malicious server sends (hostile_frames.hpp), for
  // testing that a client fails only what it must. Per stream, in place of the answer (the
  // store never sees the request; HTTP/1.1: as `reset`):
  continuation_flood,  // HEADERS, then `bytes` (0: 1000) CONTINUATION frames of one 100-byte
                       // field each: a client should end the connection (nghttp2: more than 8)
  push_promise,        // PUSH_PROMISE on the stream although the client sent ENABLE_PUSH 0: a
                       // connection error (PROTOCOL_ERROR)
  bad_hpack,           // HEADERS whose block HPACK cannot decode (COMPRESSION_ERROR)
  oversized_frame,     // HEADERS, then DATA of 16385 bytes, above the default largest frame
                       // (FRAME_SIZE_ERROR)
  header_field_bomb,   // a response of `bytes` (0: 3000) tiny header fields (4 bytes each)
  huge_headers,        // a response of at least `bytes` (0: 80 KiB) header bytes, in HEADERS and
                       // CONTINUATION frames
  // On the connection, then the normal answer (HTTP/1.1: the normal answer):
  ping_flood,          // `bytes` (0: 2000) PING frames at once, each needing the client's ACK
  settings_flood,      // `bytes` (0: 2000) empty SETTINGS frames at once, likewise (the mock's
                       // own session takes the ACKs of a client that sends them all for a
                       // protocol error, and ends the connection)
  many_settings,       // one SETTINGS frame of `bytes` (0: 64) entries of unknown ids
};
inline constexpr std::size_t fault_action_count = 30;

// Whether the request reaches the store (or the admin routes) under this action: false for
// `respond` and for the actions that leave it unprocessed (reset, rst_stream, goaway).
bool reaches_store(fault_action a) noexcept;
// Whether the action sends hostile HTTP/2 frames on the stream instead of its answer.
bool replaces_answer_with_frames(fault_action a) noexcept;

// The HTTP/2 error code (RFC 9113 section 7) named "no_error", "protocol_error", ...,
// "http_1_1_required"; nullopt for another name.
std::optional<std::uint32_t> h2_error_code_from_name(std::string_view name) noexcept;

// "none", "respond", "reset", ... as in the enum; used in JSON and in the stats.
std::string_view fault_action_name(fault_action a) noexcept;
std::optional<fault_action> fault_action_from_name(std::string_view name) noexcept;

struct fault_plan {
  fault_action action = fault_action::none;
  response reply{};                   // respond: the canned reply
  std::chrono::milliseconds wait{0};  // delay: before answering; slow_drip: between bytes
  std::size_t bytes = 0;              // reset_mid_response, truncate, chunked, oversized
  std::string text{};                 // malformed_status / malformed_header: the bad line;
                                      // rst_stream / goaway: the HTTP/2 error code's name
  header_map headers{};               // set on the store's answer (any action but respond,
                                      // whose reply has its own): x-request-id bytes that are
                                      // not UTF-8, odd rate-limit values

  // Answer normally (a script step that ends a fault sequence).
  static fault_plan ok() { return {}; }
  static fault_plan make(fault_action a) {
    fault_plan p;
    p.action = a;
    return p;
  }
  // `respond` with an OpenAI-shaped error body: {"error":{"message","type","param","code"}}.
  // code: error.code (e.g. "insufficient_quota"), null when empty. retry_after: sent as
  // retry-after-ms when set.
  static fault_plan error(unsigned status, std::string_view code = {},
                          std::optional<std::chrono::milliseconds> retry_after = std::nullopt);
};

// How much of the body goes out before the response is cut, for reset_mid_response,
// drop_connection (`bytes`, 0: half) and stall_window (`bytes`, 0: none); never more than
// `body_size`.
std::size_t partial_body_bytes(const fault_plan& plan, std::size_t body_size) noexcept;
// How long `delay` waits (`wait`, 0: 500 ms).
std::chrono::milliseconds delay_of(const fault_plan& plan) noexcept;

// One step of a scripted sequence is a plan.
using fault_step = fault_plan;

// Completion id -> steps, consumed in order, one per request for that id; then normal again.
// The id "*" matches any API request whose id has no steps left (list calls included).
using fault_script = std::map<std::string, std::vector<fault_step>, std::less<>>;

struct random_fault_options {
  double rate = 0.0;       // probability per API request, in [0, 1]
  std::uint64_t seed = 0;  // same seed and request order -> same faults
  // Relative weights of the kinds drawn; all retryable. 429/503 carry retry-after-ms in
  // [min_wait, max_wait], so a retrying client recovers quickly.
  unsigned weight_429 = 50, weight_500 = 10, weight_503 = 20, weight_reset = 20;
  std::chrono::milliseconds min_wait{50}, max_wait{200};
};

// Custom decider, consulted first (may be empty). Called from several io threads at once:
// implementations guard their own state.
using fault_decider = std::function<fault_plan(const request&)>;

// The completion id a request is about: the percent-decoded segment after
// "<prefix>/chat/completions/", or empty (list calls, unknown paths).
std::string completion_id_of(std::string_view target, std::string_view path_prefix);

// One random fault, as the random rate draws it. Pure given the generator's state.
fault_plan random_fault(const random_fault_options& options, std::mt19937_64& rng);

// Decides the plan for each request. Thread-safe (one mutex; plans are cheap).
class fault_planner {
 public:
  fault_planner(std::string path_prefix, fault_script script = {}, random_fault_options random = {},
                fault_decider custom = {});

  fault_plan plan(const request& req);

  // Replaces the steps for `id` (an empty vector removes them).
  void script(const std::string& id, std::vector<fault_step> steps);
  void script(const fault_script& script);  // each id in it replaced
  void clear_script();
  // Steps not yet consumed, per id.
  std::map<std::string, std::size_t> pending() const;

 private:
  std::string prefix_;
  fault_decider custom_;
  random_fault_options random_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<fault_step>, std::less<>> script_;
  std::mt19937_64 rng_;
};

// Parses a script from JSON: {"<id>" | "*": [step, ...], ...}. A step is "ok" or an object:
//   {"action": "<fault_action name>",        default "respond" when "status" is given
//    "status": 429, "headers": {"retry-after-ms": "100"}, "body": "...",
//    "code": "insufficient_quota",           error.code of the generated error body
//    "retry_after_ms": 100,                  adds the retry-after-ms header
//    "ms": 100, "bytes": 10, "text": "HTPP/9 200",
//    "code": "refused_stream",               rst_stream / goaway: the HTTP/2 error code
//    "header_hex": {"x-request-id": "7265715fff"}}  header values as hex bytes, for values
//                                             JSON text cannot carry (not UTF-8)
// "headers" and "header_hex" also apply to the other actions, whose answer is the store's:
//   {"action": "none", "header_hex": {"x-request-id": "ff"}} answers normally with that id.
// A "respond" step without "body" gets an OpenAI-shaped error body (or "{}" for a 2xx).
// Throws std::invalid_argument naming the problem.
fault_script parse_fault_script(std::string_view json);

// Bytes for the actions written without Beast, and how the connection ends afterwards.
struct wire_response {
  // stall: nothing more is written; the connection is reset once the client closes it or
  // sends anything (or the idle timeout passes).
  enum class ending { keep_open, close, reset, stall };
  std::string head;                   // written first
  std::size_t filler = 0;             // then this many spaces (JSON whitespace)
  std::string tail;                   // then these
  std::string filler_unit = " ";      // what the filler repeats (cut at `filler` bytes)
  std::chrono::milliseconds pause{0};  // between head and tail (bytes that arrive late)
  std::chrono::milliseconds drip{0};  // > 0: every byte written alone, this far apart
  ending end = ending::close;
};

// For reset, reset_mid_response, truncate, slow_drip, malformed_status, malformed_header,
// chunked, oversized, interim, interim_then_close, no_content_with_body, endless and (their
// HTTP/1.1 fallbacks) rst_stream, goaway, stall_window and drop_connection; `normal` is the
// store's answer, `keep_alive` what the request asked.
wire_response render_wire(const fault_plan& plan, const response& normal, bool keep_alive);

// The plain HTTP/1.1 serialization of a response (Server, Content-Length, Connection added).
std::string serialize(const response& r, bool keep_alive);

}  // namespace openai_mock

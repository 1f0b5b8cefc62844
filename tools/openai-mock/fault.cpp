#include "fault.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

namespace openai_mock {

namespace beast = boost::beast;
namespace json = boost::json;
namespace urls = boost::urls;
using std::chrono::milliseconds;

namespace {

constexpr std::array<std::string_view, fault_action_count> action_names = {"none",
                                                                           "respond",
                                                                           "reset",
                                                                           "reset_mid_response",
                                                                           "truncate",
                                                                           "delay",
                                                                           "slow_drip",
                                                                           "malformed_status",
                                                                           "malformed_header",
                                                                           "chunked",
                                                                           "oversized",
                                                                           "close_after_response",
                                                                           "idle_close",
                                                                           "interim",
                                                                           "interim_then_close",
                                                                           "no_content_with_body",
                                                                           "endless",
                                                                           "rst_stream",
                                                                           "goaway",
                                                                           "stall_window",
                                                                           "drop_connection",
                                                                           "continuation_flood",
                                                                           "push_promise",
                                                                           "bad_hpack",
                                                                           "oversized_frame",
                                                                           "header_field_bomb",
                                                                           "huge_headers",
                                                                           "ping_flood",
                                                                           "settings_flood",
                                                                           "many_settings"};

// RFC 9113 section 7, in code order.
constexpr std::array<std::string_view, 14> h2_error_names = {
    "no_error",       "protocol_error",    "internal_error",      "flow_control_error",
    "settings_timeout", "stream_closed",   "frame_size_error",    "refused_stream",
    "cancel",         "compression_error", "connect_error",       "enhance_your_calm",
    "inadequate_security", "http_1_1_required"};

std::string_view error_type(unsigned status) {
  if (status == 401) return "invalid_request_error";
  if (status == 429) return "requests";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

// The status line's reason phrase, Beast's for every status it knows.
std::string_view reason(unsigned status) {
  const auto phrase = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return {phrase.data(), phrase.size()};
}

// Status line and fields, ending with the blank line. The framing fields of `r` are dropped:
// the caller decides them.
std::string head_of(const response& r, std::string_view framing, bool keep_alive,
                    std::string_view status_line = {}, std::string_view extra_line = {}) {
  std::string out;
  if (status_line.empty()) {
    out += "HTTP/1.1 " + std::to_string(r.status) + " ";
    out += reason(r.status);
  } else {
    out += status_line;
  }
  out += "\r\n";
  if (!extra_line.empty()) (out += extra_line) += "\r\n";
  out += "Server: openai-mock\r\n";
  for (const auto& [name, value] : r.headers) {
    if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
        beast::iequals(name, "connection") || beast::iequals(name, "server"))
      continue;
    out += name + ": " + value + "\r\n";
  }
  (out += framing) += "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string content_length(std::size_t n) { return "Content-Length: " + std::to_string(n); }

std::string hex(std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[n % 16]);
    n /= 16;
  } while (n);
  return out;
}

// Uniform in [0, 1) from the top 53 bits: the same on every standard library, unlike
// std::uniform_real_distribution.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::string string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return {};
  if (!v->is_string()) throw std::invalid_argument("\"" + std::string(key) + "\" must be a string");
  return std::string(v->get_string());
}

std::optional<std::uint64_t> number_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  throw std::invalid_argument("\"" + std::string(key) + "\" must be a non-negative integer");
}

// One byte per two hex digits.
std::string from_hex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2)
    throw std::invalid_argument("a \"header_hex\" value needs pairs of hex digits");
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) throw std::invalid_argument("a \"header_hex\" value is not hex");
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// "headers": {"name": "value"} or, hex, "header_hex": {"name": "72657131"}.
void read_headers(const json::object& o, std::string_view field, bool hex, header_map& out) {
  const json::value* h = o.if_contains(field);
  if (!h) return;
  if (!h->is_object())
    throw std::invalid_argument("\"" + std::string(field) + "\" must be an object");
  for (const auto& kv : h->get_object()) {
    if (!kv.value().is_string()) throw std::invalid_argument("header values must be strings");
    const std::string_view value = kv.value().get_string();
    out[std::string(kv.key())] = hex ? from_hex(value) : std::string(value);
  }
}

fault_step parse_step(const json::value& v) {
  if (v.is_string()) {
    auto name = std::string_view(v.get_string());
    if (name == "ok") return fault_plan::ok();
    if (auto a = fault_action_from_name(name); a && *a != fault_action::respond)
      return fault_plan::make(*a);
    throw std::invalid_argument("unknown step \"" + std::string(name) + "\"");
  }
  if (!v.is_object()) throw std::invalid_argument("a step must be a string or an object");
  const auto& o = v.get_object();
  static constexpr std::string_view known[] = {"action", "status",         "headers", "body",
                                               "code",   "retry_after_ms", "ms",      "bytes",
                                               "text",   "header_hex"};
  for (const auto& kv : o)
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
      throw std::invalid_argument("unknown step field \"" + std::string(kv.key()) + "\"");

  fault_step step;
  const auto status = number_field(o, "status");
  if (auto name = string_field(o, "action"); !name.empty()) {
    auto a = fault_action_from_name(name);
    if (!a && name == "ok") a = fault_action::none;
    if (!a) throw std::invalid_argument("unknown action \"" + name + "\"");
    step.action = *a;
  } else if (status) {
    step.action = fault_action::respond;
  } else {
    throw std::invalid_argument("a step needs \"action\" or \"status\"");
  }
  if (step.action == fault_action::respond) {
    if (!status || *status < 100 || *status > 599)
      throw std::invalid_argument("a respond step needs a \"status\" in [100, 599]");
    const auto retry = number_field(o, "retry_after_ms");
    step = fault_plan::error(static_cast<unsigned>(*status), string_field(o, "code"),
                             retry ? std::optional(milliseconds(*retry)) : std::nullopt);
    if (*status < 300) step.reply.body = "{}";
    if (o.contains("body")) step.reply.body = string_field(o, "body");
  }
  header_map& headers = step.action == fault_action::respond ? step.reply.headers : step.headers;
  read_headers(o, "headers", false, headers);
  read_headers(o, "header_hex", true, headers);
  if (auto ms = number_field(o, "ms")) step.wait = milliseconds(*ms);
  if (auto bytes = number_field(o, "bytes")) step.bytes = static_cast<std::size_t>(*bytes);
  step.text = string_field(o, "text");
  if (step.action == fault_action::rst_stream || step.action == fault_action::goaway) {
    if (!step.text.empty())
      throw std::invalid_argument("an HTTP/2 fault names its error in \"code\", not \"text\"");
    step.text = string_field(o, "code");
    if (!step.text.empty() && !h2_error_code_from_name(step.text))
      throw std::invalid_argument("unknown HTTP/2 error code \"" + step.text + "\"");
  }
  return step;
}

}  // namespace

std::string_view fault_action_name(fault_action a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < action_names.size() ? action_names[i] : "none";
}

std::optional<fault_action> fault_action_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < action_names.size(); ++i)
    if (action_names[i] == name) return static_cast<fault_action>(i);
  return std::nullopt;
}

bool reaches_store(fault_action a) noexcept {
  return a != fault_action::respond && a != fault_action::reset && a != fault_action::rst_stream &&
         a != fault_action::goaway && !replaces_answer_with_frames(a);
}

bool replaces_answer_with_frames(fault_action a) noexcept {
  return a == fault_action::continuation_flood || a == fault_action::push_promise ||
         a == fault_action::bad_hpack || a == fault_action::oversized_frame ||
         a == fault_action::header_field_bomb || a == fault_action::huge_headers;
}

std::size_t partial_body_bytes(const fault_plan& plan, std::size_t body_size) noexcept {
  if (plan.action == fault_action::stall_window) return std::min(plan.bytes, body_size);
  return plan.bytes ? std::min(plan.bytes, body_size) : body_size / 2;
}

milliseconds delay_of(const fault_plan& plan) noexcept {
  return plan.wait.count() > 0 ? plan.wait : milliseconds(500);
}

std::optional<std::uint32_t> h2_error_code_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < h2_error_names.size(); ++i)
    if (h2_error_names[i] == name) return static_cast<std::uint32_t>(i);
  return std::nullopt;
}

fault_plan fault_plan::error(unsigned status, std::string_view code,
                             std::optional<milliseconds> retry_after) {
  fault_plan p;
  p.action = fault_action::respond;
  p.reply.status = status;
  p.reply.headers["content-type"] = "application/json";
  if (retry_after) p.reply.headers["retry-after-ms"] = std::to_string(retry_after->count());
  json::object err{{"message", "openai-mock: injected HTTP " + std::to_string(status)},
                   {"type", error_type(status)},
                   {"param", nullptr},
                   {"code", nullptr}};
  if (!code.empty()) err["code"] = code;
  p.reply.body = json::serialize(json::object{{"error", std::move(err)}});
  return p;
}

std::string completion_id_of(std::string_view target, std::string_view path_prefix) {
  auto parsed = urls::parse_origin_form(target);
  if (!parsed) return {};
  std::vector<std::string> segs;
  for (auto s : parsed->segments()) segs.push_back(s);
  std::vector<std::string> prefix;
  if (auto p = urls::parse_origin_form(path_prefix.empty() ? "/" : path_prefix))
    for (auto s : p->segments())
      if (!s.empty()) prefix.push_back(s);
  if (segs.size() < prefix.size() + 3) return {};
  if (!std::equal(prefix.begin(), prefix.end(), segs.begin())) return {};
  if (segs[prefix.size()] != "chat" || segs[prefix.size() + 1] != "completions") return {};
  return segs[prefix.size() + 2];
}

fault_plan random_fault(const random_fault_options& o, std::mt19937_64& rng) {
  const std::uint64_t total =
      std::uint64_t{o.weight_429} + o.weight_500 + o.weight_503 + o.weight_reset;
  if (total == 0) return fault_plan::error(500);
  std::uint64_t pick = rng() % total;
  const auto lo = std::min(o.min_wait, o.max_wait), hi = std::max(o.min_wait, o.max_wait);
  auto wait = [&] {
    return lo + milliseconds(rng() % static_cast<std::uint64_t>((hi - lo).count() + 1));
  };
  if (pick < o.weight_429) return fault_plan::error(429, "rate_limit_exceeded", wait());
  pick -= o.weight_429;
  if (pick < o.weight_500) return fault_plan::error(500);
  pick -= o.weight_500;
  if (pick < o.weight_503) return fault_plan::error(503, {}, wait());
  return fault_plan::make(fault_action::reset);
}

fault_planner::fault_planner(std::string path_prefix, fault_script script,
                             random_fault_options random, fault_decider custom)
    : prefix_(std::move(path_prefix)),
      custom_(std::move(custom)),
      random_(random),
      rng_(random.seed) {
  this->script(script);
}

fault_plan fault_planner::plan(const request& req) {
  if (custom_) {
    fault_plan p = custom_(req);
    if (p.action != fault_action::none) return p;
  }
  const std::string id = completion_id_of(req.target, prefix_);
  std::lock_guard lock(mutex_);
  for (const std::string_view key : {std::string_view(id), std::string_view("*")}) {
    if (key.empty()) continue;
    auto it = script_.find(key);
    if (it == script_.end()) continue;
    fault_step step = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) script_.erase(it);
    return step;
  }
  if (random_.rate > 0 && unit(rng_) < random_.rate) return random_fault(random_, rng_);
  return {};
}

void fault_planner::script(const std::string& id, std::vector<fault_step> steps) {
  std::lock_guard lock(mutex_);
  if (steps.empty()) {
    script_.erase(id);
    return;
  }
  script_[id] = std::deque<fault_step>(std::make_move_iterator(steps.begin()),
                                       std::make_move_iterator(steps.end()));
}

void fault_planner::script(const fault_script& s) {
  for (const auto& [id, steps] : s) script(id, steps);
}

void fault_planner::clear_script() {
  std::lock_guard lock(mutex_);
  script_.clear();
}

std::map<std::string, std::size_t> fault_planner::pending() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::size_t> out;
  for (const auto& [id, steps] : script_) out[id] = steps.size();
  return out;
}

fault_script parse_fault_script(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw std::invalid_argument("fault script is not JSON: " + ec.message());
  if (!v.is_object())
    throw std::invalid_argument("fault script must be an object {\"<id>\": [steps]}");
  fault_script out;
  for (const auto& kv : v.get_object()) {
    const std::string id(kv.key());
    if (id.empty()) throw std::invalid_argument("fault script: empty completion id");
    if (!kv.value().is_array())
      throw std::invalid_argument("fault script: \"" + id + "\" must map to an array of steps");
    auto& steps = out[id];
    for (const auto& s : kv.value().get_array()) {
      try {
        steps.push_back(parse_step(s));
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("fault script: \"" + id + "\" step " +
                                    std::to_string(steps.size() + 1) + ": " + e.what());
      }
    }
  }
  return out;
}

std::string serialize(const response& r, bool keep_alive) {
  return head_of(r, content_length(r.body.size()), keep_alive) + r.body;
}

namespace {

// A 100 Continue nobody asked for, then an Early Hints with a header of its own.
constexpr std::string_view default_interim =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";

// The head up to the point where it goes on forever, and what it goes on with.
void render_endless(const fault_plan& plan, const response& normal, wire_response& w) {
  const std::string_view where = plan.text.empty() ? std::string_view("trailers") : plan.text;
  const std::string chunked_head = head_of(normal, "Transfer-Encoding: chunked", true);
  if (where == "header_value") {
    w.head = "HTTP/1.1 200 OK\r\nServer: openai-mock\r\nX-Endless: ";
    w.filler_unit = "a";
  } else if (where == "header_fields") {
    w.head = "HTTP/1.1 200 OK\r\nServer: openai-mock\r\n";
    w.filler_unit = "X-Endless: a\r\n";
  } else if (where == "chunk_extension") {
    w.head = chunked_head + "10;ext=";
    w.filler_unit = "a";
  } else if (where == "chunk_extensions") {  // one-byte chunks, each with a 3000-byte extension
    w.head = chunked_head;
    w.filler_unit = "1;ext=" + std::string(3000, 'a') + "\r\nx\r\n";
  } else {  // trailers, after the whole body
    w.head = chunked_head + hex(normal.body.size()) + "\r\n" + normal.body + "\r\n0\r\n";
    w.filler_unit = "X-Trailer: a\r\n";
  }
  w.filler = plan.bytes ? plan.bytes : std::size_t{1} << 30;
  w.end = wire_response::ending::close;
}

}  // namespace

wire_response render_wire(const fault_plan& plan, const response& normal, bool keep_alive) {
  using ending = wire_response::ending;
  wire_response w;
  const std::string& body = normal.body;
  switch (plan.action) {
    case fault_action::reset:
    case fault_action::rst_stream:  // the HTTP/1.1 way of failing one request unprocessed
    case fault_action::goaway:
    case fault_action::continuation_flood:  // the hostile HTTP/2 frames of one stream
    case fault_action::push_promise:
    case fault_action::bad_hpack:
    case fault_action::oversized_frame:
    case fault_action::header_field_bomb:
    case fault_action::huge_headers:
      w.end = ending::reset;
      break;
    case fault_action::stall_window:  // the session then waits for the client to give up
    case fault_action::reset_mid_response:
    case fault_action::drop_connection:
      w.head = head_of(normal, content_length(body.size()), keep_alive) +
               body.substr(0, partial_body_bytes(plan, body.size()));
      w.end = plan.action == fault_action::stall_window ? ending::stall : ending::reset;
      break;
    case fault_action::truncate: {
      const std::size_t missing = plan.bytes ? plan.bytes : 1000;
      w.head = head_of(normal, content_length(body.size() + missing), false) + body;
      w.end = ending::close;
      break;
    }
    case fault_action::slow_drip:
      w.head = serialize(normal, keep_alive);
      w.drip = plan.wait.count() > 0 ? plan.wait : milliseconds(100);
      w.end = keep_alive ? ending::keep_open : ending::close;
      break;
    case fault_action::malformed_status:
      w.head = head_of(normal, content_length(body.size()), false,
                       plan.text.empty() ? std::string_view("HTTP/1.1 OK") : plan.text) +
               body;
      w.end = ending::close;
      break;
    case fault_action::malformed_header:
      w.head = head_of(normal, content_length(body.size()), false, {},
                       plan.text.empty() ? std::string_view("X-Broken header without a colon")
                                         : plan.text) +
               body;
      w.end = ending::close;
      break;
    case fault_action::chunked: {
      const std::size_t size = plan.bytes ? plan.bytes : 16;
      w.head = head_of(normal, "Transfer-Encoding: chunked", keep_alive);
      for (std::size_t at = 0; at < body.size(); at += size) {
        const std::size_t n = std::min(size, body.size() - at);
        w.head += hex(n) + "\r\n" + body.substr(at, n) + "\r\n";
      }
      w.head += "0\r\n\r\n";
      w.end = keep_alive ? ending::keep_open : ending::close;
      break;
    }
    case fault_action::oversized: {
      response ok = normal;
      ok.status = 200;
      w.filler = plan.bytes ? plan.bytes : std::size_t{64} << 20;
      w.head = head_of(ok, content_length(w.filler + body.size()), false);
      w.tail = body;
      w.end = ending::close;
      break;
    }
    case fault_action::interim:
    case fault_action::interim_then_close: {
      w.head = plan.text.empty() ? std::string(default_interim) : plan.text;
      if (plan.action == fault_action::interim_then_close) break;  // ending::close
      w.head += serialize(normal, keep_alive);
      w.end = keep_alive ? ending::keep_open : ending::close;
      break;
    }
    case fault_action::no_content_with_body: {
      response no_content = normal;
      no_content.status = 204;
      w.head = head_of(no_content, content_length(body.size()), keep_alive);
      w.pause = milliseconds(100);
      w.tail = body;
      w.end = keep_alive ? ending::keep_open : ending::close;
      break;
    }
    case fault_action::endless:
      render_endless(plan, normal, w);
      break;
    default:  // written by Beast: none, respond, delay, close_after_response, idle_close
      w.head = serialize(normal, keep_alive);
      w.end = keep_alive ? ending::keep_open : ending::close;
      break;
  }
  return w;
}

}  // namespace openai_mock

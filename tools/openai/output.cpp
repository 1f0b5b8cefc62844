#include "output.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace openai_cli {

namespace json = boost::json;

namespace {

// Boost.JSON 1.81 prints 1.0 as "1E0"; people (and jq) expect "1.0". Shortest round-trip form,
// with ".0" added when it would otherwise read as an integer.
void write_double(std::string& out, double d) {
  if (!std::isfinite(d)) {  // not JSON; Boost.JSON never parses these, but be safe
    out += "null";
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

// One line, in the order of the object's keys (json_layout.hpp indents it).
void write(std::string& out, const json::value& v) {
  if (v.is_object()) {
    const json::object& o = v.get_object();
    out += '{';
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out += ',';
      first = false;
      out += json::serialize(kv.key());
      out += ':';
      write(out, kv.value());
    }
    out += '}';
  } else if (v.is_array()) {
    const json::array& a = v.get_array();
    out += '[';
    bool first = true;
    for (const auto& e : a) {
      if (!first) out += ',';
      first = false;
      write(out, e);
    }
    out += ']';
  } else if (v.is_double()) {
    write_double(out, v.get_double());
  } else {
    out += json::serialize(v);
  }
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

std::string or_none(const std::string& s) { return s.empty() ? "none" : s; }

std::string attempts_text(unsigned attempts) {
  if (attempts <= 1) return {};
  return " (after " + std::to_string(attempts) + " attempts)";
}

}  // namespace

const char* status_reason(unsigned status) noexcept {
  // Beast's table of reason phrases; an unknown status has none.
  const auto known = boost::beast::http::int_to_status(status);
  if (known == boost::beast::http::status::unknown) return nullptr;
  return boost::beast::http::obsolete_reason(known).data();
}

std::string compact_json(const json::value& v) {
  std::string out;
  write(out, v);
  return out;
}

int exit_status_for(boost::system::error_code kind) noexcept {
  if (kind == openai::errc::invalid_argument || kind == openai::errc::invalid_configuration)
    return exit_usage;
  return exit_failure;
}

std::string format_error(boost::system::error_code kind, const openai::diagnostics& d,
                         std::string_view fallback_message) {
  std::string message = one_line(d.message.empty() ? std::string(fallback_message) : d.message);
  if (message.empty()) message = kind.message();
  using openai::errc;
  if (kind == errc::invalid_argument) {
    std::string out = "openai: invalid input, nothing sent: ";
    if (d.violations.empty()) return out + message;
    for (std::size_t i = 0; i < d.violations.size(); ++i) {
      if (i) out += "; ";
      out += one_line(d.violations[i]);
    }
    return out;
  }
  if (kind == errc::invalid_configuration) return "openai: invalid configuration: " + message;
  if (kind == errc::network) return "openai: network error: " + message + attempts_text(d.attempts);
  if (kind == errc::timeout) return "openai: timeout: " + message + attempts_text(d.attempts);
  if (kind == errc::bad_response) {
    std::string out = "openai: bad response";
    if (d.status) out += " (HTTP " + std::to_string(d.status) + ")";
    out += ": " + message;
    if (!d.request_id.empty()) out += " (request id: " + d.request_id + ")";
    return out;
  }
  if (d.status != 0) {
    std::string out = "openai: error: HTTP " + std::to_string(d.status);
    if (const char* r = status_reason(d.status)) out += std::string(" ") + r;
    out += ": " + message + " (type: " + or_none(d.type) + ", code: " + or_none(d.code);
    if (!d.param.empty()) out += ", param: " + d.param;
    out += ", request id: " + or_none(d.request_id);
    if (d.attempts > 1) out += ", attempts: " + std::to_string(d.attempts);
    return out + ")";
  }
  return "openai: error: " + message;
}

}  // namespace openai_cli

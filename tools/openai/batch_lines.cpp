#include "batch_lines.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <openai/error.hpp>

#include "line_splitter.hpp"
#include "output.hpp"
#include "resume_index.hpp"

namespace openai_cli {

namespace json = boost::json;

bool is_blank_line(std::string_view line) noexcept {
  return line.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

openai::metadata parse_set_pairs(const std::vector<std::string>& pairs) {
  openai::metadata md;
  for (const std::string& p : pairs) {
    const std::size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      throw usage_error("--set needs KEY=VALUE, not '" + p + "'");
    std::string key = p.substr(0, eq);
    if (md.contains(key)) throw usage_error("--set '" + key + "' given twice");
    md.insert_or_assign(std::move(key), p.substr(eq + 1));
  }
  return md;
}

namespace {

parsed_line input_error(std::string message, std::string id = {}) {
  parsed_line p;
  p.what = parsed_line::outcome::input;
  p.completion_id = std::move(id);
  p.message = std::move(message);
  return p;
}

parsed_line validation_error(std::string id, std::string message) {
  parsed_line p;
  p.what = parsed_line::outcome::validation;
  p.completion_id = std::move(id);
  p.message = std::move(message);
  return p;
}

}  // namespace

namespace {

// A "metadata" member's pairs into md: "" when they fit, else the validation message.
std::string read_metadata(const json::value& m, openai::metadata& md) {
  if (m.is_null()) {
    md = openai::metadata::null_value();
    return {};
  }
  if (!m.is_object()) return "\"metadata\" is neither an object nor null";
  for (const auto& kv : m.get_object()) {
    if (!kv.value().is_string())
      return "metadata value of '" + std::string(kv.key()) + "' is not a string";
    md.insert_or_assign(std::string(kv.key()), std::string(kv.value().get_string()));
  }
  return {};
}

bool is_completion_object(const json::object& o) {
  const json::value* object = o.if_contains("object");
  return object && object->is_string() && object->get_string() == "chat.completion";
}

}  // namespace

parsed_line parse_update_line(std::string_view line, const openai::metadata& set) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return input_error("not valid JSON: " + ec.message());
  if (!v.is_object()) return input_error("not a JSON object");
  const json::object& o = v.get_object();

  const json::value* id = o.if_contains("completion_id");
  if (!id) id = o.if_contains("id");
  if (!id) return input_error("no \"completion_id\" (or \"id\")");
  if (!id->is_string()) return input_error("\"completion_id\" is not a string");
  std::string completion_id(id->get_string());

  openai::metadata md;
  const json::value* m = o.if_contains("metadata");
  if (!m) {
    if (set.empty()) return input_error("no \"metadata\" (and no --set)", completion_id);
  } else if (std::string problem = read_metadata(*m, md); !problem.empty()) {
    return validation_error(completion_id, std::move(problem));
  }
  for (const auto& [k, val] : set) md.insert_or_assign(k, val);

  parsed_line p;
  p.what = parsed_line::outcome::update;
  p.completion_id = std::move(completion_id);
  p.metadata = std::move(md);
  if (m && is_completion_object(o)) p.previous = *m;
  return p;
}

parsed_line parse_undo_line(std::string_view record) {
  boost::system::error_code ec;
  json::value v = json::parse(record, ec);
  if (ec) return input_error("not a record of update-many (not valid JSON: " + ec.message() + ")");
  if (!v.is_object()) return input_error("not a record of update-many (not a JSON object)");
  const json::object& o = v.get_object();
  const json::value* ok = o.if_contains("ok");
  if (!ok || !ok->is_bool()) return input_error("not a record of update-many (no \"ok\")");
  const json::value* dry = o.if_contains("dry_run");
  if (!ok->get_bool() || (dry && dry->is_bool() && dry->get_bool())) {
    parsed_line p;
    p.what = parsed_line::outcome::skip;  // nothing was applied: nothing to take back
    return p;
  }
  const json::value* id = o.if_contains("completion_id");
  if (!id || !id->is_string()) return input_error("an ok record without a \"completion_id\"");
  std::string completion_id(id->get_string());
  const json::value* previous = o.if_contains("previous_metadata");
  if (!previous)
    return input_error(
        "cannot undo: the record has no \"previous_metadata\" (its line carried no metadata "
        "of the completion and the batch ran without --undoable)",
        completion_id);
  parsed_line p;
  if (std::string problem = read_metadata(*previous, p.metadata); !problem.empty())
    return validation_error(completion_id, "previous_metadata: " + problem);
  p.what = parsed_line::outcome::update;
  p.completion_id = std::move(completion_id);
  return p;
}

namespace {

bool is_token_char(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::vector<std::string> dry_run_violations(
    std::string_view completion_id, const openai::metadata& md,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::vector<std::string> v;
  if (completion_id.empty())
    v.emplace_back("completion id must not be empty");
  else if (completion_id == "." || completion_id == "..")
    v.emplace_back("completion id must not be '.' or '..'");
  for (std::string& m : openai::metadata_violations(md)) v.push_back(std::move(m));
  for (const auto& [name, value] : extra_headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return is_token_char(static_cast<unsigned char>(c));
        }))
      v.push_back("extra header name '" + name.substr(0, 64) + "' is not an HTTP token");
    else if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      v.push_back("extra header " + name + " has a CR, LF or NUL in its value");
    else if (iequal(name, "Content-Length") || iequal(name, "Transfer-Encoding"))
      v.push_back("extra header " + name + " is set by the client itself");
  }
  return v;
}

namespace {

std::size_t first_invalid_utf8(std::string_view text) noexcept;

}  // namespace

std::string format_record(const batch_record& r) {
  // Escaping copies; valid text (nearly always) goes in as it is.
  const auto text = [](const std::string& s) {
    return first_invalid_utf8(s) == std::string_view::npos ? json::string(s)
                                                           : json::string(escape_invalid_utf8(s));
  };
  json::object o;
  o.reserve(8);
  o["line"] = r.line;
  if (r.completion_id)
    o["completion_id"] = text(*r.completion_id);
  else
    o["completion_id"] = nullptr;
  o["ok"] = r.ok;
  if (r.ok && r.status) o["status"] = r.status;
  o["attempts"] = r.attempts;
  if (!r.request_id.empty()) o["request_id"] = text(r.request_id);
  if (!r.ok) {
    json::object e;
    e["kind"] = text(r.kind);
    if (r.status)
      e["status"] = r.status;
    else
      e["status"] = nullptr;
    e["message"] = text(r.message);
    if (!r.type.empty()) e["type"] = text(r.type);
    if (!r.code.empty()) e["code"] = text(r.code);
    o["error"] = std::move(e);
  }
  if (r.dry_run) {
    o["dry_run"] = true;
    if (r.metadata) {
      if (r.metadata->is_null()) {
        o["metadata"] = nullptr;
      } else {
        json::object md;
        for (const auto& [k, val] : *r.metadata) md[k] = text(val);
        o["metadata"] = std::move(md);
      }
    }
  }
  if (r.previous) o["previous_metadata"] = *r.previous;
  // Last, so that the fields before it read as they always did.
  if (r.elapsed.count() > 0) o["elapsed_us"] = r.elapsed.count();
  return compact_json(o);
}

std::string_view error_kind(boost::system::error_code ec) {
  using openai::errc;
  if (!ec) return {};
  if (ec == errc::invalid_argument || ec == errc::invalid_configuration) return "validation";
  // The same kinds as the library's error and the command's message ("bad response").
  if (ec == errc::network) return "network";
  if (ec == errc::bad_response) return "bad_response";
  if (ec == errc::timeout) return "timeout";
  if (ec.category() == openai::error_category()) return "api";
  if (ec == boost::system::errc::operation_canceled) return "cancelled";
  return "network";
}

std::optional<std::uint64_t> ok_line_of_record(std::string_view record) {
  const resume_record r = parse_resume_record(record);
  if (r.what != resume_record::kind::ok) return std::nullopt;
  return r.line;
}

namespace {

// The length of the valid UTF-8 sequence at the start of s, or 0 (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s) noexcept {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  return n;
}

std::size_t first_invalid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text.substr(i));
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace

std::string escape_invalid_utf8(std::string_view text) {
  std::string out;
  std::size_t copied = 0;  // text before this is already in out (or valid and not yet needed)
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t n = utf8_sequence(text.substr(i))) {
      i += n;
      continue;
    }
    static constexpr char hex[] = "0123456789ABCDEF";
    const auto c = static_cast<unsigned char>(text[i]);
    out.append(text.substr(copied, i - copied)).append("\\x");
    out += hex[c >> 4];
    out += hex[c & 0xF];
    copied = ++i;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

std::string too_long_line_message(std::uint64_t bytes) {
  return "line of " + std::to_string(bytes) + " bytes, longer than the " +
         std::to_string(max_line_bytes >> 20) + " MiB an update line may have: not read";
}

bool exhausted_retries(const batch_record& r, unsigned max_retries) noexcept {
  return !r.ok && max_retries > 0 && r.attempts > max_retries;
}

void batch_tally::add(const batch_record& r) {
  ++records;
  if (r.ok)
    ++ok;
  else
    ++failed_by_kind[r.kind];
  if (r.attempts > 1) retries += r.attempts - 1;
  if (r.retries_exhausted) ++exhausted;
  if (r.elapsed.count() > 0) latencies.add(r.elapsed);
}

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<unsigned long long>(std::llround(seconds));
  char buf[48];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%llu:%02llu", s / 60, s % 60);
  return buf;
}

}  // namespace

std::string format_summary(const batch_tally& t, double elapsed_seconds, bool interrupted,
                           bool dry_run) {
  std::string out = interrupted ? "openai: interrupted: " : "openai: update-many: ";
  if (dry_run) out += "dry run, nothing sent: ";
  out += std::to_string(t.records) + (t.records == 1 ? " line, " : " lines, ");
  out += std::to_string(t.ok) + " ok, " + std::to_string(t.failed()) + " failed";
  if (!t.failed_by_kind.empty()) {
    out += " (";
    bool first = true;
    for (const auto& [kind, n] : t.failed_by_kind) {
      if (!first) out += ", ";
      first = false;
      out += kind + ' ' + std::to_string(n);
    }
    out += ')';
  }
  if (t.exhausted)
    out += ", " + std::to_string(t.exhausted) + " out of retries (--resume redoes them)";
  out += ", " + std::to_string(t.retries) + " retries";
  if (t.skipped) out += ", " + std::to_string(t.skipped) + " skipped (already ok)";
  out += ", " + fixed(elapsed_seconds, 2) + " s, ";
  const double rate = elapsed_seconds > 0 ? static_cast<double>(t.ok) / elapsed_seconds : 0;
  out += fixed(rate, 0) + (dry_run ? " lines/s" : " updates/s");
  if (t.latencies.count() > 0) {
    const auto ms = [&](double q) {
      return fixed(static_cast<double>(t.latencies.percentile(q).count()) / 1000.0, 1);
    };
    out += ", p50 " + ms(0.5) + " ms, p99 " + ms(0.99) + " ms";
  }
  return out;
}

std::string format_progress(const progress_view& v, std::size_t width) {
  std::string tail;
  const std::string rate = fixed(v.rate, 0) + "/s";
  if (v.total) {
    const double total = static_cast<double>(*v.total);
    const double f = total > 0 ? std::min(1.0, static_cast<double>(v.done) / total) : 1.0;
    const std::string pct = fixed(f * 100, 0);
    tail = std::string(pct.size() < 3 ? 3 - pct.size() : 0, ' ') + pct + "%  " +
           std::to_string(v.done) + '/' + std::to_string(*v.total) + "  " + rate;
    const std::uint64_t left = *v.total > v.done ? *v.total - v.done : 0;
    tail += "  ETA " + (v.rate > 0 ? clock_text(static_cast<double>(left) / v.rate)
                                   : std::string(left ? "?" : "0:00"));
  } else {
    tail = std::to_string(v.done) + " done  " + rate + "  " + clock_text(v.elapsed_seconds);
  }
  tail += "  in flight " + std::to_string(v.in_flight);
  if (v.retries) tail += "  retries " + std::to_string(v.retries);
  if (v.failed) tail += "  failed " + std::to_string(v.failed);

  std::string out;
  if (v.total && width > tail.size() + 12) {
    const std::size_t bar = std::min<std::size_t>(30, width - tail.size() - 3);
    const double total = static_cast<double>(*v.total);
    const double f = total > 0 ? std::min(1.0, static_cast<double>(v.done) / total) : 1.0;
    const auto filled = static_cast<std::size_t>(f * static_cast<double>(bar));
    out = '[' + std::string(filled, '#') + std::string(bar - filled, ' ') + "] ";
  }
  out += tail;
  if (out.size() > width) out.resize(width);
  return out;
}

}  // namespace openai_cli

#include "render.hpp"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "gjson_path.hpp"
#include "json_layout.hpp"
#include "output.hpp"
#include "yaml_text.hpp"

namespace openai_cli {

namespace json = boost::json;

namespace {

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return compact_json(v);
}

// The readable tree of --format pretty: one line per field, the nesting drawn.
void tree(std::string& out, const json::value& v, const std::string& prefix) {
  auto children = [&](auto&& each, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const bool last = i + 1 == n;
      each(i, prefix + (last ? "└─ " : "├─ "), prefix + (last ? "   " : "│  "));
    }
  };
  auto node = [&](const std::string& lead, const std::string& label, const json::value& c,
                  const std::string& next) {
    out += lead + label;
    if (c.is_object() && !c.get_object().empty()) {
      out += '\n';
      tree(out, c, next);
    } else if (c.is_array() && !c.get_array().empty()) {
      out += " [" + std::to_string(c.get_array().size()) + "]\n";
      tree(out, c, next);
    } else {
      out += ": " + compact_json(c) + '\n';
    }
  };
  if (v.is_object()) {
    const json::object& o = v.get_object();
    auto it = o.begin();
    children(
        [&](std::size_t, const std::string& lead, const std::string& next) {
          node(lead, std::string(it->key()), it->value(), next);
          ++it;
        },
        o.size());
  } else if (v.is_array()) {
    const json::array& a = v.get_array();
    children(
        [&](std::size_t i, const std::string& lead, const std::string& next) {
          node(lead, "[" + std::to_string(i) + "]", a[i], next);
        },
        a.size());
  } else {
    out += compact_json(v) + '\n';
  }
}

// "finish_reason" -> "Finish reason", "id" -> "ID".
std::string label_of(std::string_view key) {
  if (key == "id") return "ID";
  std::string out(key);
  for (char& c : out)
    if (c == '_') c = ' ';
  if (out.ends_with(" id")) out.replace(out.size() - 2, 2, "ID");
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// The text form: labelled fields, nested details indented, nulls left out; a chat
// completion's messages first, since their text is what a reader wants.
void text(std::string& out, const json::value& v, int depth) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      const json::value& c = kv.value();
      if (c.is_null()) continue;
      const std::string label = indent + label_of(kv.key()) + ":";
      if (c.is_object()) {
        if (c.get_object().empty()) continue;
        out += label + '\n';
        text(out, c, depth + 1);
      } else if (c.is_array()) {
        const json::array& a = c.get_array();
        if (a.empty()) continue;
        const bool scalars = std::none_of(
            a.begin(), a.end(), [](const json::value& e) { return e.is_object() || e.is_array(); });
        if (scalars) {
          std::string joined;
          for (const auto& e : a) joined += (joined.empty() ? "" : ", ") + scalar_text(e);
          out += label + ' ' + joined + '\n';
          continue;
        }
        out += label + '\n';
        for (std::size_t i = 0; i < a.size(); ++i) {
          out += indent + "  - " + std::to_string(i + 1) + ":\n";
          text(out, a[i], depth + 2);
        }
      } else {
        out += label + ' ' + scalar_text(c) + '\n';
      }
    }
  } else if (v.is_array()) {
    for (const auto& e : v.get_array()) text(out, e, depth);
  } else {
    out += indent + scalar_text(v) + '\n';
  }
}

std::string chat_text(const json::object& o) {
  std::string out;
  if (const json::value* choices = o.if_contains("choices"); choices && choices->is_array())
    for (const json::value& c : choices->get_array())
      if (const json::value* m = c.is_object() ? c.get_object().if_contains("message") : nullptr)
        if (m->is_object())
          if (const json::value* content = m->get_object().if_contains("content");
              content && content->is_string())
            out += std::string(content->get_string()) + "\n\n";
  return out;
}

// A request id shown only when it looks like one: short, of letters, digits, '.', '_', '-'.
bool printable_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 256 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::string hint(boost::system::error_code kind, unsigned status) {
  using openai::errc;
  if (status == 401) return "Check the API key: --api-key or OPENAI_API_KEY.";
  if (status == 403) return "The key has no access to this project or organization.";
  if (status == 404)
    return "Check the completion id: only completions created with store: true are kept.";
  if (status == 429) return "Slow down (--max-rps) or wait, then try again.";
  if (status >= 500)
    return "The server failed; it may have applied the request. Retrieve the completion "
           "before trying again.";
  if (status >= 400) return "Fix the request; --format-error json shows the whole error.";
  if (kind == errc::network || kind == errc::timeout)
    return "Check the base URL and the network, or raise --timeout / --max-retries.";
  return "Run with --debug to see the requests.";
}

}  // namespace

std::string render(const json::value& v, const render_options& o) {
  if (o.raw_output && v.is_string()) return std::string(v.get_string());
  // json and raw show the text the server sent when it is v, so numbers and escapes print as
  // received (as the official CLI prints them); else v's own serialization. auto always uses
  // ours, whose numbers read as the API reference writes them (1.0, not a server's 1E0).
  const std::string sent = o.received.empty() ? compact_json(v) : std::string(o.received);
  auto coloured = [&](std::string s) { return o.color ? coloured_json(s) : s; };
  switch (o.format) {
    case output_format::pretty:  // auto: json's layout, except list items, one line each
      if (o.list_item) return coloured(compact_json(v));
      return coloured(indented_json(compact_json(v)));
    case output_format::json:
    case output_format::explore:
      return coloured(indented_json(sent));
    case output_format::jsonl:
      return coloured(compact_json(v));
    case output_format::raw:
      return sent;
    case output_format::yaml:
      return (o.list_item ? "---\n" : "") + to_yaml(v);
    case output_format::tree: {
      std::string out;
      tree(out, v, "");
      if (!out.empty() && !o.list_item) out.pop_back();  // items: a blank line between them
      return out;
    }
    case output_format::text: {
      std::string out = v.is_object() ? chat_text(v.get_object()) : std::string();
      text(out, v, 0);
      while (!out.empty() && out.back() == '\n') out.pop_back();
      if (o.list_item) out += '\n';  // a blank line between items
      return out;
    }
  }
  return compact_json(v);
}

json::value transformed(const json::value& v, const std::optional<std::string>& path) {
  if (!path || path->empty()) return v;
  std::optional<json::value> r = gjson_get(v, *path);
  return r ? std::move(*r) : v;
}

bool want_color(bool stdout_is_terminal, const env_lookup& env) {
  if (env("NO_COLOR")) return false;
  const std::optional<std::string> force = env("FORCE_COLOR");
  if (force == "1") return true;
  if (force == "0") return false;
  return stdout_is_terminal;
}

json::value error_object(boost::system::error_code kind, const openai::diagnostics& d,
                         std::string_view fallback_message) {
  const std::string message = d.message.empty() ? std::string(fallback_message) : d.message;
  auto or_null = [](const std::string& s) -> json::value {
    if (s.empty()) return nullptr;
    return json::string(s);
  };
  json::object o;
  if (d.status >= 400 && (!d.type.empty() || !d.code.empty())) {
    o["message"] = message;
    o["type"] = or_null(d.type);
    o["param"] = or_null(d.param);
    o["code"] = or_null(d.code);
    return o;
  }
  if (kind == openai::errc::invalid_argument && !d.violations.empty()) {
    std::string all;
    for (const auto& v : d.violations) all += (all.empty() ? "" : "; ") + v;
    o["message"] = all;
    return o;
  }
  o["message"] = message.empty() ? kind.message() : message;
  if (d.status) o["status_code"] = d.status;
  return o;
}

std::string error_summary(boost::system::error_code kind, const openai::diagnostics& d,
                          std::string_view fallback_message, bool show_request_id) {
  std::string out = "HTTP " + std::to_string(d.status);
  if (const char* phrase = status_reason(d.status)) out += std::string(": ") + phrase;
  out += ".\n";
  if (show_request_id && printable_request_id(d.request_id))
    out += "Request ID: " + d.request_id + '\n';
  std::string message = d.message.empty() ? std::string(fallback_message) : d.message;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (!message.empty()) out += message + '\n';
  return out + "Hint: " + hint(kind, d.status) + "\nDetails: --format-error json";
}

std::string render_error(boost::system::error_code kind, const openai::diagnostics& d,
                         std::string_view fallback_message, const global_options& g, bool color) {
  output_format f = error_format(g);
  const bool extracting = g.transform_error && !g.transform_error->empty();
  if (!extracting && (f == output_format::pretty || f == output_format::text)) {
    // The official summary for an answer with an HTTP error status; the one-line message for
    // everything else (no answer, validation, configuration), as the official CLI prints a
    // local message for those. A request id the caller chose (-H X-Request-ID) may be echoed
    // by a server, so it is not presented as the server's.
    if (d.status < 400) return format_error(kind, d, fallback_message);
    const bool own_id = std::any_of(g.headers.begin(), g.headers.end(), [](const auto& h) {
      return boost::algorithm::iequals(h.first, "x-request-id");
    });
    return error_summary(kind, d, fallback_message, !own_id);
  }
  // With --transform-error, auto and text print the data, as the official CLI does.
  if (f == output_format::text) f = output_format::pretty;
  render_options o;
  o.format = f;
  o.color = color;
  o.raw_output = g.raw_output;
  return render(transformed(error_object(kind, d, fallback_message), g.transform_error), o);
}

}  // namespace openai_cli

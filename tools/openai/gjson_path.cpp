#include "gjson_path.hpp"

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <string>

namespace openai_cli {

namespace json = boost::json;

namespace {

// One step of a path: its text (escapes kept), the separator after it ('.', '|' or 0 at the
// end) and what follows that separator.
struct step {
  std::string_view text;
  char separator = 0;
  std::string_view rest;
};

// The end of a JSON value written inside a path (a modifier's argument): balanced brackets,
// strings skipped.
std::size_t skip_json(std::string_view s, std::size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) return i + 1;
    } else if (depth == 0 && (c == '.' || c == '|')) {
      return i;
    }
  }
  return s.size();
}

// The end of a parenthesised query starting at s[i] == '(': nesting and quoted strings skipped.
std::size_t skip_parens(std::string_view s, std::size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  return s.size();
}

step first_step(std::string_view path) {
  std::size_t i = 0;
  if (path.starts_with("#(")) {
    i = skip_parens(path, 1);
    if (i < path.size() && path[i] == '#') ++i;
  } else if (path.starts_with('@')) {
    while (i < path.size() && path[i] != '.' && path[i] != '|' && path[i] != ':') ++i;
    if (i < path.size() && path[i] == ':') i = skip_json(path, i + 1);
  }
  for (; i < path.size(); ++i) {
    if (path[i] == '\\') {
      ++i;
      continue;
    }
    if (path[i] == '.' || path[i] == '|') break;
  }
  step s;
  s.text = path.substr(0, std::min(i, path.size()));
  if (i < path.size()) {
    s.separator = path[i];
    s.rest = path.substr(i + 1);
  }
  return s;
}

// The path up to its first top-level pipe, and what follows the pipe (nullopt: no pipe).
std::pair<std::string_view, std::optional<std::string_view>> split_at_pipe(std::string_view path) {
  std::string_view rest = path;
  while (!rest.empty()) {
    const step s = first_step(rest);
    if (s.separator == '|') {
      const std::size_t chain =
          static_cast<std::size_t>(s.text.data() - path.data()) + s.text.size();
      return {path.substr(0, chain), s.rest};
    }
    if (!s.separator) break;
    rest = s.rest;
  }
  return {path, std::nullopt};
}

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    out += text[i];
  }
  return out;
}

bool has_wildcard(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == '*' || text[i] == '?') return true;
  }
  return false;
}

// GJSON's pattern match: '*' any run, '?' one character, '\' escapes the next one.
bool glob(std::string_view s, std::string_view p) {
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (std::size_t k = 0; k <= s.size(); ++k)
      if (glob(s.substr(k), p.substr(1))) return true;
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '?') return glob(s.substr(1), p.substr(1));
  if (p[0] == '\\' && p.size() > 1) p.remove_prefix(1);
  return s[0] == p[0] && glob(s.substr(1), p.substr(1));
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::optional<json::value> eval(const json::value& v, std::string_view path);

// Applies path to each element that yields something, then the part after a pipe (if any) to
// the array so built: `#.a.b|0` maps "a.b", then takes the first of the results.
std::optional<json::value> map_then_pipe(const json::array& items, std::string_view rest) {
  auto [chain, tail] = split_at_pipe(rest);
  json::array mapped;
  for (const json::value& e : items)
    if (std::optional<json::value> r = eval(e, chain)) mapped.push_back(std::move(*r));
  json::value out = std::move(mapped);
  if (tail) return eval(out, *tail);
  return out;
}

// Continues after a step whose result is r: `.` and `|` mean the same except after a map.
std::optional<json::value> then(json::value r, const step& s) {
  if (!s.separator) return r;
  return eval(r, s.rest);
}

// --- queries: #(path op value) -----------------------------------------------------------

struct query {
  std::string_view left;  // a path into each element; empty: the element itself
  std::string op;         // "" (exists), "=", "!=", "<", "<=", ">", ">=", "%", "!%"
  std::string right;      // the value as text, unquoted
};

query parse_query(std::string_view body) {
  query q;
  std::size_t i = 0;
  for (; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      i = skip_parens(body, i) - 1;
    } else if (c == '=' || c == '!' || c == '<' || c == '>' || c == '%') {
      break;
    }
  }
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  q.left = trim(body.substr(0, i));
  if (i >= body.size()) return q;
  std::size_t op_len = 1;
  if (i + 1 < body.size() && (body[i + 1] == '=' || (body[i] == '!' && body[i + 1] == '%')))
    op_len = 2;
  q.op = std::string(body.substr(i, op_len));
  if (q.op == "==") q.op = "=";
  std::string_view right = trim(body.substr(i + op_len));
  if (right.size() >= 2 && right.front() == '"') {
    boost::system::error_code ec;
    json::value s = json::parse(right, ec);
    q.right = !ec && s.is_string() ? std::string(s.get_string()) : std::string(right);
  } else {
    q.right = std::string(right);
  }
  return q;
}

bool matches(const query& q, const json::value& element) {
  std::optional<json::value> found =
      q.left.empty() ? std::optional<json::value>(element) : eval(element, q.left);
  if (!found) return false;
  if (q.op.empty()) return true;
  const json::value& v = *found;
  const std::string& r = q.right;
  const std::string& op = q.op;
  if (v.is_string()) {
    const std::string_view s = v.get_string();
    if (op == "=") return s == r;
    if (op == "!=") return s != r;
    if (op == "<") return s < r;
    if (op == "<=") return s <= r;
    if (op == ">") return s > r;
    if (op == ">=") return s >= r;
    if (op == "%") return glob(s, r);
    if (op == "!%") return !glob(s, r);
    return false;
  }
  if (v.is_number()) {
    const double n = v.to_number<double>();
    const double rn = std::strtod(r.c_str(), nullptr);
    if (op == "=") return n == rn;
    if (op == "!=") return n != rn;
    if (op == "<") return n < rn;
    if (op == "<=") return n <= rn;
    if (op == ">") return n > rn;
    if (op == ">=") return n >= rn;
    return false;
  }
  if (v.is_bool()) {
    // GJSON orders false before true.
    if (v.get_bool()) {
      if (op == "=") return r == "true";
      if (op == "!=") return r != "true";
      if (op == ">") return r == "false";
      if (op == ">=") return true;
    } else {
      if (op == "=") return r == "false";
      if (op == "!=") return r != "false";
      if (op == "<") return r == "true";
      if (op == "<=") return true;
    }
  }
  return false;
}

std::optional<json::value> run_query(const json::value& v, const step& s) {
  const bool all = s.text.ends_with(")#");
  if (!all && !s.text.ends_with(')')) return std::nullopt;  // unclosed: GJSON matches nothing
  const std::string_view body = s.text.substr(2, s.text.size() - 2 - (all ? 2 : 1));
  if (!v.is_array()) return std::nullopt;
  const query q = parse_query(body);
  if (!all) {
    for (const json::value& e : v.get_array())
      if (matches(q, e)) return then(e, s);
    return std::nullopt;
  }
  json::array hits;
  for (const json::value& e : v.get_array())
    if (matches(q, e)) hits.push_back(e);
  if (s.separator == '.') return map_then_pipe(hits, s.rest);
  return then(json::value(std::move(hits)), s);
}

// --- modifiers -----------------------------------------------------------------------------

void flatten_into(json::array& out, const json::array& in, bool deep) {
  for (const json::value& e : in) {
    if (e.is_array() && deep)
      flatten_into(out, e.get_array(), true);
    else if (e.is_array())
      for (const json::value& x : e.get_array()) out.push_back(x);
    else
      out.push_back(e);
  }
}

std::optional<json::value> modify(const json::value& v, std::string_view name,
                                  std::string_view arg) {
  if (name == "this" || name == "ugly" || name == "pretty" || name == "valid") return v;
  if (name == "reverse") {
    if (v.is_array()) {
      const json::array& a = v.get_array();
      return json::value(json::array(a.rbegin(), a.rend()));
    }
    if (v.is_object()) {
      json::object o;
      const json::object& in = v.get_object();
      for (auto it = in.end(); it != in.begin();) {
        --it;
        o.insert_or_assign(it->key(), it->value());
      }
      return json::value(std::move(o));
    }
    return v;
  }
  if (name == "keys") {
    json::array out;
    if (v.is_object())
      for (const auto& kv : v.get_object()) out.push_back(json::string(kv.key()));
    else if (v.is_array())
      out.resize(v.get_array().size());
    else
      out.emplace_back(nullptr);
    return json::value(std::move(out));
  }
  if (name == "values") {
    if (v.is_array()) return v;
    json::array out;
    if (v.is_object())
      for (const auto& kv : v.get_object()) out.push_back(kv.value());
    else
      out.push_back(v);
    return json::value(std::move(out));
  }
  if (name == "flatten") {
    if (!v.is_array()) return v;
    bool deep = false;
    if (!arg.empty()) {
      boost::system::error_code ec;
      const json::value a = json::parse(arg, ec);
      if (!ec && a.is_object())
        if (const json::value* d = a.get_object().if_contains("deep"))
          deep = d->is_bool() && d->get_bool();
    }
    json::array out;
    flatten_into(out, v.get_array(), deep);
    return json::value(std::move(out));
  }
  return std::nullopt;
}

std::optional<json::value> eval(const json::value& v, std::string_view path) {
  if (path.empty()) return v;
  const step s = first_step(path);
  if (s.text.starts_with('@')) {
    std::string_view name = s.text.substr(1);
    std::string_view arg;
    if (const std::size_t colon = name.find(':'); colon != std::string_view::npos) {
      arg = name.substr(colon + 1);
      name = name.substr(0, colon);
    }
    std::optional<json::value> r = modify(v, name, arg);
    if (!r) return std::nullopt;
    return then(std::move(*r), s);
  }
  if (s.text == "#") {
    if (!v.is_array()) return std::nullopt;
    if (s.separator == '.') return map_then_pipe(v.get_array(), s.rest);
    return then(json::value(static_cast<std::int64_t>(v.get_array().size())), s);
  }
  if (s.text.starts_with("#(")) return run_query(v, s);
  if (v.is_object()) {
    const json::object& o = v.get_object();
    if (has_wildcard(s.text)) {
      for (const auto& kv : o)
        if (glob(kv.key(), s.text)) return then(kv.value(), s);
      return std::nullopt;
    }
    if (const json::value* child = o.if_contains(unescape(s.text))) return then(*child, s);
    return std::nullopt;
  }
  if (v.is_array() && all_digits(s.text)) {
    const json::array& a = v.get_array();
    const unsigned long long i = std::strtoull(std::string(s.text).c_str(), nullptr, 10);
    if (i < a.size()) return then(a[static_cast<std::size_t>(i)], s);
  }
  return std::nullopt;
}

}  // namespace

std::optional<json::value> gjson_get(const json::value& doc, std::string_view path) {
  if (path.empty()) return std::nullopt;
  return eval(doc, path);
}

}  // namespace openai_cli

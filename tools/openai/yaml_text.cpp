#include "yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "output.hpp"

namespace openai_cli {

namespace json = boost::json;

namespace {

std::string where(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return " at line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1);
}

json::value to_json(const YAML::Node& n, std::string_view what) {
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      return json::string(n.Scalar());
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const YAML::Node& e : n) a.push_back(to_json(e, what));
      return a;
    }
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          throw usage_error(std::string(what) + ": a key must be text" + where(kv.first.Mark()));
        const std::string& key = kv.first.Scalar();
        if (o.contains(key))
          throw usage_error(std::string(what) + ": key '" + key + "' appears twice" +
                            where(kv.first.Mark()));
        o[key] = to_json(kv.second, what);
      }
      return o;
    }
  }
  return nullptr;
}

// Text another YAML reader would take for something other than this string.
bool needs_quotes(std::string_view s) {
  static const std::set<std::string_view> words{"",     "~",    "null",  "Null",  "NULL",  "true",
                                                "True", "TRUE", "false", "False", "FALSE", "yes",
                                                "Yes",  "YES",  "no",    "No",    "NO",    "on",
                                                "On",   "ON",   "off",   "Off",   "OFF"};
  if (words.contains(s)) return true;
  const char c = s.front();
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
}

void emit(YAML::Emitter& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out << YAML::Null;
      break;
    case json::kind::bool_:
      out << v.get_bool();
      break;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      out << compact_json(v);
      break;
    case json::kind::string: {
      const std::string s(v.get_string());
      if (needs_quotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case json::kind::array:
      if (v.get_array().empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        break;
      }
      out << YAML::BeginSeq;
      for (const json::value& e : v.get_array()) emit(out, e);
      out << YAML::EndSeq;
      break;
    case json::kind::object:
      if (v.get_object().empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        break;
      }
      out << YAML::BeginMap;
      for (const auto& kv : v.get_object()) {
        out << YAML::Key;
        const std::string key(kv.key());
        if (needs_quotes(key)) out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        emit(out, kv.value());
      }
      out << YAML::EndMap;
      break;
  }
}

// JSON's scalars as YAML's reader gives them: text, except null.
json::value as_text_scalars(json::value v) {
  if (v.is_object()) {
    for (auto& kv : v.get_object()) kv.value() = as_text_scalars(std::move(kv.value()));
  } else if (v.is_array()) {
    for (auto& e : v.get_array()) e = as_text_scalars(std::move(e));
  } else if (!v.is_null() && !v.is_string()) {
    return json::string(compact_json(v));
  }
  return v;
}

}  // namespace

json::value parse_yaml(std::string_view text, std::string_view what) {
  // JSON first, exactly (yaml-cpp 0.7 cannot decode JSON's surrogate pairs).
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (!ec) return as_text_scalars(std::move(v));
  try {
    return to_json(YAML::Load(std::string(text)), what);
  } catch (const YAML::Exception& e) {
    throw usage_error(std::string(what) + ": not valid YAML or JSON: " + e.msg + where(e.mark));
  }
}

std::string to_yaml(const json::value& v) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetNullFormat(YAML::LowerNull);  // "null", not "~": what JSON readers expect to see
  out.SetBoolFormat(YAML::TrueFalseBool);
  out.SetBoolFormat(YAML::LowerCase);
  emit(out, v);
  return out.c_str();
}

}  // namespace openai_cli

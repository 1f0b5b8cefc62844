#include "yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/object.hpp>
#include <set>

#include "output.hpp"

namespace openai_cli {

namespace json = boost::json;

namespace {

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

}  // namespace

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

#include "metadata_syntax.hpp"

#include <boost/json/value.hpp>

#include "yaml_text.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace openai_cli {

namespace json = boost::json;

std::string read_file_or_stdin(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error("cannot read metadata file '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw usage_error("cannot read metadata file '" + path + "'");
  return s.str();
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Any YAML or JSON mapping (flow '{a: b}', block "a: b\nn: 5", JSON), read by libfyaml:
// scalars only, every value text, no null values.
openai::metadata mapping_of_strings(std::string_view text) {
  const json::value v = parse_yaml(text, "invalid --metadata");
  if (v.is_array()) throw usage_error("invalid --metadata: metadata must be a mapping, not a list");
  if (!v.is_object())
    throw usage_error(
        "invalid --metadata: metadata must be a mapping like '{key: value}' or "
        "'{\"key\": \"value\"}', or null");
  openai::metadata md;
  for (const auto& [key, value] : v.get_object()) {
    const std::string k(key);
    if (value.is_object())
      throw usage_error("invalid --metadata: key '" + k +
                        "': nested objects are not allowed (values are strings)");
    if (value.is_array())
      throw usage_error("invalid --metadata: key '" + k +
                        "': nested arrays are not allowed (values are strings)");
    // YAML reads '{a: }', '{a}' and '{a: null}' alike: no value.
    if (value.is_null())
      throw usage_error("invalid --metadata: key '" + k +
                        "' has no value: a null value is not allowed (values are strings; "
                        "write \"\" for an empty one, \"null\" for the text)");
    md.insert_or_assign(k, std::string(value.get_string()));
  }
  return md;
}

std::string base64(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto b = [&](std::size_t k) -> unsigned {
      return k < bytes.size() ? static_cast<unsigned char>(bytes[k]) : 0u;
    };
    const unsigned n = b(i) << 16 | b(i + 1) << 8 | b(i + 2);
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += i + 1 < bytes.size() ? alphabet[n >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? alphabet[n & 63] : '=';
  }
  return out;
}

// Text a person would call text: valid UTF-8 without NUL (else @path sends base64, as the
// official CLI's sniffing does).
bool looks_like_text(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += len;
  }
  return true;
}

}  // namespace

std::optional<openai::metadata> parse_metadata_text(std::string_view text) {
  const std::string_view t = trim(text);
  if (t == "null" || t == "~") return std::nullopt;
  if (t.empty()) throw usage_error("invalid --metadata: empty (write {} for no pairs, or null)");
  return mapping_of_strings(text);  // untrimmed, so that error positions match the text
}

void resolve_file_references(openai::metadata& md, const file_reader& read) {
  for (auto& [key, value] : md) {
    if (value.starts_with("\\@")) {
      value.erase(0, 1);
    } else if (value.starts_with("@file://")) {
      value = read(value.substr(8));
    } else if (value.starts_with("@data://")) {
      value = base64(read(value.substr(8)));
    } else if (value.size() > 1 && value.front() == '@') {
      const std::string path = value.substr(1);
      // As the official CLI: "@alice" that names no file stays text; "@notes.txt" or
      // "@dir/x" must be a readable file.
      const bool looks_like_path = path.find_first_of("./\\") != std::string::npos;
      std::string contents;
      try {
        contents = read(path);
      } catch (const usage_error&) {
        if (looks_like_path || path == "-") throw;
        continue;
      }
      value = looks_like_text(contents) ? std::move(contents) : base64(contents);
    }
  }
}

std::optional<openai::metadata> parse_metadata_argument(std::string_view text,
                                                        const file_reader& read) {
  std::optional<openai::metadata> md;
  if (!text.empty() && text.front() == '@') {
    const std::string path(text.substr(1));
    if (path.empty()) throw usage_error("invalid --metadata: '@' needs a file name");
    const std::string contents = read(path);
    try {
      md = parse_metadata_text(contents);
    } catch (const usage_error& e) {
      throw usage_error(std::string(e.what()) + " in file '" + path + "'");
    }
  } else {
    md = parse_metadata_text(text);
  }
  if (md) resolve_file_references(*md, read);
  return md;
}

openai::metadata parse_metadata_filter(std::string_view text, const file_reader& read) {
  const std::string_view t = trim(text);
  if (!t.empty() && (t.front() == '{' || t.front() == '@')) {
    std::optional<openai::metadata> md = parse_metadata_argument(t, read);
    if (!md) throw usage_error("a --metadata filter cannot be null");
    return *md;
  }
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw usage_error("a --metadata filter is KEY=VALUE, got '" + std::string(text) + "'");
  openai::metadata md;
  md.insert_or_assign(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  return md;
}

}  // namespace openai_cli

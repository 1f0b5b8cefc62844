#include "metadata_syntax.hpp"

#include <boost/json/value.hpp>

#include "yaml_text.hpp"

#include <cstdint>
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

// A recursive-descent reader of one flow mapping whose keys and values are scalars. JSON
// objects of strings are flow mappings too, so one grammar serves both syntaxes:
//   mapping := '{' [ pair { ',' pair } [ ',' ] ] '}'
//   pair    := scalar ':' scalar
//   scalar  := "double quoted" (JSON escapes) | 'single quoted' ('' is ') | plain
// A plain key ends at ':', a plain value at ',' or '}'; both are trimmed. There are no
// comments: '#' is an ordinary character ({issue: #42} is the text "#42").
class flow_parser {
 public:
  explicit flow_parser(std::string_view text) : s_(text) {}

  openai::metadata mapping() {
    skip_space();
    if (at_end() || peek() != '{') {
      if (!at_end() && peek() == '[') fail("metadata must be a mapping, not a list");
      fail("metadata must be a mapping like '{key: value}' or '{\"key\": \"value\"}', or null");
    }
    ++pos_;
    openai::metadata md;
    skip_space();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return finish(std::move(md));
    }
    for (;;) {
      skip_space();
      if (!at_end() && peek() == '}') {  // trailing comma, as YAML allows
        ++pos_;
        break;
      }
      const std::size_t key_pos = pos_;
      std::string key = scalar(/*is_key=*/true);
      skip_space();
      if (at_end() || peek() != ':') fail("expected ':' after key '" + key + "'");
      ++pos_;
      skip_space();
      if (at_end() || peek() == ',' || peek() == '}')
        fail("key '" + key + "' has no value (values are strings; write \"\" for an empty one)");
      std::string value = scalar(/*is_key=*/false);
      if (md.contains(key)) {
        pos_ = key_pos;
        fail("key '" + key + "' appears twice");
      }
      md.insert_or_assign(std::move(key), std::move(value));
      skip_space();
      if (at_end()) fail("expected ',' or '}'");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        break;
      }
      fail("expected ',' or '}'");
    }
    return finish(std::move(md));
  }

 private:
  openai::metadata finish(openai::metadata md) {
    skip_space();
    if (!at_end()) fail("unexpected text after the closing '}'");
    return md;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw usage_error("invalid --metadata: " + why + " (at character " + std::to_string(pos_ + 1) +
                      ")");
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  void skip_space() {
    while (!at_end()) {
      const char c = peek();
      if (!is_space(c)) break;
      ++pos_;
    }
  }
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  std::string scalar(bool is_key) {
    const char c = peek();
    const std::string_view what = is_key ? "keys" : "values";
    if (c == '{' || c == '[')
      fail("nested " + std::string(c == '{' ? "objects" : "arrays") +
           " are not allowed: " + std::string(what) + " are strings");
    if (c == '"') return double_quoted();
    if (c == '\'') return single_quoted();
    return plain(is_key);
  }

  std::string plain(bool is_key) {
    const std::size_t start = pos_;
    while (!at_end()) {
      const char c = peek();
      if (c == ',' || c == '}' || (is_key && c == ':')) break;
      if (c == '{' || c == '[' || c == ']')
        fail("unexpected '" + std::string(1, c) + "' in an unquoted " + (is_key ? "key" : "value") +
             " (quote it, or remove the nesting)");
      ++pos_;
    }
    std::string_view v = s_.substr(start, pos_ - start);
    while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
    if (!is_key && (v == "null" || v == "~" || v == "Null" || v == "NULL"))
      fail("a null value is not allowed: values are strings (write \"null\" for the text)");
    if (v.empty()) fail(is_key ? "empty key (quote it: \"\")" : "empty value");
    return std::string(v);
  }

  std::string single_quoted() {
    ++pos_;
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated single-quoted string");
      const char c = peek();
      ++pos_;
      if (c == '\'') {
        if (!at_end() && peek() == '\'') {
          out += '\'';
          ++pos_;
          continue;
        }
        return out;
      }
      out += c;
    }
  }

  std::string double_quoted() {
    ++pos_;
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated double-quoted string");
      const char c = peek();
      ++pos_;
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
        fail("control character in a quoted string (use an escape such as \\n)");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("unterminated escape");
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          append_utf8(out, unicode_escape());
          break;
        default:
          --pos_;
          fail(std::string("unknown escape '\\") + e + "'");
      }
    }
  }

  std::uint32_t hex4() {
    if (s_.size() - pos_ < 4) fail("\\u needs four hex digits");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        fail("\\u needs four hex digits");
    }
    return v;
  }

  std::uint32_t unicode_escape() {
    const std::uint32_t hi = hex4();
    if (hi >= 0xDC00 && hi <= 0xDFFF) fail("lone low surrogate in \\u escape");
    if (hi < 0xD800 || hi > 0xDBFF) return hi;
    if (s_.substr(pos_, 2) != "\\u") fail("high surrogate without its low half");
    pos_ += 2;
    const std::uint32_t lo = hex4();
    if (lo < 0xDC00 || lo > 0xDFFF) fail("high surrogate without its low half");
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

namespace {

// Block YAML (a file such as "foo: bar\nn: 5"), read by yaml-cpp, under the same rules as
// the flow mappings: scalars only, every value text, no null values.
openai::metadata block_mapping(std::string_view text) {
  const json::value v = parse_yaml(text, "invalid --metadata");
  if (v.is_array()) throw usage_error("invalid --metadata: metadata must be a mapping, not a list");
  if (!v.is_object())
    throw usage_error(
        "invalid --metadata: metadata must be a mapping like '{key: value}' or "
        "'{\"key\": \"value\"}', or null");
  openai::metadata md;
  for (const auto& [key, value] : v.get_object()) {
    const std::string k(key);
    if (value.is_object()) throw usage_error("invalid --metadata: key '" + k + "': nested objects are not allowed");
    if (value.is_array()) throw usage_error("invalid --metadata: key '" + k + "': nested arrays are not allowed");
    if (value.is_null())
      throw usage_error("invalid --metadata: key '" + k + "' has a null value (values are strings)");
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
  // A flow mapping or JSON: the flow reader (yaml-cpp 0.7 rejects '?' in
  // plain flow scalars such as URLs, cannot decode JSON's surrogate pairs, and ignores text
  // after the closing brace). Anything else, block YAML above all: yaml-cpp.
  if (t.front() == '{' || t.front() == '[')
    return flow_parser(t).mapping();
  return block_mapping(t);
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

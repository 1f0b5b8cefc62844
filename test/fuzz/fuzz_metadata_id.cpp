// Metadata validation, id encoding and the update request built from them: what a caller passes
// to update_completion, checked before anything is sent.
//
// Input, one field per line, each with escapes \n \t \\ \xHH (so any byte can appear):
//   line 1   base URL                  https://api.openai.com/v1
//   line 2   completion id             chatcmpl-abc123
//   then     key<TAB>value             a metadata pair (a later key replaces an earlier one)
//            ?key<TAB>value            an extra query parameter (request_options::extra_query)
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdint>
#include <map>
#include <openai/error.hpp>
#include <openai/metadata.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_check.hpp"
#include "api/endpoints.hpp"
#include "http/url.hpp"

namespace {

namespace json = boost::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    if (c == 'n')
      out += '\n';
    else if (c == 't')
      out += '\t';
    else if (c == 'x' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else
      out += c;
  }
  return out;
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Decodes a percent-encoded component that must consist of unreserved characters and %XX only;
// nullopt when it has anything else.
std::optional<std::string> decode_strict(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_unreserved(s[i])) {
      out += s[i];
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// RFC 3986 pchar plus '/': what an origin-form path may hold. No space, CR, LF or controls:
// those would split or smuggle the request line.
bool is_path_char(char c) {
  return is_unreserved(c) || c == '%' || c == '/' || c == ':' || c == '@' || c == '!' || c == '$' ||
         c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' ||
         c == ';' || c == '=';
}

bool has_control_or_space(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return true;
  }
  return false;
}

std::size_t reference_violation_count(const std::map<std::string, std::string>& md) {
  std::size_t n = md.size() > openai::max_metadata_pairs;
  for (const auto& [key, value] : md) {
    const auto k = fuzz::reference_utf8_length(key);
    const auto v = fuzz::reference_utf8_length(value);
    n += !k || *k > openai::max_metadata_key_length;
    n += !v || *v > openai::max_metadata_value_length;
  }
  return n;
}

void check_base_url(std::string_view text, const openai::detail::base_url& url) {
  const std::string shown = fuzz::show(text);
  FUZZ_CHECK(!url.host.empty(), "no host from '%s'", shown.c_str());
  FUZZ_CHECK(!has_control_or_space(url.host), "host '%s' from '%s'", fuzz::show(url.host).c_str(),
             shown.c_str());
  FUZZ_CHECK(!url.port.empty(), "no port from '%s'", shown.c_str());
  for (char c : url.port) FUZZ_CHECK(c >= '0' && c <= '9', "port '%s'", url.port.c_str());
  FUZZ_CHECK(!url.host_header.empty() && !has_control_or_space(url.host_header),
             "Host header '%s' from '%s'", fuzz::show(url.host_header).c_str(), shown.c_str());
  FUZZ_CHECK(url.path.empty() || (url.path.front() == '/' && url.path.back() != '/'),
             "path '%s' from '%s'", fuzz::show(url.path).c_str(), shown.c_str());
  for (char c : url.path)
    FUZZ_CHECK(is_path_char(c), "path '%s' from '%s'", fuzz::show(url.path).c_str(), shown.c_str());
  std::string scheme(text.substr(0, text.find(':')));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  FUZZ_CHECK(url.tls == (scheme == "https"), "tls %d for '%s'", url.tls, shown.c_str());
}

void check_segment(std::string_view id) {
  std::string problem;
  const std::string segment = openai::detail::encode_path_segment(id, problem);
  if (id.empty() || id == "." || id == "..") {
    FUZZ_CHECK(!problem.empty() && segment.empty(), "id '%s' must be rejected",
               fuzz::show(id).c_str());
    FUZZ_CHECK(fuzz::is_printable(problem), "problem '%s'", fuzz::show(problem).c_str());
    return;
  }
  FUZZ_CHECK(problem.empty(), "id '%s' rejected: %s", fuzz::show(id).c_str(), problem.c_str());
  const auto decoded = decode_strict(segment);
  FUZZ_CHECK(decoded.has_value(), "segment '%s' has more than unreserved and %%XX",
             fuzz::show(segment).c_str());
  FUZZ_CHECK(*decoded == id, "segment '%s' does not decode to '%s'", fuzz::show(segment).c_str(),
             fuzz::show(id).c_str());
  FUZZ_CHECK(segment != "." && segment != "..", "a dot segment");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= input.size();) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    lines.push_back(unescape(input.substr(start, end - start)));
    start = end + 1;
  }
  const std::string& base_text = lines[0];
  const std::string id = lines.size() > 1 ? lines[1] : std::string();

  openai::metadata md;
  std::map<std::string, std::string> reference_md;
  openai::request_options options;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    const bool query = !line.empty() && line.front() == '?';
    if (query) line.remove_prefix(1);
    const std::size_t tab = line.find('\t');
    std::string key(line.substr(0, tab));
    std::string value(tab == std::string_view::npos ? std::string_view() : line.substr(tab + 1));
    if (query) {
      options.extra_query.emplace_back(std::move(key), std::move(value));
    } else {
      reference_md.insert_or_assign(key, value);
      md.insert_or_assign(std::move(key), std::move(value));
    }
  }

  // utf8_length agrees with the table of well-formed sequences, on every field and the input.
  for (std::string_view s :
       {std::string_view(input), std::string_view(base_text), std::string_view(id)}) {
    const auto expected = fuzz::reference_utf8_length(s);
    const auto length = openai::utf8_length(s);
    FUZZ_CHECK(length == expected.value_or(std::string_view::npos),
               "utf8_length %zu, expected %zu for '%s'", length,
               expected.value_or(std::string_view::npos), fuzz::show(s).c_str());
  }

  // Validation: exactly one violation per broken rule, each a short, printable sentence.
  FUZZ_CHECK(md.as_map().size() == reference_md.size(), "metadata lost pairs");
  const auto violations = openai::metadata_violations(md);
  const std::size_t expected_count = reference_violation_count(reference_md);
  FUZZ_CHECK(violations.size() == expected_count, "%zu violations, expected %zu", violations.size(),
             expected_count);
  for (const auto& v : violations) {
    FUZZ_CHECK(fuzz::is_valid_utf8(v), "violation not UTF-8: '%s'", fuzz::show(v).c_str());
    FUZZ_CHECK(v.size() <= 200, "violation of %zu bytes", v.size());
  }
  try {
    openai::validate(md);
    FUZZ_CHECK(violations.empty(), "validate() accepted invalid metadata");
  } catch (const openai::validation_error& e) {
    FUZZ_CHECK(!violations.empty(), "validate() rejected valid metadata");
    FUZZ_CHECK(e.violations() == violations, "validation_error lists other violations");
    FUZZ_CHECK(e.kind() == openai::errc::invalid_argument, "kind");
  }

  check_segment(id);

  // The base URL: the input's, or the default when the input's is rejected.
  std::string problem;
  auto parsed = openai::detail::parse_base_url(base_text, problem);
  FUZZ_CHECK(parsed.has_value() == problem.empty(), "problem '%s' with a result %d",
             fuzz::show(problem).c_str(), parsed.has_value());
  if (parsed) {
    check_base_url(base_text, *parsed);
  } else {
    problem.clear();
    parsed = openai::detail::parse_base_url("https://api.openai.com/v1", problem);
    FUZZ_CHECK(parsed.has_value(), "the default base URL must parse");
  }
  const auto& url = *parsed;

  // The request: built exactly when id and metadata are valid; earlier violations are kept.
  std::vector<std::string> request_violations{"an earlier problem"};
  const auto request =
      openai::detail::make_update_request(url, id, md, options, request_violations);
  const bool id_ok = !id.empty() && id != "." && id != "..";
  FUZZ_CHECK(request_violations.front() == "an earlier problem", "earlier violation dropped");
  FUZZ_CHECK(request_violations.size() == 1 + !id_ok + expected_count,
             "%zu request violations, expected %zu", request_violations.size(),
             1 + !id_ok + expected_count);
  FUZZ_CHECK(request.has_value() == (id_ok && expected_count == 0), "request built: %d",
             request.has_value());
  if (!request) return 0;

  FUZZ_CHECK(request->method == openai::detail::http::verb::post, "method");
  const std::string_view target = request->target;
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string prefix = url.path + "/chat/completions/";
  FUZZ_CHECK(path.substr(0, prefix.size()) == prefix, "target '%s'", fuzz::show(target).c_str());
  const auto decoded_id = decode_strict(path.substr(prefix.size()));
  FUZZ_CHECK(decoded_id && *decoded_id == id, "target '%s' does not carry id '%s'",
             fuzz::show(target).c_str(), fuzz::show(id).c_str());
  // The query: each pair percent-encoded, in order.
  std::vector<std::pair<std::string, std::string>> query;
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (true) {
      const std::size_t amp = rest.find('&');
      const std::string_view item = rest.substr(0, amp);
      const std::size_t eq = item.find('=');
      FUZZ_CHECK(eq != std::string_view::npos, "query item '%s'", fuzz::show(item).c_str());
      const auto k = decode_strict(item.substr(0, eq));
      const auto v = decode_strict(item.substr(eq + 1));
      FUZZ_CHECK(k && v, "query item '%s' not encoded", fuzz::show(item).c_str());
      query.emplace_back(*k, *v);
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
  }
  FUZZ_CHECK(query == options.extra_query, "query of '%s' differs", fuzz::show(target).c_str());

  // The body re-parses to exactly the validated pairs.
  boost::system::error_code ec;
  const json::value body = json::parse(request->body, ec);
  FUZZ_CHECK(!ec && body.is_object() && body.get_object().size() == 1, "body '%s'",
             fuzz::show(request->body).c_str());
  const auto* pairs = body.get_object().if_contains("metadata");
  FUZZ_CHECK(pairs && pairs->is_object(), "body without a metadata object");
  std::map<std::string, std::string> sent;
  for (const auto& [k, v] : pairs->get_object()) {
    FUZZ_CHECK(v.is_string(), "a metadata value that is not a string");
    FUZZ_CHECK(sent.emplace(std::string(k), std::string(v.get_string())).second, "duplicate key");
  }
  FUZZ_CHECK(sent == reference_md, "body carries other pairs than the metadata: '%s'",
             fuzz::show(request->body).c_str());
  FUZZ_CHECK(
      !request->extra_headers.empty() && request->extra_headers.front().first == "Content-Type",
      "Content-Type first");
  return 0;
}

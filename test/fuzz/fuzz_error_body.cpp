// The error-body parser: a non-2xx body may be an OpenAI error object, application/problem+json,
// an HTML page from a proxy or random bytes. Whatever it is, the message that ends up in the
// exception's what() must be printable (valid UTF-8, no control characters) and bounded, and the
// fields of a well-formed error object must be read as sent.
//
// Input: one byte choosing printable_excerpt's limit, then the body.
#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "api/response_body.hpp"
#include "support/text.hpp"

namespace {

namespace json = boost::json;

void check_excerpt(std::string_view s, std::size_t limit) {
  const std::string out = openai::detail::printable_excerpt(s, limit);
  const bool truncated = s.size() > limit;
  FUZZ_CHECK(fuzz::is_printable(out), "excerpt not printable: '%s' of '%s' (limit %zu)",
             fuzz::show(out).c_str(), fuzz::show(s).c_str(), limit);
  FUZZ_CHECK(out.size() <= limit + (truncated ? 3 : 0), "excerpt of %zu bytes, limit %zu",
             out.size(), limit);
  std::string_view kept = out;
  if (truncated) {
    FUZZ_CHECK(kept.size() >= 3 && kept.substr(kept.size() - 3) == "...",
               "a cut excerpt ends in '...': '%s'", fuzz::show(out).c_str());
    kept.remove_suffix(3);
    // Of valid text, at most the one character that straddles the limit is dropped.
    if (fuzz::is_valid_utf8(s))
      FUZZ_CHECK(kept.size() + 4 >= limit, "cut too much: kept %zu of limit %zu", kept.size(),
                 limit);
  } else {
    FUZZ_CHECK(kept.size() == s.size(), "an uncut excerpt keeps every byte");
  }
  // Byte for byte a prefix of s, with unprintable bytes replaced by '?'.
  for (std::size_t i = 0; i < kept.size(); ++i)
    FUZZ_CHECK(kept[i] == s[i] || kept[i] == '?', "byte %zu changed: '%s' of '%s'", i,
               fuzz::show(out).c_str(), fuzz::show(s).c_str());
  // Printable input comes through unchanged.
  if (!truncated && fuzz::is_printable(s))
    FUZZ_CHECK(out == s, "printable text was altered: '%s'", fuzz::show(s).c_str());
}

// The text of a scalar field as parse_error_body documents it: strings as they are, integers in
// decimal, anything else empty.
std::string scalar(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  const auto& v = it->value();
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t limit = data[0] < 0xF0 ? data[0] : 200 + (data[0] - 0xF0) * 100;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  check_excerpt(body, limit);
  check_excerpt(body, 200);  // the default, used for bodies that are not JSON errors

  const auto parsed = openai::detail::parse_error_body(body);
  // message goes into api_error::what() and diagnostics: the promise is printable and bounded.
  FUZZ_CHECK(fuzz::is_printable(parsed.message), "message not printable: '%s' from '%s'",
             fuzz::show(parsed.message).c_str(), fuzz::show(body).c_str());
  FUZZ_CHECK(parsed.message.size() <= 1000 + 3, "message of %zu bytes", parsed.message.size());
  FUZZ_CHECK(body.empty() || !parsed.message.empty(), "a non-empty body gives a message");
  for (const std::string* field : {&parsed.type, &parsed.code, &parsed.param})
    FUZZ_CHECK(fuzz::is_valid_utf8(*field), "field not UTF-8: '%s'", fuzz::show(*field).c_str());

  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& top = v.get_object();
    const auto it = top.find("error");
    const json::object& source =
        it != top.end() && it->value().is_object() ? it->value().get_object() : top;
    // type, code and param reach what(): read as sent, then bounded and made printable.
    using openai::detail::printable_excerpt;
    FUZZ_CHECK(parsed.type == printable_excerpt(scalar(source, "type"), 100), "type '%s'",
               fuzz::show(parsed.type).c_str());
    FUZZ_CHECK(parsed.code == printable_excerpt(scalar(source, "code"), 100), "code '%s'",
               fuzz::show(parsed.code).c_str());
    FUZZ_CHECK(parsed.param == printable_excerpt(scalar(source, "param"), 100), "param '%s'",
               fuzz::show(parsed.param).c_str());
    for (const std::string* field : {&parsed.type, &parsed.code, &parsed.param})
      FUZZ_CHECK(fuzz::is_printable(*field) && field->size() <= 103, "field '%s'",
                 fuzz::show(*field).c_str());
    // A short, printable message is passed through exactly.
    std::string message = scalar(source, "message");
    if (message.empty()) message = scalar(top, "detail");
    if (message.empty()) message = scalar(top, "title");
    if (!message.empty() && message.size() <= 1000 && fuzz::is_printable(message))
      FUZZ_CHECK(parsed.message == message, "message '%s', expected '%s'",
                 fuzz::show(parsed.message).c_str(), fuzz::show(message).c_str());
  } else if (body.size() <= 200 && fuzz::is_printable(body)) {
    FUZZ_CHECK(parsed.message == body, "a short printable non-JSON body is the message");
  }
  return 0;
}

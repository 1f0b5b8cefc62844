// The response parser and model: a 2xx body is whatever the server sent. parse_object_body must
// accept exactly the JSON objects, and every accessor of chat_completion must read what the JSON
// says (or its documented default) without throwing, whatever the shape.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <openai/chat_completion.hpp>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "api/response_body.hpp"

namespace {

namespace json = boost::json;

const json::value* get(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

// What a string accessor must return: the string, or "" for anything else.
std::string_view expected_string(const json::object& o, std::string_view key) {
  const auto* v = get(o, key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::optional<std::string_view> expected_optional_string(const json::object& o,
                                                         std::string_view key) {
  const auto* v = get(o, key);
  if (v && v->is_string()) return std::string_view(v->get_string());
  return std::nullopt;
}

// Integers that fit int64 are read; anything else (double, bool, too large, absent) is 0.
std::int64_t expected_int(const json::object& o, std::string_view key) {
  const auto* v = get(o, key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= std::uint64_t(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

const json::object* expected_object(const json::object& o, std::string_view key) {
  const auto* v = get(o, key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::size_t object_elements(const json::object& o, std::string_view key) {
  const auto* v = get(o, key);
  if (!v || !v->is_array()) return 0;
  std::size_t n = 0;
  for (const auto& item : v->get_array()) n += item.is_object();
  return n;
}

void check_tool_call(const openai::tool_call& call) {
  const auto& o = call.json();
  FUZZ_CHECK(call.id() == expected_string(o, "id"), "tool_call.id");
  FUZZ_CHECK(call.type() == expected_string(o, "type"), "tool_call.type");
  const auto* fn = expected_object(o, "function");
  FUZZ_CHECK(call.function_name() == (fn ? expected_string(*fn, "name") : ""), "function.name");
  FUZZ_CHECK(call.function_arguments() == (fn ? expected_string(*fn, "arguments") : ""),
             "function.arguments");
}

void check_message(const openai::message& m) {
  const auto& o = m.json();
  FUZZ_CHECK(m.role() == expected_string(o, "role"), "message.role");
  FUZZ_CHECK(m.content() == expected_optional_string(o, "content"), "message.content");
  FUZZ_CHECK(m.refusal() == expected_optional_string(o, "refusal"), "message.refusal");
  const auto calls = m.tool_calls();
  FUZZ_CHECK(calls.size() == object_elements(o, "tool_calls"), "tool_calls: %zu", calls.size());
  for (const auto& call : calls) check_tool_call(call);
}

void check_completion(const openai::chat_completion& c, const json::object& o) {
  // As text: NaN (Boost.JSON 1.81 parses 0e999 so) is unequal to itself.
  FUZZ_CHECK(&c.json() != &o && json::serialize(c.json()) == json::serialize(o),
             "json() must be the whole object");
  FUZZ_CHECK(c.id() == expected_string(o, "id"), "id");
  FUZZ_CHECK(c.object() == expected_string(o, "object"), "object");
  FUZZ_CHECK(c.created() == expected_int(o, "created"), "created %lld",
             static_cast<long long>(c.created()));
  FUZZ_CHECK(c.model() == expected_string(o, "model"), "model");
  FUZZ_CHECK(c.service_tier() == expected_optional_string(o, "service_tier"), "service_tier");
  FUZZ_CHECK(c.system_fingerprint() == expected_optional_string(o, "system_fingerprint"),
             "system_fingerprint");

  const auto usage = c.usage();
  const auto* u = expected_object(o, "usage");
  FUZZ_CHECK(usage.has_value() == (u != nullptr), "usage presence");
  if (u) {
    FUZZ_CHECK(usage->prompt_tokens == expected_int(*u, "prompt_tokens"), "prompt_tokens");
    FUZZ_CHECK(usage->completion_tokens == expected_int(*u, "completion_tokens"),
               "completion_tokens");
    FUZZ_CHECK(usage->total_tokens == expected_int(*u, "total_tokens"), "total_tokens");
  }

  // choices(): views of the object elements of "choices", in order, inside c's own JSON.
  std::vector<const json::object*> elements;
  if (const auto* v = get(c.json(), "choices"); v && v->is_array())
    for (const auto& item : v->get_array())
      if (item.is_object()) elements.push_back(&item.get_object());
  const auto choices = c.choices();
  FUZZ_CHECK(choices.size() == elements.size(), "choices: %zu, expected %zu", choices.size(),
             elements.size());
  for (std::size_t i = 0; i < choices.size(); ++i) {
    const auto& ch = choices[i];
    FUZZ_CHECK(&ch.json() == elements[i], "choice %zu must point into the completion", i);
    FUZZ_CHECK(ch.index() == expected_int(ch.json(), "index"), "choice.index");
    FUZZ_CHECK(ch.finish_reason() == expected_string(ch.json(), "finish_reason"), "finish_reason");
    const auto m = ch.message();
    const auto* mo = expected_object(ch.json(), "message");
    FUZZ_CHECK(mo ? &m.json() == mo : m.json().empty(), "choice.message");
    check_message(m);
  }

  // metadata(): exactly the string-valued pairs.
  std::map<std::string, std::string, std::less<>> expected;
  if (const auto* md = expected_object(o, "metadata"))
    for (const auto& [k, v] : *md)
      if (v.is_string()) expected.insert_or_assign(std::string(k), std::string(v.get_string()));
  const auto md = c.metadata();
  FUZZ_CHECK(md.as_map() == expected, "metadata: %zu pairs, expected %zu", md.size(),
             expected.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  std::string problem;
  json::object parsed = openai::detail::parse_object_body(body, problem);

  // The oracle: Boost.JSON itself, without the library's wrapper.
  boost::system::error_code ec;
  json::value reference = json::parse(body, ec);
  const bool is_object = !ec && reference.is_object();
  FUZZ_CHECK(problem.empty() == is_object, "problem '%s' for body '%s'",
             fuzz::show(problem).c_str(), fuzz::show(body).c_str());
  if (!is_object) {
    FUZZ_CHECK(parsed.empty(), "a rejected body yields an empty object");
    // The problem goes into bad_response_error::what(): printable and bounded.
    FUZZ_CHECK(fuzz::is_printable(problem), "problem not printable: '%s'",
               fuzz::show(problem).c_str());
    FUZZ_CHECK(problem.size() <= 300, "problem of %zu bytes", problem.size());
    return 0;
  }
  // Compared as text: a number out of double's range can parse to NaN, which is unequal to
  // itself, so == would fail on two identical objects.
  FUZZ_CHECK(json::serialize(parsed) == json::serialize(reference),
             "parsed object differs from the body");

  const openai::chat_completion completion(parsed, "req_fuzz", 2);
  FUZZ_CHECK(completion.request_id() == "req_fuzz" && completion.attempts() == 2, "carried");
  check_completion(completion, parsed);

  // Copies and moves keep their own JSON: views of the copy point into the copy.
  openai::chat_completion copy = completion;
  check_completion(copy, parsed);
  openai::chat_completion moved = std::move(copy);
  check_completion(moved, parsed);

  // A default-constructed completion answers every accessor with its default.
  const openai::chat_completion empty;
  check_completion(empty, json::object());
  return 0;
}

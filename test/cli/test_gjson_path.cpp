#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "gjson_path.hpp"

using namespace openai_cli;
namespace json = boost::json;

namespace {

// The spec's example of an updated chat completion, trimmed.
const json::value completion = json::parse(R"({
  "object": "chat.completion", "id": "chatcmpl-1", "model": "gpt-4o",
  "usage": {"total_tokens": 31, "prompt_tokens": 13},
  "metadata": {"foo": "bar", "run.id": "b7"},
  "choices": [
    {"index": 0, "message": {"role": "assistant", "content": "one"}, "finish_reason": "stop"},
    {"index": 1, "message": {"role": "assistant", "content": "two"}, "finish_reason": "length"}
  ]
})");

std::string get(std::string_view path) {
  std::optional<json::value> v = gjson_get(completion, path);
  return v ? json::serialize(*v) : "<none>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gjson_path)

BOOST_AUTO_TEST_CASE(follows_dotted_keys_and_array_indexes) {
  BOOST_TEST(get("model") == R"("gpt-4o")");
  BOOST_TEST(get("usage.total_tokens") == "31");
  BOOST_TEST(get("choices.1.message.content") == R"("two")");
}

BOOST_AUTO_TEST_CASE(escapes_dots_in_keys) {
  BOOST_TEST(get(R"(metadata.run\.id)") == R"("b7")");
  BOOST_TEST(get("metadata.run.id") == "<none>");
}

BOOST_AUTO_TEST_CASE(counts_and_maps_arrays_with_hash) {
  BOOST_TEST(get("choices.#") == "2");
  BOOST_TEST(get("choices.#.message.content") == R"(["one","two"])");
  BOOST_TEST(get("choices.#.message.content|1") == R"("two")");
}

BOOST_AUTO_TEST_CASE(matches_keys_with_wildcards) {
  BOOST_TEST(get("usage.prompt*") == "13");
  BOOST_TEST(get("metadata.f?o") == R"("bar")");
}

BOOST_AUTO_TEST_CASE(queries_the_first_or_every_match) {
  BOOST_TEST(get(R"(choices.#(finish_reason=="length").index)") == "1");
  BOOST_TEST(get("choices.#(index>0)#.message.content") == R"(["two"])");
  BOOST_TEST(get(R"(choices.#(finish_reason%"s*")#|#)") == "1");
  BOOST_TEST(get(R"(choices.#(finish_reason=="none"))") == "<none>");
  BOOST_TEST(get(R"(choices.#(finish_reason=="none")#)") == "[]");
}

BOOST_AUTO_TEST_CASE(applies_the_modifiers) {
  BOOST_TEST(get("metadata.@keys") == R"(["foo","run.id"])");
  BOOST_TEST(get("metadata.@values") == R"(["bar","b7"])");
  BOOST_TEST(get("choices.#.index|@reverse") == "[1,0]");
  BOOST_TEST(get("usage.@this") == R"({"total_tokens":31,"prompt_tokens":13})");
  BOOST_TEST(get("usage|@ugly") == get("usage|@pretty"));
  const json::value nested = json::parse("[[1,[2]],3]");
  BOOST_TEST(json::serialize(*gjson_get(nested, "@flatten")) == "[1,[2],3]");
  BOOST_TEST(json::serialize(*gjson_get(nested, R"(@flatten:{"deep":true})")) == "[1,2,3]");
}

BOOST_AUTO_TEST_CASE(answers_no_match_for_missing_or_malformed_paths) {
  BOOST_TEST(get("nope") == "<none>");
  BOOST_TEST(get("choices.9") == "<none>");
  BOOST_TEST(get("") == "<none>");
  BOOST_TEST(get("@nosuchmodifier") == "<none>");
  BOOST_TEST(get("choices.#(index>") == "<none>");
}

BOOST_AUTO_TEST_SUITE_END()

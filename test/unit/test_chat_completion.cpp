#include "api/response_body.hpp"
#include "spec_examples.hpp"

#include <openai/chat_completion.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

namespace {

openai::chat_completion from(std::string_view body) {
  std::string problem;
  auto object = openai::detail::parse_object_body(body, problem);
  BOOST_TEST_REQUIRE(problem.empty(), problem);
  return openai::chat_completion(std::move(object), "req_1");
}

const char* full_completion = R"({
  "id": "chatcmpl-1", "object": "chat.completion", "created": 1738960610,
  "model": "gpt-4o-2024-08-06", "service_tier": "default", "system_fingerprint": "fp_1",
  "metadata": {"foo": "bar", "n": 5},
  "usage": {"prompt_tokens": 13, "completion_tokens": 18, "total_tokens": 31},
  "brand_new_field": {"kept": true},
  "choices": [
    {"index": 0, "finish_reason": "stop", "logprobs": null,
     "message": {"role": "assistant", "content": "hi", "refusal": null}},
    {"index": 1, "finish_reason": "tool_calls", "logprobs": null,
     "message": {"role": "assistant", "content": null, "refusal": "no",
       "tool_calls": [{"id": "call_1", "type": "function",
                       "function": {"name": "lookup", "arguments": "{\"q\":1}"}}]}}
  ]
})";

}  // namespace

BOOST_AUTO_TEST_SUITE(chat_completion)

BOOST_AUTO_TEST_CASE(reads_every_typed_field) {
  auto c = from(full_completion);
  BOOST_TEST(c.id() == "chatcmpl-1");
  BOOST_TEST(c.object() == "chat.completion");
  BOOST_TEST(c.created() == 1738960610);
  BOOST_TEST(c.model() == "gpt-4o-2024-08-06");
  BOOST_TEST(*c.service_tier() == "default");
  BOOST_TEST(*c.system_fingerprint() == "fp_1");
  BOOST_TEST(c.usage()->total_tokens == 31);
  BOOST_TEST(c.usage()->prompt_tokens == 13);
  BOOST_TEST(c.request_id() == "req_1");
  auto choices = c.choices();
  BOOST_TEST_REQUIRE(choices.size() == 2u);
  BOOST_TEST(choices[0].index() == 0);
  BOOST_TEST(choices[0].finish_reason() == "stop");
  BOOST_TEST(choices[0].message().role() == "assistant");
  BOOST_TEST(*choices[0].message().content() == "hi");
  BOOST_TEST(!choices[0].message().refusal().has_value());
  BOOST_TEST(!choices[1].message().content().has_value());
  BOOST_TEST(*choices[1].message().refusal() == "no");
  auto calls = choices[1].message().tool_calls();
  BOOST_TEST_REQUIRE(calls.size() == 1u);
  BOOST_TEST(calls[0].id() == "call_1");
  BOOST_TEST(calls[0].function_name() == "lookup");
  BOOST_TEST(calls[0].function_arguments() == "{\"q\":1}");
}

BOOST_AUTO_TEST_CASE(metadata_keeps_string_pairs) {
  auto md = from(full_completion).metadata();
  BOOST_TEST(md.size() == 1u);
  BOOST_TEST(md.at("foo") == "bar");
}

BOOST_AUTO_TEST_CASE(keeps_unknown_fields_in_json) {
  auto c = from(full_completion);
  BOOST_TEST(c.json().at("brand_new_field").at("kept").as_bool());
}

BOOST_AUTO_TEST_CASE(null_and_missing_optional_fields_read_as_absent) {
  auto c = from(R"({"id": "x", "metadata": null, "usage": null, "service_tier": null,
                    "choices": [{"message": null}], "created": "not a number"})");
  BOOST_TEST(c.metadata().empty());
  BOOST_TEST(!c.usage().has_value());
  BOOST_TEST(!c.service_tier().has_value());
  BOOST_TEST(!c.system_fingerprint().has_value());
  BOOST_TEST(c.created() == 0);
  BOOST_TEST(c.model() == "");
  BOOST_TEST(c.choices().at(0).message().role() == "");
  BOOST_TEST(c.choices().at(0).message().tool_calls().empty());
}

BOOST_AUTO_TEST_CASE(rejects_bodies_that_are_not_json_objects) {
  for (const char* body : {"", "<html>502</html>", "[1,2]", "\"text\"", "{\"id\": "}) {
    std::string problem;
    openai::detail::parse_object_body(body, problem);
    BOOST_TEST(!problem.empty(), body);
  }
}

BOOST_AUTO_TEST_CASE(parses_the_update_example_of_the_spec,
                     *boost::unit_test::precondition([](auto) { return spec::available(); })) {
  const auto text = spec::read_all();
  auto body = spec::operation_example(text, "updateChatCompletion");
  BOOST_TEST_REQUIRE(!body.empty());
  auto c = from(body);
  BOOST_TEST(c.object() == "chat.completion");
  BOOST_TEST(!c.id().empty());
  BOOST_TEST(c.metadata().at("foo") == "bar");
  BOOST_TEST(c.usage()->total_tokens > 0);
  BOOST_TEST(c.choices().at(0).message().role() == "assistant");
  BOOST_TEST(c.choices().at(0).message().content().has_value());
}

BOOST_AUTO_TEST_CASE(parses_the_retrieve_and_schema_examples_of_the_spec,
                     *boost::unit_test::precondition([](auto) { return spec::available(); })) {
  const auto text = spec::read_all();
  for (auto body : {spec::operation_example(text, "getChatCompletion"),
                    spec::schema_example(text, "CreateChatCompletionResponse")}) {
    BOOST_TEST_REQUIRE(!body.empty());
    auto c = from(body);
    BOOST_TEST(c.object() == "chat.completion");
    BOOST_TEST(c.created() > 0);
    BOOST_TEST(!c.model().empty());
    BOOST_TEST(!c.choices().empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()

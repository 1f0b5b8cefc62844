#include "request.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

namespace {

openai::detail::base_url base(std::string_view text = "https://api.openai.com/v1") {
  std::string problem;
  return *openai::detail::parse_base_url(text, problem);
}

std::string header_value(const openai::detail::header_list& headers, std::string_view name) {
  auto it = std::find_if(headers.begin(), headers.end(),
                         [&](const auto& h) { return h.first == name; });
  return it == headers.end() ? std::string("<absent>") : it->second;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request)

BOOST_AUTO_TEST_CASE(builds_post_to_the_completion_path_with_metadata_body) {
  std::vector<std::string> violations;
  auto r = openai::detail::make_update_request(base(), "chatcmpl-abc", {{"foo", "bar"}}, {},
                                               violations);
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST((r->method == openai::detail::http_method::post));
  BOOST_TEST(r->target == "/v1/chat/completions/chatcmpl-abc");
  BOOST_TEST(boost::json::parse(r->body) == boost::json::parse(R"({"metadata":{"foo":"bar"}})"));
  BOOST_TEST(header_value(r->extra_headers, "Content-Type") == "application/json");
}

BOOST_AUTO_TEST_CASE(encodes_the_id_as_one_segment) {
  std::vector<std::string> violations;
  auto r = openai::detail::make_update_request(base(), "a/../b", {}, {}, violations);
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(r->target == "/v1/chat/completions/a%2F..%2Fb");
}

BOOST_AUTO_TEST_CASE(builds_nothing_for_a_bad_id_or_bad_metadata_and_names_both) {
  std::vector<std::string> violations;
  auto r = openai::detail::make_update_request(base(), "..", {{std::string(65, 'k'), "v"}}, {},
                                               violations);
  BOOST_TEST(!r.has_value());
  BOOST_TEST(violations.size() == 2u);
}

BOOST_AUTO_TEST_CASE(appends_extra_query_and_lets_extra_headers_replace_ours) {
  openai::request_options options;
  options.extra_query = {{"a b", "c&d"}};
  options.extra_headers = {{"Content-Type", "application/json; charset=utf-8"}, {"X-Trace", "1"}};
  std::vector<std::string> violations;
  auto r = openai::detail::make_update_request(base(), "id", {}, options, violations);
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(r->target == "/v1/chat/completions/id?a%20b=c%26d");
  // Applied in order with replace semantics: the caller's Content-Type comes last and wins.
  BOOST_TEST(r->extra_headers.back().first == "X-Trace");
  BOOST_TEST(r->extra_headers[1].second == "application/json; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(common_headers_carry_key_agent_host_and_optional_org_and_project) {
  openai::client_options options;
  options.api_key = "sk-test";
  auto plain = openai::detail::make_common_headers(options, base("https://h:8443/v1"));
  BOOST_TEST(header_value(*plain, "Authorization") == "Bearer sk-test");
  BOOST_TEST(header_value(*plain, "Host") == "h:8443");
  BOOST_TEST(header_value(*plain, "Accept") == "application/json");
  BOOST_TEST(header_value(*plain, "User-Agent").rfind("openai-asio/", 0) == 0u);
  BOOST_TEST(header_value(*plain, "OpenAI-Organization") == "<absent>");
  BOOST_TEST(header_value(*plain, "OpenAI-Project") == "<absent>");

  options.organization = "org-1";
  options.project = "proj-1";
  auto full = openai::detail::make_common_headers(options, base());
  BOOST_TEST(header_value(*full, "OpenAI-Organization") == "org-1");
  BOOST_TEST(header_value(*full, "OpenAI-Project") == "proj-1");
}

BOOST_AUTO_TEST_CASE(serializes_unicode_and_escapes_in_metadata) {
  auto body = openai::detail::serialize_metadata_body({{"q\"uote", "line\nbreak \xc3\xa9"}});
  auto parsed = boost::json::parse(body);
  BOOST_TEST(parsed.at("metadata").at("q\"uote").as_string() == "line\nbreak \xc3\xa9");
}

BOOST_AUTO_TEST_SUITE_END()

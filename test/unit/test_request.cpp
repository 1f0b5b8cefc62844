#include "api/endpoints.hpp"
#include "http/render.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

namespace {

openai::detail::base_url base(std::string_view text = "https://api.openai.com/v1") {
  std::string problem;
  return *openai::detail::parse_base_url(text, problem);
}

std::string header_value(const openai::detail::http::header_list& headers, std::string_view name) {
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
  BOOST_TEST((r->method == openai::detail::http::verb::post));
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

BOOST_AUTO_TEST_CASE(renders_request_line_headers_length_and_body_as_bytes) {
  openai::client_options options;
  options.api_key = "sk-k";
  auto url = base("https://h:8443/v1");
  std::vector<std::string> violations;
  openai::request_options per_call;
  per_call.extra_headers = {{"x-trace", "1"}, {"user-agent", "mine"}, {"X-Trace", "2"}};
  auto r = openai::detail::make_update_request(url, "c-1", {{"a", "b"}}, per_call, violations);
  BOOST_TEST_REQUIRE(r.has_value());
  r->common_headers = openai::detail::make_common_headers(options, url);
  std::string wire = "left over from the last request";
  openai::detail::http::render_request(*r, wire);
  const std::string body = R"({"metadata":{"a":"b"}})";
  // The caller's User-Agent replaces ours (any case); of two X-Trace the last one wins.
  BOOST_TEST(wire == "POST /v1/chat/completions/c-1 HTTP/1.1\r\n"
                     "Host: h:8443\r\n"
                     "Authorization: Bearer sk-k\r\n"
                     "Accept: application/json\r\n"
                     "Content-Type: application/json\r\n"
                     "user-agent: mine\r\n"
                     "X-Trace: 2\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

BOOST_AUTO_TEST_CASE(renders_get_and_delete_without_a_content_length) {
  std::vector<std::string> violations;
  for (auto r : {openai::detail::make_request(base(), openai::detail::retrieve_op{"c-1"}, {},
                                              violations),
                 openai::detail::make_request(base(), openai::detail::delete_op{"c-1"}, {},
                                              violations)}) {
    BOOST_TEST_REQUIRE(r.has_value());
    std::string wire;
    openai::detail::http::render_request(*r, wire);
    BOOST_TEST(wire.find("Content-Length") == std::string::npos);
    BOOST_TEST(wire.ends_with("\r\n\r\n"));
  }
}

BOOST_AUTO_TEST_CASE(refuses_extra_headers_that_could_smuggle_a_request) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"X-Evil", "1\r\nContent-Length: 0"},
           {"X-Evil", "1\nX-Other: 2"},
           {"X-Evil", std::string("a\0b", 3)},
           {"Bad Name", "1"},
           {"", "1"},
           {"Content-Length", "5"},
           {"transfer-encoding", "chunked"}}) {
    openai::request_options options;
    options.extra_headers = {{name, value}};
    std::vector<std::string> violations;
    auto r = openai::detail::make_update_request(base(), "id", {{"k", "v"}}, options, violations);
    BOOST_TEST(!r.has_value(), name);
    BOOST_TEST(violations.size() == 1u, name);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_kinds)

BOOST_AUTO_TEST_CASE(retrieve_and_delete_address_the_completion_without_a_body) {
  std::vector<std::string> violations;
  auto get = openai::detail::make_request(base(), openai::detail::retrieve_op{"c1"}, {}, violations);
  BOOST_TEST((get->method == openai::detail::http::verb::get));
  BOOST_TEST(get->target == "/v1/chat/completions/c1");
  BOOST_TEST(get->body.empty());
  BOOST_TEST(get->extra_headers.empty());  // no Content-Type without a body
  auto del = openai::detail::make_request(base(), openai::detail::delete_op{"c1"}, {}, violations);
  BOOST_TEST((del->method == openai::detail::http::verb::delete_));
  BOOST_TEST(del->target == "/v1/chat/completions/c1");
}

BOOST_AUTO_TEST_CASE(list_sends_model_metadata_filter_and_page_parameters) {
  openai::detail::list_op c;
  c.params.model = "gpt-4o";
  c.params.metadata.insert_or_assign("run", "b 7");
  c.params.after = "chatcmpl-9";
  c.params.limit = 50;
  c.params.order = "desc";
  std::vector<std::string> violations;
  auto r = openai::detail::make_request(base(), c, {}, violations);
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(r->target ==
             "/v1/chat/completions?model=gpt-4o&metadata%5Brun%5D=b%207&after=chatcmpl-9"
             "&limit=50&order=desc");
}

BOOST_AUTO_TEST_CASE(messages_list_goes_below_the_completion) {
  openai::detail::list_messages_op c{"c/1", {}};
  c.params.limit = 5;
  std::vector<std::string> violations;
  auto r = openai::detail::make_request(base(), c, {}, violations);
  BOOST_TEST(r->target == "/v1/chat/completions/c%2F1/messages?limit=5");
}

BOOST_AUTO_TEST_CASE(rejects_limits_outside_one_to_a_hundred_and_unknown_orders) {
  for (int limit : {0, 101, -3}) {
    openai::detail::list_op c;
    c.params.limit = limit;
    std::vector<std::string> violations;
    BOOST_TEST(!openai::detail::make_request(base(), c, {}, violations).has_value());
  }
  openai::detail::list_messages_op c{"c1", {}};
  c.params.order = "sideways";
  std::vector<std::string> violations;
  BOOST_TEST(!openai::detail::make_request(base(), c, {}, violations).has_value());
  BOOST_TEST(violations.at(0).find("sideways") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(retrieve_rejects_dot_dot_ids) {
  std::vector<std::string> violations;
  BOOST_TEST(!openai::detail::make_request(base(), openai::detail::retrieve_op{".."}, {}, violations)
                  .has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_null_metadata)

BOOST_AUTO_TEST_CASE(null_metadata_is_sent_as_json_null) {
  BOOST_TEST(openai::detail::serialize_metadata_body(openai::metadata::null_value()) ==
             R"({"metadata":null})");
  auto md = openai::metadata::null_value();
  md.insert_or_assign("k", "v");
  BOOST_TEST(!md.is_null());
  BOOST_TEST(openai::detail::serialize_metadata_body(md) == R"({"metadata":{"k":"v"}})");
}

BOOST_AUTO_TEST_SUITE_END()

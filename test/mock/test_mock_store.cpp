// openai-mock's store: the API rules the mock enforces, checked without sockets.
#define BOOST_TEST_MODULE test_mock_store
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "store.hpp"

namespace json = boost::json;
using openai_mock::request;
using openai_mock::response;
using openai_mock::route;
using openai_mock::store;
using openai_mock::store_options;

namespace {

constexpr const char* key = "sk-test-key-123";

struct seeded {
  store s{store_options{key, 30, "/v1"}};

  response send(std::string method, std::string target, std::string body = {},
                std::optional<std::string> auth = std::string("Bearer ") + key) {
    request r;
    r.method = std::move(method);
    r.target = std::move(target);
    if (auth) r.headers["Authorization"] = *auth;
    r.body = std::move(body);
    return s.handle(r);
  }
  response update(const std::string& id, const std::string& body) {
    return send("POST", "/v1/chat/completions/" + id, body);
  }
  response list(const std::string& query = {}) {
    return send("GET", "/v1/chat/completions" + query);
  }
};

json::object parse(const response& r) { return json::parse(r.body).as_object(); }

const json::object& error_of(const json::object& body) { return body.at("error").as_object(); }

std::string first_id() { return store::completion_id(1); }

// {"metadata": {"k0":"v",...}} with n pairs.
std::string metadata_with_pairs(int n) {
  json::object md;
  for (int i = 0; i < n; ++i) md["k" + std::to_string(i)] = "v";
  return json::serialize(json::object{{"metadata", md}});
}

std::string metadata_body(const std::string& k, const std::string& v) {
  return json::serialize(json::object{{"metadata", json::object{{k, v}}}});
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::vector<std::string> ids_of(const json::object& list) {
  std::vector<std::string> out;
  for (const auto& c : list.at("data").as_array())
    out.emplace_back(c.as_object().at("id").as_string());
  return out;
}

void check_metadata_rejected(const response& r) {
  BOOST_TEST(r.status == 400u);
  const auto body = parse(r);
  BOOST_TEST(error_of(body).at("type").as_string() == "invalid_request_error");
  BOOST_TEST(error_of(body).at("param").as_string() == "metadata");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(mock_store, seeded)

// --- auth -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rejects_a_request_without_authorization_with_401) {
  const auto r = send("GET", "/v1/chat/completions", {}, std::nullopt);
  BOOST_TEST(r.status == 401u);
  const auto err = error_of(parse(r));
  BOOST_TEST(err.at("type").as_string() == "invalid_request_error");
  BOOST_TEST(err.at("code").as_string() == "invalid_api_key");
}

BOOST_AUTO_TEST_CASE(rejects_a_wrong_key_without_echoing_it) {
  const std::string sent = "sk-wrong-secret-value-987654";
  const auto r = update(first_id(), metadata_body("a", "b"));
  BOOST_TEST(r.status == 200u);
  const auto bad =
      send("POST", "/v1/chat/completions/" + first_id(), metadata_body("a", "c"), "Bearer " + sent);
  BOOST_TEST(bad.status == 401u);
  BOOST_TEST(error_of(parse(bad)).at("code").as_string() == "invalid_api_key");
  BOOST_TEST(bad.body.find(sent) == std::string::npos);
  BOOST_TEST(bad.body.find("9876") == std::string::npos);  // not even a masked tail
  BOOST_TEST(s.metadata_of(first_id())->at("a") == "b");
}

BOOST_AUTO_TEST_CASE(rejects_a_key_that_is_not_bearer_auth) {
  BOOST_TEST(send("GET", "/v1/chat/completions", {}, std::string(key)).status == 401u);
}

// --- retrieve / 404 -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(retrieves_a_seeded_completion_in_the_api_shape) {
  const auto r = send("GET", "/v1/chat/completions/" + first_id());
  BOOST_TEST(r.status == 200u);
  const auto c = parse(r);
  BOOST_TEST(c.at("id").as_string() == "chatcmpl-mock-000001");
  BOOST_TEST(c.at("object").as_string() == "chat.completion");
  BOOST_TEST(c.at("model").as_string() == "gpt-4o-mini");
  BOOST_TEST(c.at("metadata").as_object().empty());
  BOOST_TEST(c.at("service_tier").as_string() == "default");
  const auto& choice = c.at("choices").as_array().at(0).as_object();
  BOOST_TEST(choice.at("finish_reason").as_string() == "stop");
  BOOST_TEST(choice.at("logprobs").is_null());
  BOOST_TEST(choice.at("message").as_object().at("role").as_string() == "assistant");
  BOOST_TEST(c.at("usage").as_object().at("total_tokens").as_int64() > 0);
}

BOOST_AUTO_TEST_CASE(seeded_completions_have_increasing_created_and_alternating_models) {
  const auto a = parse(send("GET", "/v1/chat/completions/" + store::completion_id(1)));
  const auto b = parse(send("GET", "/v1/chat/completions/" + store::completion_id(2)));
  BOOST_TEST(a.at("created").as_int64() < b.at("created").as_int64());
  BOOST_TEST(a.at("model").as_string() != b.at("model").as_string());
}

BOOST_AUTO_TEST_CASE(answers_404_for_an_unknown_completion_id) {
  const auto r = update("chatcmpl-nope", metadata_body("a", "b"));
  BOOST_TEST(r.status == 404u);
  const auto err = error_of(parse(r));
  BOOST_TEST(err.at("message").as_string() == "No chat completion found with id 'chatcmpl-nope'.");
  BOOST_TEST(err.at("type").as_string() == "invalid_request_error");
  BOOST_TEST(send("GET", "/v1/chat/completions/chatcmpl-nope").status == 404u);
  BOOST_TEST(send("DELETE", "/v1/chat/completions/chatcmpl-nope").status == 404u);
}

BOOST_AUTO_TEST_CASE(answers_404_for_an_unknown_path) {
  BOOST_TEST(send("GET", "/v1/models").status == 404u);
  BOOST_TEST(send("GET", "/v2/chat/completions").status == 404u);
  BOOST_TEST(send("PUT", "/v1/chat/completions/" + first_id()).status == 404u);
}

BOOST_AUTO_TEST_CASE(decodes_a_percent_encoded_completion_id) {
  const auto r = send("GET", "/v1/chat/completions/chatcmpl%2Dmock%2D000001");
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(parse(r).at("id").as_string() == first_id());
}

BOOST_AUTO_TEST_CASE(serves_under_a_configured_path_prefix) {
  store other(store_options{key, 1, "/openai/v1"});
  request r;
  r.method = "GET";
  r.target = "/openai/v1/chat/completions/" + first_id();
  r.headers["authorization"] = std::string("Bearer ") + key;
  BOOST_TEST(other.handle(r).status == 200u);
  r.target = "/v1/chat/completions/" + first_id();
  BOOST_TEST(other.handle(r).status == 404u);
}

// --- metadata validation --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(accepts_sixteen_metadata_pairs) {
  BOOST_TEST(update(first_id(), metadata_with_pairs(16)).status == 200u);
  BOOST_TEST(s.metadata_of(first_id())->size() == 16u);
}

BOOST_AUTO_TEST_CASE(rejects_seventeen_metadata_pairs) {
  check_metadata_rejected(update(first_id(), metadata_with_pairs(17)));
}

BOOST_AUTO_TEST_CASE(accepts_a_64_code_point_key) {
  BOOST_TEST(update(first_id(), metadata_body(std::string(64, 'k'), "v")).status == 200u);
}

BOOST_AUTO_TEST_CASE(rejects_a_65_code_point_key) {
  check_metadata_rejected(update(first_id(), metadata_body(std::string(65, 'k'), "v")));
}

BOOST_AUTO_TEST_CASE(accepts_a_512_code_point_value) {
  BOOST_TEST(update(first_id(), metadata_body("k", std::string(512, 'v'))).status == 200u);
}

BOOST_AUTO_TEST_CASE(rejects_a_513_code_point_value) {
  check_metadata_rejected(update(first_id(), metadata_body("k", std::string(513, 'v'))));
}

BOOST_AUTO_TEST_CASE(counts_multibyte_utf8_keys_in_code_points) {
  // "é" is 2 bytes, "€" 3, "😀" 4: 64 code points pass although they are 128+ bytes.
  BOOST_TEST(update(first_id(), metadata_body(repeat("é", 64), "v")).status == 200u);
  BOOST_TEST(update(first_id(), metadata_body(repeat("😀", 64), "v")).status == 200u);
  check_metadata_rejected(update(first_id(), metadata_body(repeat("é", 65), "v")));
}

BOOST_AUTO_TEST_CASE(counts_multibyte_utf8_values_in_code_points) {
  BOOST_TEST(update(first_id(), metadata_body("k", repeat("€", 512))).status == 200u);
  check_metadata_rejected(update(first_id(), metadata_body("k", repeat("€", 513))));
}

BOOST_AUTO_TEST_CASE(rejects_a_non_string_metadata_value) {
  check_metadata_rejected(update(first_id(), R"({"metadata":{"n":1}})"));
  check_metadata_rejected(update(first_id(), R"({"metadata":{"b":true}})"));
  check_metadata_rejected(update(first_id(), R"({"metadata":{"x":null}})"));
  check_metadata_rejected(update(first_id(), R"({"metadata":{"o":{}}})"));
}

BOOST_AUTO_TEST_CASE(rejects_a_body_that_is_not_json) {
  check_metadata_rejected(update(first_id(), "{\"metadata\": {"));
  check_metadata_rejected(update(first_id(), ""));
}

BOOST_AUTO_TEST_CASE(rejects_a_body_without_metadata) {
  check_metadata_rejected(update(first_id(), "{}"));
}

BOOST_AUTO_TEST_CASE(rejects_metadata_that_is_not_an_object) {
  check_metadata_rejected(update(first_id(), R"({"metadata":"a=b"})"));
  check_metadata_rejected(update(first_id(), R"({"metadata":[["a","b"]]})"));
}

BOOST_AUTO_TEST_CASE(rejects_an_unknown_body_parameter) {
  const auto r = update(first_id(), R"({"metadata":{},"model":"gpt-4o"})");
  BOOST_TEST(r.status == 400u);
  BOOST_TEST(error_of(parse(r)).at("param").as_string() == "model");
}

BOOST_AUTO_TEST_CASE(a_rejected_update_leaves_metadata_unchanged) {
  BOOST_TEST(update(first_id(), metadata_body("keep", "me")).status == 200u);
  check_metadata_rejected(update(first_id(), metadata_with_pairs(17)));
  const auto md = s.metadata_of(first_id());
  BOOST_TEST(md->size() == 1u);
  BOOST_TEST(md->at("keep") == "me");
}

// --- update ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(update_replaces_metadata_and_returns_the_whole_completion) {
  BOOST_TEST(update(first_id(), R"({"metadata":{"a":"1","b":"2"}})").status == 200u);
  const auto r = update(first_id(), R"({"metadata":{"c":"3"}})");
  BOOST_TEST(r.status == 200u);
  const auto c = parse(r);
  BOOST_TEST(c.at("id").as_string() == first_id());
  BOOST_TEST(c.at("object").as_string() == "chat.completion");
  BOOST_TEST(c.at("choices").as_array().size() == 1u);
  BOOST_TEST(json::serialize(c.at("metadata")) == R"({"c":"3"})");
  BOOST_TEST((*s.metadata_of(first_id()) == std::map<std::string, std::string>{{"c", "3"}}));
}

BOOST_AUTO_TEST_CASE(null_metadata_clears_all_pairs) {
  BOOST_TEST(update(first_id(), R"({"metadata":{"a":"1"}})").status == 200u);
  const auto r = update(first_id(), R"({"metadata":null})");
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(parse(r).at("metadata").as_object().empty());
  BOOST_TEST(s.metadata_of(first_id())->empty());
}

BOOST_AUTO_TEST_CASE(metadata_of_an_unknown_id_is_empty_optional) {
  BOOST_TEST(!s.metadata_of("chatcmpl-nope").has_value());
}

// --- list -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(list_defaults_to_twenty_in_ascending_order) {
  const auto r = list();
  BOOST_TEST(r.status == 200u);
  const auto l = parse(r);
  BOOST_TEST(l.at("object").as_string() == "list");
  const auto ids = ids_of(l);
  BOOST_TEST(ids.size() == 20u);
  BOOST_TEST(ids.front() == store::completion_id(1));
  BOOST_TEST(ids.back() == store::completion_id(20));
  BOOST_TEST(l.at("first_id").as_string() == store::completion_id(1));
  BOOST_TEST(l.at("last_id").as_string() == store::completion_id(20));
  BOOST_TEST(l.at("has_more").as_bool());
}

BOOST_AUTO_TEST_CASE(list_pages_with_after_until_has_more_is_false) {
  std::vector<std::string> all;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    const auto l = parse(list("?limit=7" + (after.empty() ? "" : "&after=" + after)));
    const auto ids = ids_of(l);
    all.insert(all.end(), ids.begin(), ids.end());
    if (!l.at("has_more").as_bool()) break;
    after = std::string(l.at("last_id").as_string());
  }
  BOOST_TEST(all.size() == 30u);
  BOOST_TEST(all.back() == store::completion_id(30));
  BOOST_TEST(std::set<std::string>(all.begin(), all.end()).size() == 30u);
}

BOOST_AUTO_TEST_CASE(list_has_more_is_false_when_the_page_ends_exactly_at_the_last_item) {
  const auto l = parse(list("?limit=10&after=" + store::completion_id(20)));
  BOOST_TEST(ids_of(l).size() == 10u);
  BOOST_TEST(!l.at("has_more").as_bool());
}

BOOST_AUTO_TEST_CASE(list_in_descending_order_pages_backwards) {
  const auto l = parse(list("?order=desc&limit=3"));
  BOOST_TEST(
      (ids_of(l) == std::vector<std::string>{store::completion_id(30), store::completion_id(29),
                                             store::completion_id(28)}));
  const auto next = parse(list("?order=desc&limit=2&after=" + store::completion_id(28)));
  BOOST_TEST((ids_of(next) ==
              std::vector<std::string>{store::completion_id(27), store::completion_id(26)}));
}

BOOST_AUTO_TEST_CASE(list_filters_by_model) {
  const auto l = parse(list("?model=gpt-4o&limit=100"));
  const auto ids = ids_of(l);
  BOOST_TEST(ids.size() == 15u);
  for (const auto& c : l.at("data").as_array())
    BOOST_TEST(c.as_object().at("model").as_string() == "gpt-4o");
  BOOST_TEST(!l.at("has_more").as_bool());
}

BOOST_AUTO_TEST_CASE(list_filters_by_metadata) {
  BOOST_TEST(update(store::completion_id(3), R"({"metadata":{"team":"red","env":"ci"}})").status ==
             200u);
  BOOST_TEST(update(store::completion_id(7), R"({"metadata":{"team":"red"}})").status == 200u);
  BOOST_TEST(update(store::completion_id(9), R"({"metadata":{"team":"blue"}})").status == 200u);
  BOOST_TEST((ids_of(parse(list("?metadata[team]=red"))) ==
              std::vector<std::string>{store::completion_id(3), store::completion_id(7)}));
  BOOST_TEST((ids_of(parse(list("?metadata[team]=red&metadata[env]=ci"))) ==
              std::vector<std::string>{store::completion_id(3)}));
}

BOOST_AUTO_TEST_CASE(list_decodes_percent_encoded_metadata_brackets) {
  BOOST_TEST(update(store::completion_id(5), R"({"metadata":{"a b":"x/y"}})").status == 200u);
  BOOST_TEST((ids_of(parse(list("?metadata%5Ba%20b%5D=x%2Fy"))) ==
              std::vector<std::string>{store::completion_id(5)}));
}

BOOST_AUTO_TEST_CASE(list_returns_an_empty_page_with_null_ids) {
  const auto l = parse(list("?model=gpt-5"));
  BOOST_TEST(l.at("data").as_array().empty());
  BOOST_TEST(l.at("first_id").is_null());
  BOOST_TEST(!l.at("has_more").as_bool());
}

BOOST_AUTO_TEST_CASE(list_accepts_a_limit_of_100_and_rejects_101_and_0) {
  BOOST_TEST(list("?limit=100").status == 200u);
  for (const char* bad : {"?limit=101", "?limit=0", "?limit=ten"}) {
    const auto r = list(bad);
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(parse(r)).at("param").as_string() == "limit");
  }
}

BOOST_AUTO_TEST_CASE(list_rejects_an_unknown_order) {
  const auto r = list("?order=sideways");
  BOOST_TEST(r.status == 400u);
  BOOST_TEST(error_of(parse(r)).at("param").as_string() == "order");
}

// --- delete ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(delete_removes_the_completion) {
  const auto r = send("DELETE", "/v1/chat/completions/" + first_id());
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(r.body ==
             R"({"object":"chat.completion.deleted","id":"chatcmpl-mock-000001","deleted":true})");
  BOOST_TEST(send("GET", "/v1/chat/completions/" + first_id()).status == 404u);
  BOOST_TEST(!s.metadata_of(first_id()).has_value());
  BOOST_TEST(ids_of(parse(list("?limit=1"))).front() == store::completion_id(2));
}

// --- messages -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(messages_list_returns_the_input_messages) {
  const auto l =
      parse(send("GET", "/v1/chat/completions/" + store::completion_id(1) + "/messages"));
  BOOST_TEST(l.at("object").as_string() == "list");
  const auto& data = l.at("data").as_array();
  BOOST_TEST(data.size() == 1u);
  const auto& m = data.at(0).as_object();
  BOOST_TEST(m.at("id").as_string() == store::completion_id(1) + "-0");
  BOOST_TEST(m.at("role").as_string() == "user");
  BOOST_TEST(m.at("content").is_string());
  BOOST_TEST(!l.at("has_more").as_bool());
}

BOOST_AUTO_TEST_CASE(messages_list_pages_with_after_limit_and_order) {
  const std::string base = "/v1/chat/completions/" + store::completion_id(3) + "/messages";
  const auto p1 = parse(send("GET", base + "?limit=2"));
  BOOST_TEST(ids_of(p1).size() == 2u);
  BOOST_TEST(p1.at("has_more").as_bool());
  const auto p2 =
      parse(send("GET", base + "?limit=2&after=" + std::string(p1.at("last_id").as_string())));
  BOOST_TEST((ids_of(p2) == std::vector<std::string>{store::completion_id(3) + "-2"}));
  BOOST_TEST(!p2.at("has_more").as_bool());
  const auto desc = parse(send("GET", base + "?order=desc"));
  BOOST_TEST(ids_of(desc).front() == store::completion_id(3) + "-2");
}

BOOST_AUTO_TEST_CASE(messages_of_an_unknown_completion_are_404) {
  BOOST_TEST(send("GET", "/v1/chat/completions/chatcmpl-nope/messages").status == 404u);
}

// --- headers and counters -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_response_carries_a_unique_request_id_and_json_content_type) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    const auto r = i % 2 ? list() : send("GET", "/v1/chat/completions", {}, std::nullopt);
    const auto& id = r.headers.at("x-request-id");
    BOOST_TEST(id.starts_with("req_"));
    BOOST_TEST(id.size() > 4u);
    BOOST_TEST(id.find_first_not_of("0123456789abcdef", 4) == std::string::npos);
    BOOST_TEST(r.headers.at("Content-Type") == "application/json");
    ids.insert(id);
  }
  BOOST_TEST(ids.size() == 50u);
}

BOOST_AUTO_TEST_CASE(counts_requests_per_method_and_route) {
  update(first_id(), metadata_body("a", "b"));
  update(first_id(), metadata_body("a", "c"));
  list();
  send("GET", "/v1/chat/completions", {}, std::nullopt);
  send("GET", "/nowhere");
  BOOST_TEST(s.count("POST", route::update_completion) == 2u);
  BOOST_TEST(s.count("GET", route::list_completions) == 2u);
  BOOST_TEST(s.count("GET", route::unmatched) == 1u);
  const auto st = s.stats();
  BOOST_TEST(st.requests == 5u);
  BOOST_TEST(st.unauthorized == 1u);
  BOOST_TEST(st.by_route.at("POST updateChatCompletion") == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

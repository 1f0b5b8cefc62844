// openai-mock's fault planner and wire rendering, checked without sockets.
#define BOOST_TEST_MODULE test_mock_faults
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "fault.hpp"

namespace json = boost::json;
using namespace openai_mock;
using namespace std::chrono_literals;

namespace {

request post(std::string target) {
  request r;
  r.method = "POST";
  r.target = std::move(target);
  return r;
}

request update(const std::string& id) { return post("/v1/chat/completions/" + id); }

response completion() {
  response r;
  r.status = 200;
  r.headers["content-type"] = "application/json";
  r.body = R"({"id":"chatcmpl-1","object":"chat.completion","metadata":{"a":"b"}})";
  return r;
}

std::vector<fault_action> actions(fault_planner& p, const request& r, int n) {
  std::vector<fault_action> out;
  for (int i = 0; i < n; ++i) out.push_back(p.plan(r).action);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_faults)

BOOST_AUTO_TEST_CASE(action_names_round_trip) {
  for (std::size_t i = 0; i < fault_action_count; ++i) {
    const auto a = static_cast<fault_action>(i);
    BOOST_TEST((fault_action_from_name(fault_action_name(a)) == a));
  }
  BOOST_TEST(!fault_action_from_name("explode").has_value());
}

BOOST_AUTO_TEST_CASE(completion_id_is_the_decoded_segment_after_chat_completions) {
  BOOST_TEST(completion_id_of("/v1/chat/completions/chatcmpl-1", "/v1") == "chatcmpl-1");
  BOOST_TEST(completion_id_of("/v1/chat/completions/a%2Fb/messages?limit=2", "/v1") == "a/b");
  BOOST_TEST(completion_id_of("/v1/chat/completions?limit=2", "/v1") == "");
  BOOST_TEST(completion_id_of("/v2/chat/completions/x", "/v1") == "");
  BOOST_TEST(completion_id_of("/chat/completions/x", "") == "x");
}

BOOST_AUTO_TEST_CASE(without_faults_every_plan_is_none) {
  fault_planner p("/v1");
  for (auto a : actions(p, update("x"), 50)) BOOST_TEST((a == fault_action::none));
}

BOOST_AUTO_TEST_CASE(script_steps_are_consumed_in_order_then_normal) {
  fault_planner p(
      "/v1",
      {{"x", {fault_plan::error(429, {}, 100ms), fault_plan::error(429), fault_plan::ok()}}});
  auto first = p.plan(update("x"));
  BOOST_TEST((first.action == fault_action::respond));
  BOOST_TEST(first.reply.status == 429u);
  BOOST_TEST(first.reply.headers.at("retry-after-ms") == "100");
  auto second = p.plan(update("x"));
  BOOST_TEST(second.reply.status == 429u);
  BOOST_TEST(second.reply.headers.count("retry-after-ms") == 0u);
  BOOST_TEST((p.plan(update("x")).action == fault_action::none));  // the scripted ok
  BOOST_TEST(p.pending().empty());
  BOOST_TEST((p.plan(update("x")).action == fault_action::none));
}

BOOST_AUTO_TEST_CASE(scripts_of_other_ids_are_left_alone) {
  fault_planner p("/v1");
  p.script("x", {fault_plan::make(fault_action::reset)});
  BOOST_TEST((p.plan(update("y")).action == fault_action::none));
  BOOST_TEST((p.plan(post("/v1/chat/completions")).action == fault_action::none));
  BOOST_TEST(p.pending().at("x") == 1u);
  BOOST_TEST((p.plan(update("x")).action == fault_action::reset));
}

BOOST_AUTO_TEST_CASE(star_applies_to_any_request_without_its_own_steps) {
  fault_planner p("/v1");
  p.script("*", {fault_plan::make(fault_action::chunked), fault_plan::make(fault_action::delay)});
  p.script("x", {fault_plan::make(fault_action::truncate)});
  BOOST_TEST((p.plan(update("x")).action == fault_action::truncate));
  BOOST_TEST((p.plan(update("x")).action == fault_action::chunked));
  BOOST_TEST((p.plan(post("/v1/chat/completions")).action == fault_action::delay));
  BOOST_TEST((p.plan(update("x")).action == fault_action::none));
}

BOOST_AUTO_TEST_CASE(rescripting_replaces_and_an_empty_script_removes) {
  fault_planner p("/v1");
  p.script("x", {fault_plan::make(fault_action::reset), fault_plan::make(fault_action::reset)});
  p.script("x", {fault_plan::make(fault_action::truncate)});
  BOOST_TEST(p.pending().at("x") == 1u);
  p.script("x", {});
  BOOST_TEST(p.pending().empty());
  p.script("y", {fault_plan::make(fault_action::reset)});
  p.clear_script();
  BOOST_TEST((p.plan(update("y")).action == fault_action::none));
}

BOOST_AUTO_TEST_CASE(a_custom_decider_comes_before_the_script) {
  int calls = 0;
  fault_planner p("/v1", {{"x", {fault_plan::make(fault_action::reset)}}}, {}, [&](const request&) {
    return ++calls == 1 ? fault_plan::error(500) : fault_plan::ok();
  });
  BOOST_TEST(p.plan(update("x")).reply.status == 500u);
  BOOST_TEST((p.plan(update("x")).action == fault_action::reset));
  BOOST_TEST(calls == 2);
}

BOOST_AUTO_TEST_CASE(error_steps_have_an_openai_error_body) {
  auto p = fault_plan::error(429, "insufficient_quota");
  auto body = json::parse(p.reply.body).as_object();
  BOOST_TEST(body.at("error").at("code").as_string() == "insufficient_quota");
  BOOST_TEST(body.at("error").at("type").is_string());
  BOOST_TEST(p.reply.headers.at("content-type") == "application/json");
  BOOST_TEST(json::parse(fault_plan::error(500).reply.body).at("error").at("code").is_null());
}

BOOST_AUTO_TEST_CASE(random_rate_zero_never_faults_and_one_always_does) {
  fault_planner never("/v1", {}, {.rate = 0.0, .seed = 1});
  for (auto a : actions(never, update("x"), 200)) BOOST_TEST((a == fault_action::none));
  fault_planner always("/v1", {}, {.rate = 1.0, .seed = 1});
  for (auto a : actions(always, update("x"), 200)) BOOST_TEST((a != fault_action::none));
}

BOOST_AUTO_TEST_CASE(random_faults_are_deterministic_given_the_seed) {
  auto sequence = [](std::uint64_t seed) {
    fault_planner p("/v1", {}, {.rate = 0.3, .seed = seed});
    std::vector<std::string> out;
    for (int i = 0; i < 300; ++i) {
      auto plan = p.plan(update("x"));
      out.push_back(
          std::string(fault_action_name(plan.action)) + std::to_string(plan.reply.status) +
          (plan.reply.headers.count("retry-after-ms") ? plan.reply.headers.at("retry-after-ms")
                                                      : ""));
    }
    return out;
  };
  BOOST_TEST(sequence(42) == sequence(42));
  BOOST_TEST(sequence(42) != sequence(43));
}

BOOST_AUTO_TEST_CASE(random_rate_is_roughly_the_share_of_faulted_requests) {
  fault_planner p("/v1", {}, {.rate = 0.2, .seed = 7});
  int faulted = 0;
  for (auto a : actions(p, update("x"), 5000)) faulted += a != fault_action::none;
  BOOST_TEST(faulted > 850);
  BOOST_TEST(faulted < 1150);
}

BOOST_AUTO_TEST_CASE(random_faults_are_only_retryable_kinds_with_short_waits) {
  std::mt19937_64 rng(3);
  random_fault_options o;
  std::set<std::string> kinds;
  for (int i = 0; i < 2000; ++i) {
    auto plan = random_fault(o, rng);
    if (plan.action == fault_action::reset) {
      kinds.insert("reset");
      continue;
    }
    BOOST_TEST_REQUIRE((plan.action == fault_action::respond));
    const unsigned s = plan.reply.status;
    BOOST_TEST((s == 429 || s == 500 || s == 503));
    kinds.insert(std::to_string(s));
    if (s != 500) {
      const int ms = std::stoi(plan.reply.headers.at("retry-after-ms"));
      BOOST_TEST(ms >= 50);
      BOOST_TEST(ms <= 200);
    }
    if (s == 429)
      BOOST_TEST(json::parse(plan.reply.body).at("error").at("code").as_string() !=
                 "insufficient_quota");
  }
  BOOST_TEST(kinds == (std::set<std::string>{"429", "500", "503", "reset"}));
}

BOOST_AUTO_TEST_CASE(weights_choose_the_random_kinds) {
  std::mt19937_64 rng(5);
  random_fault_options o{.weight_429 = 0, .weight_500 = 0, .weight_503 = 0, .weight_reset = 1};
  for (int i = 0; i < 100; ++i) BOOST_TEST((random_fault(o, rng).action == fault_action::reset));
}

BOOST_AUTO_TEST_CASE(scripted_steps_do_not_consume_the_random_sequence) {
  fault_planner plain("/v1", {}, {.rate = 0.5, .seed = 9});
  fault_planner scripted("/v1", {{"y", {fault_plan::make(fault_action::reset)}}},
                         {.rate = 0.5, .seed = 9});
  BOOST_TEST((scripted.plan(update("y")).action == fault_action::reset));
  BOOST_TEST(actions(plain, update("x"), 100) == actions(scripted, update("x"), 100));
}

BOOST_AUTO_TEST_CASE(parses_a_json_script) {
  auto s = parse_fault_script(R"({
    "chatcmpl-1": [{"status": 429, "retry_after_ms": 100}, {"status": 429, "code": "insufficient_quota"},
                   {"status": 503, "headers": {"x-should-retry": "false"}, "body": "nope"},
                   {"action": "reset"}, "truncate", {"action": "delay", "ms": 250},
                   {"action": "slow_drip", "ms": 10}, {"action": "malformed_status", "text": "HTPP/9 200"},
                   {"action": "oversized", "bytes": 1000}, "ok", {"action": "ok"}],
    "*": ["idle_close"]})");
  BOOST_TEST_REQUIRE(s.size() == 2u);
  const auto& x = s.at("chatcmpl-1");
  BOOST_TEST_REQUIRE(x.size() == 11u);
  BOOST_TEST(x[0].reply.status == 429u);
  BOOST_TEST(x[0].reply.headers.at("retry-after-ms") == "100");
  BOOST_TEST(json::parse(x[1].reply.body).at("error").at("code").as_string() ==
             "insufficient_quota");
  BOOST_TEST(x[2].reply.headers.at("x-should-retry") == "false");
  BOOST_TEST(x[2].reply.body == "nope");
  BOOST_TEST((x[3].action == fault_action::reset));
  BOOST_TEST((x[4].action == fault_action::truncate));
  BOOST_TEST((x[5].action == fault_action::delay));
  BOOST_TEST(x[5].wait.count() == 250);
  BOOST_TEST(x[6].wait.count() == 10);
  BOOST_TEST(x[7].text == "HTPP/9 200");
  BOOST_TEST(x[8].bytes == 1000u);
  BOOST_TEST((x[9].action == fault_action::none));
  BOOST_TEST((x[10].action == fault_action::none));
  BOOST_TEST((s.at("*").at(0).action == fault_action::idle_close));
}

BOOST_AUTO_TEST_CASE(header_steps_set_bytes_json_cannot_carry_on_a_normal_answer) {
  auto s = parse_fault_script(R"({"c": [
    {"action": "none", "header_hex": {"x-request-id": "7265715fFF00"}},
    {"action": "delay", "headers": {"x-ratelimit-reset-requests": "infh"}},
    {"status": 503, "header_hex": {"x-request-id": "ff"}}]})");
  const auto& c = s.at("c");
  BOOST_TEST_REQUIRE(c.size() == 3u);
  BOOST_TEST((c[0].action == fault_action::none));
  BOOST_TEST(c[0].headers.at("x-request-id") == std::string("req_\xff\0", 6));
  BOOST_TEST(c[1].headers.at("x-ratelimit-reset-requests") == "infh");
  BOOST_TEST(c[2].reply.headers.at("x-request-id") == "\xff");  // respond: on its own reply
  BOOST_TEST(c[2].headers.empty());
  for (const char* bad : {R"({"c": [{"action": "none", "header_hex": {"x": "f"}}]})",
                          R"({"c": [{"action": "none", "header_hex": {"x": "zz"}}]})",
                          R"({"c": [{"action": "none", "header_hex": ["ff"]}]})"})
    BOOST_CHECK_THROW(parse_fault_script(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(rejects_bad_scripts_with_a_reason) {
  for (const char* bad :
       {"[]", "{\"x\": 1}", "{\"x\": [{\"action\": \"explode\"}]}", "{\"x\": [{\"status\": 42}]}",
        "{\"x\": [{\"ms\": 5}]}", "{\"x\": [{\"status\": 429, \"colour\": 1}]}", "{\"\": []}",
        "not json", "{\"x\": [\"respond\"]}", "{\"x\": [{\"action\": \"delay\", \"ms\": -1}]}"}) {
    BOOST_CHECK_THROW(parse_fault_script(bad), std::invalid_argument);
  }
  try {
    parse_fault_script(R"({"x": ["ok", {"action": "explode"}]})");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("step 2") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(http2_fault_steps_parse_with_their_error_code) {
  auto s = parse_fault_script(R"({"c": [
    {"action": "rst_stream", "code": "cancel"}, "rst_stream", {"action": "goaway", "code": "enhance_your_calm"},
    "goaway", {"action": "stall_window", "bytes": 10}, {"action": "drop_connection", "bytes": 5}]})");
  const auto& c = s.at("c");
  BOOST_TEST_REQUIRE(c.size() == 6u);
  BOOST_TEST((c[0].action == fault_action::rst_stream));
  BOOST_TEST(c[0].text == "cancel");
  BOOST_TEST(c[1].text.empty());  // the session's default: refused_stream
  BOOST_TEST((c[2].action == fault_action::goaway));
  BOOST_TEST(c[2].text == "enhance_your_calm");
  BOOST_TEST((c[4].action == fault_action::stall_window));
  BOOST_TEST(c[4].bytes == 10u);
  BOOST_TEST((c[5].action == fault_action::drop_connection));
  BOOST_TEST(c[5].bytes == 5u);
}

BOOST_AUTO_TEST_CASE(rejects_an_unknown_http2_error_code_or_a_code_in_text) {
  for (const char* bad : {R"({"c": [{"action": "rst_stream", "code": "refused"}]})",
                          R"({"c": [{"action": "goaway", "code": "NO_ERROR"}]})",
                          R"({"c": [{"action": "rst_stream", "text": "cancel"}]})"})
    BOOST_CHECK_THROW(parse_fault_script(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(http2_error_codes_are_named_as_in_rfc_9113) {
  BOOST_TEST(h2_error_code_from_name("no_error").value() == 0u);
  BOOST_TEST(h2_error_code_from_name("internal_error").value() == 2u);
  BOOST_TEST(h2_error_code_from_name("refused_stream").value() == 7u);
  BOOST_TEST(h2_error_code_from_name("cancel").value() == 8u);
  BOOST_TEST(h2_error_code_from_name("http_1_1_required").value() == 13u);
  BOOST_TEST(!h2_error_code_from_name("teapot"));
}

BOOST_AUTO_TEST_CASE(requests_refused_or_reset_unseen_never_reach_the_store) {
  for (auto a : {fault_action::respond, fault_action::reset, fault_action::rst_stream,
                 fault_action::goaway})
    BOOST_TEST(!reaches_store(a), fault_action_name(a));
  // A response cut mid-way or held was produced: the update happened.
  for (auto a : {fault_action::none, fault_action::delay, fault_action::reset_mid_response,
                 fault_action::stall_window, fault_action::drop_connection})
    BOOST_TEST(reaches_store(a), fault_action_name(a));
}

BOOST_AUTO_TEST_CASE(http2_faults_fall_back_to_resets_and_a_stall_over_http1) {
  const auto body = completion().body;
  for (auto a : {fault_action::rst_stream, fault_action::goaway}) {
    auto w = render_wire(fault_plan::make(a), completion(), true);
    BOOST_TEST(w.head.empty());
    BOOST_TEST((w.end == wire_response::ending::reset));
  }
  auto drop = render_wire(fault_plan::make(fault_action::drop_connection), completion(), true);
  BOOST_TEST((drop.end == wire_response::ending::reset));
  BOOST_TEST(drop.head.substr(drop.head.find("\r\n\r\n") + 4) == body.substr(0, body.size() / 2));
  auto plan = fault_plan::make(fault_action::stall_window);
  plan.bytes = 4;
  auto stall = render_wire(plan, completion(), true);
  BOOST_TEST((stall.end == wire_response::ending::stall));
  BOOST_TEST(stall.head.find("Content-Length: " + std::to_string(body.size()) + "\r\n") !=
             std::string::npos);
  BOOST_TEST(stall.head.substr(stall.head.find("\r\n\r\n") + 4) == body.substr(0, 4));
}

BOOST_AUTO_TEST_CASE(serialize_writes_content_length_and_connection) {
  auto wire = serialize(completion(), true);
  BOOST_TEST(wire.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
  BOOST_TEST(wire.find("Content-Length: " + std::to_string(completion().body.size()) + "\r\n") !=
             std::string::npos);
  BOOST_TEST(wire.find("Connection: keep-alive\r\n") != std::string::npos);
  BOOST_TEST(wire.substr(wire.size() - completion().body.size()) == completion().body);
}

BOOST_AUTO_TEST_CASE(reset_writes_nothing_and_resets) {
  auto w = render_wire(fault_plan::make(fault_action::reset), completion(), true);
  BOOST_TEST(w.head.empty());
  BOOST_TEST((w.end == wire_response::ending::reset));
}

BOOST_AUTO_TEST_CASE(reset_mid_response_writes_headers_and_part_of_the_body) {
  auto w = render_wire(fault_plan::make(fault_action::reset_mid_response), completion(), true);
  const auto body = completion().body;
  BOOST_TEST((w.end == wire_response::ending::reset));
  const auto split = w.head.find("\r\n\r\n");
  BOOST_TEST_REQUIRE(split != std::string::npos);
  BOOST_TEST(w.head.substr(split + 4) == body.substr(0, body.size() / 2));
  auto plan = fault_plan::make(fault_action::reset_mid_response);
  plan.bytes = 3;
  auto w3 = render_wire(plan, completion(), true);
  BOOST_TEST(w3.head.substr(w3.head.find("\r\n\r\n") + 4) == body.substr(0, 3));
}

BOOST_AUTO_TEST_CASE(truncate_claims_more_than_it_sends_then_closes) {
  auto w = render_wire(fault_plan::make(fault_action::truncate), completion(), true);
  const auto body = completion().body;
  BOOST_TEST(w.head.find("Content-Length: " + std::to_string(body.size() + 1000) + "\r\n") !=
             std::string::npos);
  BOOST_TEST(w.head.substr(w.head.size() - body.size()) == body);
  BOOST_TEST((w.end == wire_response::ending::close));
}

BOOST_AUTO_TEST_CASE(slow_drip_is_the_normal_response_byte_by_byte) {
  auto w = render_wire(fault_plan::make(fault_action::slow_drip), completion(), true);
  BOOST_TEST(w.head == serialize(completion(), true));
  BOOST_TEST(w.drip.count() == 100);
  BOOST_TEST((w.end == wire_response::ending::keep_open));
}

BOOST_AUTO_TEST_CASE(malformed_status_replaces_the_status_line) {
  auto w = render_wire(fault_plan::make(fault_action::malformed_status), completion(), true);
  BOOST_TEST(w.head.rfind("HTTP/1.1 OK\r\n", 0) == 0u);
  auto plan = fault_plan::make(fault_action::malformed_status);
  plan.text = "HTPP/9 200";
  BOOST_TEST(render_wire(plan, completion(), true).head.rfind("HTPP/9 200\r\n", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(malformed_header_adds_a_line_without_a_colon) {
  auto w = render_wire(fault_plan::make(fault_action::malformed_header), completion(), true);
  const auto first = w.head.find("\r\n") + 2;
  const auto line = w.head.substr(first, w.head.find("\r\n", first) - first);
  BOOST_TEST(!line.empty());
  BOOST_TEST(line.find(':') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(chunked_frames_the_body_in_chunks) {
  auto plan = fault_plan::make(fault_action::chunked);
  plan.bytes = 10;
  auto w = render_wire(plan, completion(), true);
  BOOST_TEST(w.head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  BOOST_TEST(w.head.find("Content-Length") == std::string::npos);
  // Decode the chunks back into the body.
  std::string rest = w.head.substr(w.head.find("\r\n\r\n") + 4), body;
  int chunks = 0;
  for (;;) {
    const auto eol = rest.find("\r\n");
    const std::size_t n = std::stoul(rest.substr(0, eol), nullptr, 16);
    if (n == 0) break;
    body += rest.substr(eol + 2, n);
    rest = rest.substr(eol + 2 + n + 2);
    ++chunks;
  }
  BOOST_TEST(body == completion().body);
  BOOST_TEST(chunks > 2);
  BOOST_TEST((w.end == wire_response::ending::keep_open));
}

BOOST_AUTO_TEST_CASE(interim_writes_a_100_and_a_103_before_the_answer) {
  auto w = render_wire(fault_plan::make(fault_action::interim), completion(), true);
  BOOST_TEST(w.head.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n", 0) == 0u);
  BOOST_TEST(w.head.find("Link: ") != std::string::npos);
  BOOST_TEST(w.head.substr(w.head.size() - completion().body.size()) == completion().body);
  BOOST_TEST((w.end == wire_response::ending::keep_open));
  auto only = render_wire(fault_plan::make(fault_action::interim_then_close), completion(), true);
  BOOST_TEST(only.head.find("HTTP/1.1 200") == std::string::npos);
  BOOST_TEST((only.end == wire_response::ending::close));
}

BOOST_AUTO_TEST_CASE(no_content_with_body_sends_the_body_late) {
  auto w = render_wire(fault_plan::make(fault_action::no_content_with_body), completion(), true);
  BOOST_TEST(w.head.rfind("HTTP/1.1 204 No Content\r\n", 0) == 0u);
  BOOST_TEST(w.head.find("Content-Length: " + std::to_string(completion().body.size())) !=
             std::string::npos);
  BOOST_TEST(w.tail == completion().body);
  BOOST_TEST(w.pause.count() > 0);
}

BOOST_AUTO_TEST_CASE(endless_goes_on_where_the_text_says) {
  auto plan = fault_plan::make(fault_action::endless);
  BOOST_TEST(render_wire(plan, completion(), true).filler_unit == "X-Trailer: a\r\n");
  BOOST_TEST(render_wire(plan, completion(), true).filler == std::size_t{1} << 30);
  plan.text = "header_value";
  auto w = render_wire(plan, completion(), true);
  BOOST_TEST(w.head.substr(w.head.size() - 11) == "X-Endless: ");
  plan.text = "chunk_extension";
  BOOST_TEST(render_wire(plan, completion(), true).head.find("10;ext=") != std::string::npos);
  plan.text = "chunk_extensions";
  BOOST_TEST(render_wire(plan, completion(), true).filler_unit.rfind("1;ext=", 0) == 0u);
  plan.text = "header_fields";
  BOOST_TEST(render_wire(plan, completion(), true).filler_unit == "X-Endless: a\r\n");
}

BOOST_AUTO_TEST_CASE(oversized_announces_and_streams_a_huge_json_body) {
  auto w = render_wire(fault_plan::make(fault_action::oversized), completion(), true);
  const std::size_t filler = std::size_t{64} << 20;
  BOOST_TEST(w.filler == filler);
  BOOST_TEST(w.tail == completion().body);
  BOOST_TEST(w.head.find("Content-Length: " + std::to_string(filler + completion().body.size())) !=
             std::string::npos);
  BOOST_TEST(json::parse(std::string(1000, ' ') + w.tail).is_object());  // still valid JSON
}

BOOST_AUTO_TEST_CASE(framing_headers_of_the_reply_are_replaced) {
  auto r = completion();
  r.headers["Content-Length"] = "5";
  r.headers["transfer-encoding"] = "gzip";
  auto w = serialize(r, false);
  BOOST_TEST(w.find("Content-Length: 5\r\n") == std::string::npos);
  BOOST_TEST(w.find("gzip") == std::string::npos);
  BOOST_TEST(w.find("Connection: close\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <openai/error.hpp>

#include "batch_lines.hpp"

using namespace openai_cli;
namespace json = boost::json;
using outcome = parsed_line::outcome;

namespace {

const openai::metadata no_set;

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_lines)

BOOST_AUTO_TEST_CASE(parses_an_update_line) {
  const parsed_line p = parse_update_line(
      R"({"completion_id":"chatcmpl-1","metadata":{"run":"b7","k":"v"}})", no_set);
  BOOST_TEST((p.what == outcome::update));
  BOOST_TEST(p.completion_id == "chatcmpl-1");
  BOOST_TEST((p.metadata == openai::metadata{{"k", "v"}, {"run", "b7"}}));
  BOOST_TEST(!p.metadata.is_null());
}

BOOST_AUTO_TEST_CASE(accepts_a_completion_object_as_list_prints_it) {
  const parsed_line p = parse_update_line(
      R"({"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"gpt-4o",)"
      R"("choices":[{"index":0}],"metadata":{"a":"b"},"temperature":1.0})",
      no_set);
  BOOST_TEST((p.what == outcome::update));
  BOOST_TEST(p.completion_id == "chatcmpl-2");
  BOOST_TEST((p.metadata == openai::metadata{{"a", "b"}}));
}

BOOST_AUTO_TEST_CASE(prefers_completion_id_over_id) {
  const parsed_line p =
      parse_update_line(R"({"id":"x","completion_id":"y","metadata":{}})", no_set);
  BOOST_TEST(p.completion_id == "y");
}

BOOST_AUTO_TEST_CASE(merges_set_pairs_over_the_line_metadata) {
  const openai::metadata set = parse_set_pairs({"reviewed=yes", "run=b8"});
  const parsed_line p = parse_update_line(R"({"id":"c","metadata":{"run":"b7","keep":"me"}})", set);
  BOOST_TEST((p.what == outcome::update));
  BOOST_TEST((p.metadata == openai::metadata{{"keep", "me"}, {"reviewed", "yes"}, {"run", "b8"}}));
}

BOOST_AUTO_TEST_CASE(set_pairs_alone_make_the_metadata_of_a_line_without_any) {
  const openai::metadata set = parse_set_pairs({"reviewed=yes"});
  BOOST_TEST((parse_update_line(R"({"completion_id":"c"})", set).metadata ==
              openai::metadata{{"reviewed", "yes"}}));
  const parsed_line over_null = parse_update_line(R"({"id":"c","metadata":null})", set);
  BOOST_TEST((over_null.metadata == openai::metadata{{"reviewed", "yes"}}));
  BOOST_TEST(!over_null.metadata.is_null());
}

BOOST_AUTO_TEST_CASE(null_metadata_without_set_stays_null) {
  const parsed_line p = parse_update_line(R"({"completion_id":"c","metadata":null})", no_set);
  BOOST_TEST((p.what == outcome::update));
  BOOST_TEST(p.metadata.is_null());
}

BOOST_AUTO_TEST_CASE(a_merge_over_sixteen_pairs_is_left_for_validation) {
  json::object md;
  for (int i = 0; i < 16; ++i) md["k" + std::to_string(i)] = "v";
  const std::string line = json::serialize(json::object{{"completion_id", "c"}, {"metadata", md}});
  BOOST_TEST(parse_update_line(line, no_set).metadata.size() == 16u);
  const parsed_line p = parse_update_line(line, parse_set_pairs({"extra=1"}));
  BOOST_TEST((p.what == outcome::update));
  BOOST_TEST(p.metadata.size() == 17u);
  BOOST_TEST(!openai::metadata_violations(p.metadata).empty());
  // A set key the line already has replaces it: still 16.
  BOOST_TEST(parse_update_line(line, parse_set_pairs({"k3=new"})).metadata.size() == 16u);
}

BOOST_AUTO_TEST_CASE(rejects_bad_json_as_input) {
  const parsed_line p = parse_update_line(R"({"completion_id": "c", "metadata": {)", no_set);
  BOOST_TEST((p.what == outcome::input));
  BOOST_TEST(p.message.find("not valid JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_a_line_that_is_not_an_object_as_input) {
  BOOST_TEST((parse_update_line(R"(["c"])", no_set).what == outcome::input));
  BOOST_TEST((parse_update_line(R"("c")", no_set).what == outcome::input));
}

BOOST_AUTO_TEST_CASE(rejects_a_missing_or_non_string_id_as_input) {
  const parsed_line p = parse_update_line(R"({"metadata":{"a":"b"}})", no_set);
  BOOST_TEST((p.what == outcome::input));
  BOOST_TEST(p.message.find("completion_id") != std::string::npos);
  BOOST_TEST(
      (parse_update_line(R"({"completion_id":5,"metadata":{}})", no_set).what == outcome::input));
}

BOOST_AUTO_TEST_CASE(rejects_missing_metadata_without_set_as_input) {
  const parsed_line p = parse_update_line(R"({"completion_id":"c"})", no_set);
  BOOST_TEST((p.what == outcome::input));
  BOOST_TEST(p.completion_id == "c");
}

BOOST_AUTO_TEST_CASE(rejects_a_non_string_value_as_validation) {
  for (const char* line : {R"({"completion_id":"c","metadata":{"n":5}})",
                           R"({"completion_id":"c","metadata":{"n":null}})",
                           R"({"completion_id":"c","metadata":{"n":{"x":"y"}}})",
                           R"({"completion_id":"c","metadata":"text"})"}) {
    const parsed_line p = parse_update_line(line, no_set);
    BOOST_TEST((p.what == outcome::validation), line);
    BOOST_TEST(p.completion_id == "c");
  }
}

BOOST_AUTO_TEST_CASE(blank_lines_are_whitespace_only) {
  BOOST_TEST(is_blank_line(""));
  BOOST_TEST(is_blank_line(" \t\r"));
  BOOST_TEST(!is_blank_line(" {}"));
}

BOOST_AUTO_TEST_CASE(set_pairs_split_at_the_first_equals_sign) {
  BOOST_TEST((parse_set_pairs({"a=b=c", "e="}) == openai::metadata{{"a", "b=c"}, {"e", ""}}));
  BOOST_CHECK_THROW(parse_set_pairs({"a=1", "a=2"}), usage_error);
  BOOST_CHECK_THROW(parse_set_pairs({"=1"}), usage_error);
  BOOST_CHECK_THROW(parse_set_pairs({"a"}), usage_error);
}

BOOST_AUTO_TEST_CASE(formats_an_ok_record_in_the_documented_order) {
  batch_record r;
  r.line = 3;
  r.completion_id = "chatcmpl-1";
  r.ok = true;
  r.status = 200;
  r.attempts = 2;
  r.request_id = "req_1";
  BOOST_TEST(format_record(r) ==
             R"({"line":3,"completion_id":"chatcmpl-1","ok":true,"status":200,"attempts":2,)"
             R"("request_id":"req_1"})");
}

BOOST_AUTO_TEST_CASE(formats_an_error_record_with_its_kind) {
  batch_record r;
  r.line = 7;
  r.completion_id = "x";
  r.attempts = 1;
  r.request_id = "req_9";
  r.kind = "api";
  r.status = 404;
  r.message = "No completion";
  r.type = "invalid_request_error";
  BOOST_TEST(format_record(r) ==
             R"({"line":7,"completion_id":"x","ok":false,"attempts":1,"request_id":"req_9",)"
             R"("error":{"kind":"api","status":404,"message":"No completion",)"
             R"("type":"invalid_request_error"}})");
  batch_record input;
  input.line = 2;
  input.kind = "input";
  input.message = "not valid JSON";
  BOOST_TEST(format_record(input) ==
             R"({"line":2,"completion_id":null,"ok":false,"attempts":0,)"
             R"("error":{"kind":"input","status":null,"message":"not valid JSON"}})");
}

BOOST_AUTO_TEST_CASE(maps_error_codes_to_kinds) {
  using openai::errc;
  BOOST_TEST(error_kind(errc::invalid_argument) == "validation");
  BOOST_TEST(error_kind(errc::not_found) == "api");
  BOOST_TEST(error_kind(errc::rate_limited) == "api");
  BOOST_TEST(error_kind(errc::server_error) == "api");
  BOOST_TEST(error_kind(errc::network) == "network");
  BOOST_TEST(error_kind(errc::bad_response) == "network");
  BOOST_TEST(error_kind(errc::timeout) == "timeout");
  BOOST_TEST(error_kind(make_error_code(boost::system::errc::operation_canceled)) == "cancelled");
}

BOOST_AUTO_TEST_CASE(reads_back_only_ok_records_for_resume) {
  BOOST_TEST(ok_line_of_record(R"({"line":12,"completion_id":"c","ok":true})").value() == 12u);
  BOOST_TEST(!ok_line_of_record(R"({"line":12,"ok":false})"));
  BOOST_TEST(!ok_line_of_record(R"({"line":12,"completion_id":"c","ok":tr)"));  // torn
  BOOST_TEST(!ok_line_of_record(""));
  BOOST_TEST(!ok_line_of_record(R"({"ok":true})"));
}

BOOST_AUTO_TEST_CASE(line_set_counts_each_line_once) {
  line_set s;
  s.insert(5);
  s.insert(5);
  s.insert(100000);
  BOOST_TEST(s.size() == 2u);
  BOOST_TEST(s.contains(5));
  BOOST_TEST(!s.contains(6));
  BOOST_TEST(s.contains(100000));
  BOOST_TEST(!s.contains(1u << 30));
}

BOOST_AUTO_TEST_CASE(summary_gives_counts_failures_by_kind_retries_and_rate) {
  batch_tally t;
  batch_record ok;
  ok.ok = true;
  ok.attempts = 3;
  for (int i = 0; i < 8; ++i) t.add(ok);
  batch_record bad;
  bad.kind = "input";
  t.add(bad);
  bad.kind = "api";
  bad.attempts = 1;
  t.add(bad);
  BOOST_TEST(format_summary(t, 2.0, false) ==
             "openai: update-many: 10 lines, 8 ok, 2 failed (api 1, input 1), 16 retries, "
             "2.00 s, 4 updates/s");
  t.skipped = 5;
  BOOST_TEST(format_summary(t, 2.0, true).find("openai: interrupted: 10 lines") == 0);
  BOOST_TEST(format_summary(t, 2.0, true).find("5 skipped (already ok)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(progress_shows_bar_percent_rate_and_eta) {
  progress_view v;
  v.done = 500;
  v.total = 1000;
  v.rate = 100;
  v.in_flight = 64;
  v.retries = 3;
  const std::string line = format_progress(v, 120);
  BOOST_TEST(line.find(" 50%  500/1000  100/s  ETA 0:05  in flight 64  retries 3") !=
             std::string::npos);
  BOOST_TEST(line.front() == '[');
  BOOST_TEST(format_progress(v, 40).size() <= 40u);
  v.total.reset();
  BOOST_TEST(format_progress(v, 120).find("500 done  100/s") == 0);
}

BOOST_AUTO_TEST_SUITE_END()

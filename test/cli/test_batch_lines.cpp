#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <openai/error.hpp>

#include <chrono>
#include <cmath>

#include "batch_lines.hpp"

using namespace openai_cli;
namespace json = boost::json;
using outcome = parsed_line::outcome;

namespace {

const openai::metadata no_set;

// An ok record of line `line` for completion `id`, sent `attempts` times (0: a dry run's).
batch_record ok_record(std::uint64_t line, std::string id, unsigned attempts) {
  batch_record r;
  r.line = line;
  r.completion_id = std::move(id);
  r.ok = true;
  r.status = attempts ? 200 : 0;
  r.attempts = attempts;
  return r;
}

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
  batch_record r = ok_record(3, "chatcmpl-1", 2);
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
  BOOST_TEST(error_kind(errc::bad_response) == "bad_response");
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

BOOST_AUTO_TEST_CASE(summary_gives_the_median_and_99th_percentile_latency) {
  batch_tally t;
  batch_record r;
  r.ok = true;
  r.attempts = 1;
  for (int i = 1; i <= 100; ++i) {
    r.elapsed = std::chrono::milliseconds(i);  // 1 ms ... 100 ms
    t.add(r);
  }
  const auto summary = format_summary(t, 1.0, false);
  BOOST_TEST(summary.find("100 updates/s, p50 ") != std::string::npos, summary);
  // Within the histogram's 2 %: 50 ms and 99 ms.
  const auto p50 = t.latencies.percentile(0.5).count(), p99 = t.latencies.percentile(0.99).count();
  BOOST_TEST((p50 >= 49000 && p50 <= 51000), p50);
  BOOST_TEST((p99 >= 97000 && p99 <= 101000), p99);
}

BOOST_AUTO_TEST_CASE(a_record_carries_its_latency_in_microseconds) {
  batch_record r = ok_record(3, "chatcmpl-1", 2);
  r.elapsed = std::chrono::microseconds(12345);
  BOOST_TEST(format_record(r) ==
             R"({"line":3,"completion_id":"chatcmpl-1","ok":true,"status":200,"attempts":2,"elapsed_us":12345})");
}

BOOST_AUTO_TEST_CASE(the_latency_histogram_is_exact_below_32_us_and_within_2_percent_above) {
  for (std::int64_t v : {0, 1, 7, 31}) {
    latency_histogram h;
    h.add(std::chrono::microseconds(v));
    BOOST_TEST(h.percentile(1.0).count() == v);
  }
  for (std::int64_t v : {std::int64_t{32}, std::int64_t{100}, std::int64_t{1000}, std::int64_t{12345},
                         std::int64_t{999999}, std::int64_t{86400000000}}) {
    latency_histogram h;
    h.add(std::chrono::microseconds(v));
    const double got = static_cast<double>(h.percentile(0.5).count());
    BOOST_TEST(std::abs(got - static_cast<double>(v)) <= 0.02 * static_cast<double>(v), v << " -> " << got);
  }
  latency_histogram empty;
  BOOST_TEST(empty.percentile(0.5).count() == 0);
}

BOOST_AUTO_TEST_CASE(summary_counts_lines_out_of_retries_and_says_resume_redoes_them) {
  batch_tally t;
  batch_record gave_up;
  gave_up.kind = "network";
  gave_up.attempts = 7;
  gave_up.retries_exhausted = exhausted_retries(gave_up, 6);
  t.add(gave_up);
  batch_record not_found;
  not_found.kind = "api";
  not_found.attempts = 1;
  not_found.retries_exhausted = exhausted_retries(not_found, 6);
  t.add(not_found);
  BOOST_TEST(format_summary(t, 1.0, false) ==
             "openai: update-many: 2 lines, 0 ok, 2 failed (api 1, network 1), 1 out of retries "
             "(--resume redoes them), 6 retries, 1.00 s, 0 updates/s");
}

BOOST_AUTO_TEST_CASE(only_a_failure_on_the_last_allowed_attempt_exhausts_the_retries) {
  batch_record r;
  r.attempts = 7;
  BOOST_TEST(exhausted_retries(r, 6));
  BOOST_TEST(!exhausted_retries(r, 7));
  r.attempts = 1;
  BOOST_TEST(!exhausted_retries(r, 0));  // no retries allowed: none to run out of
  r.attempts = 3;
  r.ok = true;
  BOOST_TEST(!exhausted_retries(r, 2));
}

BOOST_AUTO_TEST_CASE(escapes_bytes_that_are_not_utf8_so_the_record_stays_json) {
  batch_record r;
  r.line = 1;
  r.completion_id = "c";
  r.ok = true;
  r.status = 200;
  r.attempts = 1;
  r.request_id =
      "req_\xff\xfe"
      "1";
  const std::string line = format_record(r);
  BOOST_TEST(line.find(R"("request_id":"req_\\xFF\\xFE1")") != std::string::npos, line);
  boost::system::error_code ec;
  const json::value v = json::parse(line, ec);  // rejects invalid UTF-8
  BOOST_TEST(!ec);
  BOOST_TEST(ok_line_of_record(line).value() == 1u);
}

BOOST_AUTO_TEST_CASE(keeps_valid_utf8_and_escapes_each_bad_byte) {
  BOOST_TEST(escape_invalid_utf8("req_\u00e9\u20ac\U0001f600") == "req_\u00e9\u20ac\U0001f600");
  BOOST_TEST(escape_invalid_utf8("plain") == "plain");
  BOOST_TEST(escape_invalid_utf8("\xc3") == "\\xC3");                             // cut sequence
  BOOST_TEST(escape_invalid_utf8("\xc0\xaf") == "\\xC0\\xAF");                    // overlong '/'
  BOOST_TEST(escape_invalid_utf8("\xed\xa0\x80") == "\\xED\\xA0\\x80");           // surrogate
  BOOST_TEST(escape_invalid_utf8("\xf4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");  // > U+10FFFF
  BOOST_TEST(escape_invalid_utf8("a\x80"
                                 "b") == "a\\x80b");
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

BOOST_AUTO_TEST_CASE(a_completion_object_gives_its_metadata_as_previous_in_its_own_order) {
  const parsed_line p =
      parse_update_line(R"({"id":"c","object":"chat.completion","metadata":{"z":"1","a":"2"}})",
                        openai::metadata{{"a", "new"}});
  BOOST_TEST((p.what == outcome::update));
  BOOST_REQUIRE(p.previous);
  BOOST_TEST(json::serialize(*p.previous) == R"({"z":"1","a":"2"})");
  BOOST_TEST((p.metadata == openai::metadata{{"a", "new"}, {"z", "1"}}));
}

BOOST_AUTO_TEST_CASE(an_update_line_gives_no_previous_metadata) {
  BOOST_TEST(!parse_update_line(R"({"completion_id":"c","metadata":{"a":"b"}})", no_set).previous);
  BOOST_TEST(!parse_update_line(R"({"id":"c","metadata":{"a":"b"}})", no_set).previous);
}

BOOST_AUTO_TEST_CASE(undo_restores_the_previous_metadata_of_an_ok_record) {
  const parsed_line p =
      parse_undo_line(R"({"line":3,"completion_id":"c","ok":true,"status":200,"attempts":1,)"
                      R"("previous_metadata":{"k":"v"}})");
  BOOST_TEST((p.what == outcome::update));
  BOOST_TEST(p.completion_id == "c");
  BOOST_TEST((p.metadata == openai::metadata{{"k", "v"}}));
  const parsed_line empty =
      parse_undo_line(R"({"line":1,"completion_id":"c","ok":true,"previous_metadata":{}})");
  BOOST_TEST((empty.what == outcome::update));
  BOOST_TEST(empty.metadata.empty());
}

BOOST_AUTO_TEST_CASE(undo_refuses_an_ok_record_without_previous_metadata) {
  const parsed_line p = parse_undo_line(R"({"line":3,"completion_id":"c","ok":true})");
  BOOST_TEST((p.what == outcome::input));
  BOOST_TEST(p.completion_id == "c");
  BOOST_TEST(p.message.find("cannot undo") != std::string::npos);
  BOOST_TEST(p.message.find("--undoable") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(undo_skips_failed_and_dry_run_records) {
  BOOST_TEST((parse_undo_line(R"({"line":1,"completion_id":"c","ok":false,"error":{}})").what ==
              outcome::skip));
  BOOST_TEST((parse_undo_line(R"({"line":1,"completion_id":"c","ok":true,"dry_run":true,)"
                              R"("previous_metadata":{}})")
                  .what == outcome::skip));
  BOOST_TEST((parse_undo_line("not json").what == outcome::input));
}

BOOST_AUTO_TEST_CASE(formats_previous_metadata_and_dry_run_records) {
  batch_record r = ok_record(2, "c", 1);
  r.previous = json::parse(R"({"z":"1","a":"2"})");
  BOOST_TEST(format_record(r) ==
             R"({"line":2,"completion_id":"c","ok":true,"status":200,"attempts":1,)"
             R"("previous_metadata":{"z":"1","a":"2"}})");
  batch_record d = ok_record(1, "c", 0);
  d.dry_run = true;
  d.metadata = openai::metadata{{"k", "v"}};
  BOOST_TEST(format_record(d) ==
             R"({"line":1,"completion_id":"c","ok":true,"attempts":0,"dry_run":true,)"
             R"("metadata":{"k":"v"}})");
}

BOOST_AUTO_TEST_CASE(dry_run_finds_what_the_library_refuses_before_sending) {
  const std::vector<std::pair<std::string, std::string>> none;
  BOOST_TEST(dry_run_violations("c", openai::metadata{{"k", "v"}}, none).empty());
  BOOST_TEST(dry_run_violations("", {}, none).size() == 1u);
  BOOST_TEST(dry_run_violations("..", {}, none).size() == 1u);
  BOOST_TEST(dry_run_violations("c", openai::metadata{{std::string(65, 'k'), "v"}}, none).size() ==
             1u);
  BOOST_TEST(dry_run_violations("c", {}, {{"X-Bad", "a\nb"}}).size() == 1u);
  BOOST_TEST(dry_run_violations("c", {}, {{"Content-Length", "1"}}).size() == 1u);
  BOOST_TEST(dry_run_violations("c", {}, {{"X-Ok", "fine"}}).empty());
}

BOOST_AUTO_TEST_CASE(summary_of_a_dry_run_says_nothing_was_sent) {
  batch_tally t;
  batch_record r;
  r.ok = true;
  t.add(r);
  const std::string s = format_summary(t, 1.0, false, true);
  BOOST_TEST(s.find("openai: update-many: dry run, nothing sent: 1 line, 1 ok") == 0u);
  BOOST_TEST(s.find("lines/s") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>
#include <string>

#include "resume_index.hpp"

using namespace openai_cli;
using kind = resume_record::kind;

namespace {

resume_index index_of(std::initializer_list<const char*> records) {
  resume_index done;
  for (const char* r : records) done.add(parse_resume_record(r));
  done.seal();
  return done;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resume_index_suite)

BOOST_AUTO_TEST_CASE(a_line_is_done_only_for_the_completion_its_record_names) {
  const resume_index done = index_of({R"({"line":1,"completion_id":"chatcmpl-a","ok":true})",
                                      R"({"line":2,"completion_id":"chatcmpl-b","ok":true})"});
  BOOST_TEST(done.contains(1, "chatcmpl-a"));
  BOOST_TEST(done.contains(2, "chatcmpl-b"));
  // The input gained a line at the top: line 2 now holds chatcmpl-a, never updated as line 2.
  BOOST_TEST(!done.contains(2, "chatcmpl-a"));
  BOOST_TEST(!done.contains(1, "chatcmpl-new"));
  BOOST_TEST(done.recorded(2));
  BOOST_TEST(!done.recorded(3));
}

BOOST_AUTO_TEST_CASE(failed_records_leave_their_line_to_do) {
  const resume_index done =
      index_of({R"({"line":3,"completion_id":"c","ok":false,"attempts":7,"error":{}})"});
  BOOST_TEST(!done.contains(3, "c"));
  BOOST_TEST(!done.recorded(3));
  BOOST_TEST(done.size() == 0u);
}

BOOST_AUTO_TEST_CASE(counts_each_line_and_id_once_whatever_the_order) {
  const resume_index done = index_of({R"({"line":100000,"completion_id":"x","ok":true})",
                                      R"({"line":5,"completion_id":"c","ok":true})",
                                      R"({"line":5,"completion_id":"c","ok":true})"});
  BOOST_TEST(done.size() == 2u);
  BOOST_TEST(done.contains(5, "c"));
  BOOST_TEST(!done.contains(6, "c"));
  BOOST_TEST(done.contains(100000, "x"));
  BOOST_TEST(!done.contains(1u << 30, "x"));
}

BOOST_AUTO_TEST_CASE(huge_line_numbers_cost_one_entry_and_count_as_beyond_the_input) {
  const resume_index done =
      index_of({R"({"line":18446744073709551615,"completion_id":"a","ok":true})",
                R"({"line":1099511627776,"completion_id":"b","ok":true})",
                R"({"line":2,"completion_id":"c","ok":true})"});
  BOOST_TEST(done.size() == 3u);
  BOOST_TEST(done.contains(UINT64_MAX, "a"));
  BOOST_TEST(done.beyond(10) == 2u);
  BOOST_TEST(done.beyond(1) == 3u);
  BOOST_TEST(done.beyond(UINT64_MAX) == 0u);
}

BOOST_AUTO_TEST_CASE(reads_ok_and_failed_records) {
  const resume_record ok = parse_resume_record(
      R"({"line":12,"completion_id":"c","ok":true,"status":200,"attempts":1,"request_id":"r"})");
  BOOST_TEST((ok.what == kind::ok));
  BOOST_TEST(ok.line == 12u);
  BOOST_TEST(ok.completion_id == "c");
  const resume_record failed =
      parse_resume_record(R"({"line":3,"completion_id":null,"ok":false,"attempts":0})");
  BOOST_TEST((failed.what == kind::failed));
  BOOST_TEST(failed.line == 3u);
}

BOOST_AUTO_TEST_CASE(corrupt_records_say_what_is_wrong) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "not a JSON record"},
      {std::string(R"({"line":1,"completion_id":"c)") + "\xff\xfe" + R"(","ok":true})",
       "not a JSON record"},                                              // invalid UTF-8
      {R"({"line":1,"completion_id":"c","ok":tr)", "not a JSON record"},  // torn
      {R"([1,2])", "not a JSON object"},
      {R"({"completion_id":"c","ok":true})", "no \"line\""},
      {R"({"line":0,"completion_id":"c","ok":true})", "not a line number"},
      {R"({"line":-4,"completion_id":"c","ok":true})", "not a line number"},
      {R"({"line":1.5,"completion_id":"c","ok":true})", "not a line number"},
      {R"({"line":18446744073709551616,"completion_id":"c","ok":true})", "not a line number"},
      {R"({"line":"7","completion_id":"c","ok":true})", "not a line number"},
      {R"({"line":7,"completion_id":"c"})", "no \"ok\""},
      {R"({"line":7,"ok":true})", "without a \"completion_id\""},
      {R"({"line":7,"completion_id":null,"ok":true})", "without a \"completion_id\""},
  };
  for (const auto& [record, problem] : cases) {
    const resume_record r = parse_resume_record(record);
    BOOST_TEST((r.what == kind::corrupt), record);
    BOOST_TEST(r.problem.find(problem) != std::string::npos, record << " -> " << r.problem);
  }
}

BOOST_AUTO_TEST_CASE(a_dry_run_record_leaves_its_line_to_do) {
  const resume_record r =
      parse_resume_record(R"({"line":4,"completion_id":"c","ok":true,"dry_run":true})");
  BOOST_TEST((r.what == resume_record::kind::failed));
}

BOOST_AUTO_TEST_SUITE_END()

// request_options::on_response_body: the last response's bytes reach the caller as received,
// for successes and API errors alike, and never when no response came. Through to_result, the
// one place a finished call becomes its result (no socket).
#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "api/to_result.hpp"

namespace detail = openai::detail;

namespace {

struct seen {
  unsigned status = 0;
  std::string body;
};

template <typename Op>
std::vector<seen> bodies_seen(const Op& op, detail::finished_attempts finished,
                              bool with_hook = true) {
  std::vector<seen> out;
  const std::function<void(unsigned, std::string_view)> hook = [&](unsigned status,
                                                                   std::string_view body) {
    out.push_back({status, std::string(body)});
  };
  detail::result_context context;
  if (with_hook) context.on_response_body = &hook;
  openai::diagnostics d;
  (void)detail::to_result(op, std::move(finished), context, d);
  return out;
}

detail::finished_attempts answered(unsigned status, std::string body) {
  detail::finished_attempts f;
  f.response.status = status;
  f.response.body = std::move(body);
  f.attempts = 1;
  return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(response_body_hook)

BOOST_AUTO_TEST_CASE(a_success_is_handed_over_byte_for_byte_before_parsing) {
  const std::string body =
      "{\n  \"object\": \"chat.completion\",\n  \"id\": \"chatcmpl-1\",\n  \"top_p\": 1E0,\n"
      "  \"note\": \"caf\\u00e9\"\n}\n";
  const auto s = bodies_seen(detail::retrieve_op{"chatcmpl-1"}, answered(200, body));
  BOOST_TEST_REQUIRE(s.size() == 1u);
  BOOST_TEST(s[0].status == 200u);
  BOOST_TEST(s[0].body == body);
}

BOOST_AUTO_TEST_CASE(an_api_error_and_an_unparsable_success_are_handed_over_too) {
  const std::string error =
      R"({"error": {"message": "No such completion", "type": "invalid_request_error"}})";
  auto s = bodies_seen(detail::retrieve_op{"x"}, answered(404, error));
  BOOST_TEST_REQUIRE(s.size() == 1u);
  BOOST_TEST(s[0].status == 404u);
  BOOST_TEST(s[0].body == error);
  s = bodies_seen(detail::retrieve_op{"x"}, answered(200, "<html>proxy page</html>"));
  BOOST_TEST_REQUIRE(s.size() == 1u);
  BOOST_TEST(s[0].body == "<html>proxy page</html>");
}

BOOST_AUTO_TEST_CASE(no_response_means_no_call_and_no_hook_means_nothing_happens) {
  detail::finished_attempts failed;
  failed.failure = boost::asio::error::connection_refused;
  failed.attempts = 3;
  BOOST_TEST(bodies_seen(detail::retrieve_op{"x"}, std::move(failed)).empty());
  BOOST_TEST(bodies_seen(detail::retrieve_op{"x"}, answered(200, "{}"), false).empty());
}

BOOST_AUTO_TEST_SUITE_END()

#include "api/response_body.hpp"
#include "support/text.hpp"

#include <openai/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <string_view>

namespace {

template <typename Expected>
bool throws_as(openai::errc e) {
  try {
    openai::throw_error(e, {});
  } catch (const Expected&) {
    return true;
  } catch (...) {
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(error)

BOOST_AUTO_TEST_CASE(redacts_every_occurrence_and_never_loops_on_a_key_inside_the_mask) {
  BOOST_TEST(openai::redact("key sk-1 and sk-1!", "sk-1") == "key [redacted] and [redacted]!");
  BOOST_TEST(openai::redact("aaaaaaaa", "aaaa") == "[redacted][redacted]");
  BOOST_TEST(openai::redact("x dact y dact", "dact") == "x [redacted] y [redacted]");
  BOOST_TEST(openai::redact("[redacted]", "redacted") == "[[redacted]]");
  BOOST_TEST(openai::redact("chatcmpl-k", "k") == "chatcmpl-k");
}

BOOST_AUTO_TEST_CASE(maps_each_status_to_its_kind) {
  using openai::errc;
  BOOST_TEST((openai::errc_for_status(400) == errc::bad_request));
  BOOST_TEST((openai::errc_for_status(401) == errc::authentication));
  BOOST_TEST((openai::errc_for_status(403) == errc::permission_denied));
  BOOST_TEST((openai::errc_for_status(404) == errc::not_found));
  BOOST_TEST((openai::errc_for_status(409) == errc::conflict));
  BOOST_TEST((openai::errc_for_status(422) == errc::unprocessable_entity));
  BOOST_TEST((openai::errc_for_status(429) == errc::rate_limited));
  BOOST_TEST((openai::errc_for_status(500) == errc::server_error));
  BOOST_TEST((openai::errc_for_status(503) == errc::server_error));
  BOOST_TEST((openai::errc_for_status(418) == errc::api_error));
}

BOOST_AUTO_TEST_CASE(throws_the_exception_class_of_each_kind) {
  using openai::errc;
  BOOST_TEST(throws_as<openai::bad_request_error>(errc::bad_request));
  BOOST_TEST(throws_as<openai::authentication_error>(errc::authentication));
  BOOST_TEST(throws_as<openai::permission_denied_error>(errc::permission_denied));
  BOOST_TEST(throws_as<openai::not_found_error>(errc::not_found));
  BOOST_TEST(throws_as<openai::conflict_error>(errc::conflict));
  BOOST_TEST(throws_as<openai::unprocessable_entity_error>(errc::unprocessable_entity));
  BOOST_TEST(throws_as<openai::rate_limit_error>(errc::rate_limited));
  BOOST_TEST(throws_as<openai::internal_server_error>(errc::server_error));
  BOOST_TEST(throws_as<openai::api_error>(errc::api_error));
  BOOST_TEST(throws_as<openai::validation_error>(errc::invalid_argument));
  BOOST_TEST(throws_as<openai::connection_error>(errc::network));
  BOOST_TEST(throws_as<openai::timeout_error>(errc::timeout));
  BOOST_TEST(throws_as<openai::connection_error>(errc::timeout));
  BOOST_TEST(throws_as<openai::bad_response_error>(errc::bad_response));
  BOOST_TEST(throws_as<openai::configuration_error>(errc::invalid_configuration));
  BOOST_TEST(throws_as<openai::error>(errc::not_found));
}

BOOST_AUTO_TEST_CASE(what_carries_status_message_type_code_param_and_request_id) {
  openai::diagnostics d;
  d.status = 404;
  d.message = "No chat completion found with id 'x'.";
  d.type = "invalid_request_error";
  d.code = "not_found";
  d.param = "completion_id";
  d.request_id = "req_42";
  try {
    openai::throw_error(openai::errc::not_found, d);
  } catch (const openai::api_error& e) {
    const std::string what = e.what();
    for (const auto& part : {d.message, d.type, d.code, d.param, d.request_id,
                             std::string("404")})
      BOOST_TEST(what.find(part) != std::string::npos, part);
    BOOST_TEST(e.status() == 404u);
    BOOST_TEST(e.type() == d.type);
    BOOST_TEST(e.code() == d.code);
    BOOST_TEST(e.param() == d.param);
    BOOST_TEST(e.request_id() == d.request_id);
  }
}

BOOST_AUTO_TEST_CASE(what_names_the_kind_once_without_the_category_suffix) {
  openai::diagnostics d;
  d.status = 404;
  d.message = "No chat completion found.";
  try {
    openai::throw_error(openai::errc::not_found, d);
  } catch (const openai::error& e) {
    BOOST_TEST(std::string(e.what()) == "404 not found: No chat completion found.");
  }
}

BOOST_AUTO_TEST_CASE(to_string_spells_each_kind_as_in_code) {
  using openai::errc;
  BOOST_TEST(openai::to_string(errc::not_found) == "not_found");
  BOOST_TEST(openai::to_string(errc::rate_limited) == "rate_limited");
  BOOST_TEST(openai::to_string(errc::invalid_configuration) == "invalid_configuration");
  // Every kind has its own name.
  std::set<std::string_view> names;
  for (int v = static_cast<int>(errc::invalid_argument);
       v <= static_cast<int>(errc::invalid_configuration); ++v)
    names.insert(openai::to_string(static_cast<errc>(v)));
  BOOST_TEST(names.size() == 14u);
  BOOST_TEST(names.count("unknown") == 0u);
}

BOOST_AUTO_TEST_CASE(parses_an_openai_error_body) {
  auto b = openai::detail::parse_error_body(
      R"({"error":{"message":"Bad key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
  BOOST_TEST(b.message == "Bad key");
  BOOST_TEST(b.type == "invalid_request_error");
  BOOST_TEST(b.code == "invalid_api_key");
  BOOST_TEST(b.param == "");
}

BOOST_AUTO_TEST_CASE(reads_problem_json_and_plain_text_error_bodies) {
  auto problem = openai::detail::parse_error_body(
      R"({"type":"https://x/errors/UNPROCESSABLE_ENTITY","title":"Invalid request","status":422,"detail":"metadata must be object"})");
  BOOST_TEST(problem.message == "metadata must be object");
  auto html = openai::detail::parse_error_body("<html>\r\n502 Bad Gateway</html>");
  BOOST_TEST(html.message == "<html>??502 Bad Gateway</html>");
}

BOOST_AUTO_TEST_CASE(excerpts_are_bounded_and_printable) {
  std::string huge(10000, 'x');
  BOOST_TEST(openai::detail::printable_excerpt(huge, 100).size() == 103u);
  BOOST_TEST(openai::detail::printable_excerpt("a\xff\x01", 100) == "a??");
}

BOOST_AUTO_TEST_CASE(operation_aborted_is_not_a_connection_error) {
  try {
    openai::throw_error(boost::asio::error::operation_aborted, {});
  } catch (const openai::connection_error&) {
    BOOST_FAIL("cancellation reported as a connection error");
  } catch (const openai::error& e) {
    BOOST_TEST((e.code() == boost::asio::error::operation_aborted));
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The API key never reaches a message: redact() over every shape of text, before any cut, and
// URLs quoted without what they may carry (query, user info).
#include "api/response_body.hpp"
#include "support/redact.hpp"
#include "http/url.hpp"

#include <openai/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

using openai::detail::echoable_url;
using openai::detail::parse_error_body;
using openai::detail::redact;

namespace {

// What construction says about these options (nothing is sent: the URL is refused first).
std::string configuration_message(openai::client_options options) {
  boost::asio::io_context io;
  try {
    openai::client client(io.get_executor(), std::move(options));
  } catch (const openai::configuration_error& e) {
    return e.what();
  }
  BOOST_FAIL("the options were accepted");
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(redaction)

BOOST_AUTO_TEST_CASE(replaces_every_occurrence_of_the_key) {
  std::string text = "key sk-abc123 and again sk-abc123.";
  redact(text, "sk-abc123");
  BOOST_TEST(text == "key [redacted] and again [redacted].");
}

BOOST_AUTO_TEST_CASE(ends_when_the_key_occurs_inside_the_mark) {
  // "dact" is part of "[redacted]": a search that restarted inside the mark would never end.
  for (const std::string key : {"dact", "redacted", "[redacted]", "acted]"}) {
    std::string text = "a " + key + " b " + key;
    redact(text, key);
    BOOST_TEST(text == "a [redacted] b [redacted]", key);
  }
}

BOOST_AUTO_TEST_CASE(leaves_text_alone_for_keys_too_short_to_be_real) {
  std::string text = "sk and sk";
  redact(text, "sk");
  BOOST_TEST(text == "sk and sk");
}

BOOST_AUTO_TEST_CASE(no_prefix_of_the_key_survives_a_cut_message) {
  // The key straddles the 1000-byte cut of error.message: redacted first, nothing of it stays.
  const std::string key = "sk-proj-0123456789abcdefghijklmnop";
  const std::string message = std::string(990, 'x') + key + " tail";
  const auto body = parse_error_body(R"({"error":{"message":")" + message + R"(","type":"t"}})",
                                     key);
  BOOST_TEST(body.message.find("sk-proj") == std::string::npos, body.message);
  const auto plain = parse_error_body(std::string(190, 'y') + key, key);  // not JSON: 200 bytes
  BOOST_TEST(plain.message.find("sk-proj") == std::string::npos, plain.message);
  std::string problem;
  openai::detail::parse_object_body(std::string(70, '[') + key, problem, key);
  BOOST_TEST(!problem.empty());
  BOOST_TEST(problem.find("sk-proj") == std::string::npos, problem);
}

BOOST_AUTO_TEST_CASE(error_fields_echoing_the_key_are_redacted) {
  const std::string key = "sk-0123456789";
  const auto body = parse_error_body(
      R"({"error":{"message":"bad key sk-0123456789","type":"sk-0123456789","code":"x sk-0123456789","param":"sk-0123456789"}})",
      key);
  for (const auto* field : {&body.message, &body.type, &body.code, &body.param})
    BOOST_TEST(field->find(key) == std::string::npos, *field);
}

BOOST_AUTO_TEST_CASE(a_url_is_echoed_without_query_fragment_or_user_info) {
  BOOST_TEST(echoable_url("https://api.example/v1?token=secret") == "https://api.example/v1");
  BOOST_TEST(echoable_url("https://user:pw@api.example/v1") == "https://***@api.example/v1");
  BOOST_TEST(echoable_url("ftp://user:pw@host/x?y") == "ftp://***@host/x");
  BOOST_TEST(echoable_url("user:pw@host") == "***@host");
  BOOST_TEST(echoable_url("https://api.example/v1#frag") == "https://api.example/v1");
  BOOST_TEST(echoable_url("https://api.example/a@b") == "https://api.example/a@b");
}

BOOST_AUTO_TEST_CASE(configuration_errors_never_echo_a_base_url_whole) {
  openai::client_options o;
  o.api_key = "sk-very-secret-key";
  o.base_url = "https://api.example/v1?api_key=hunter2";
  auto what = configuration_message(o);
  BOOST_TEST(what.find("hunter2") == std::string::npos, what);
  BOOST_TEST(what.find("query") != std::string::npos, what);

  o.base_url = "ftp://alice:hunter2@api.example/v1";
  what = configuration_message(o);
  BOOST_TEST(what.find("hunter2") == std::string::npos, what);

  o.base_url = "http://alice:hunter2@example.com/v1";
  what = configuration_message(o);
  BOOST_TEST(what.find("hunter2") == std::string::npos, what);

  o.base_url = "sk-very-secret-key";  // the key pasted where the URL belongs
  what = configuration_message(o);
  BOOST_TEST(what.find("sk-very-secret-key") == std::string::npos, what);
}

BOOST_AUTO_TEST_SUITE_END()

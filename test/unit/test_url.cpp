#include "http/url.hpp"

#include <boost/test/unit_test.hpp>

using openai::detail::encode_path_segment;
using openai::detail::parse_base_url;

BOOST_AUTO_TEST_SUITE(url)

BOOST_AUTO_TEST_CASE(parses_the_default_base_url) {
  std::string problem;
  auto u = parse_base_url("https://api.openai.com/v1", problem);
  BOOST_TEST_REQUIRE(u.has_value());
  BOOST_TEST(u->tls);
  BOOST_TEST(u->host == "api.openai.com");
  BOOST_TEST(u->port == "443");
  BOOST_TEST(u->host_header == "api.openai.com");
  BOOST_TEST(u->path == "/v1");
  BOOST_TEST(!u->host_is_loopback);
  BOOST_TEST(!u->host_is_ip);
}

BOOST_AUTO_TEST_CASE(keeps_an_explicit_port_in_the_host_header) {
  std::string problem;
  auto u = parse_base_url("http://127.0.0.1:8080/v1/", problem);
  BOOST_TEST_REQUIRE(u.has_value());
  BOOST_TEST(!u->tls);
  BOOST_TEST(u->port == "8080");
  BOOST_TEST(u->host_header == "127.0.0.1:8080");
  BOOST_TEST(u->path == "/v1");
  BOOST_TEST(u->host_is_loopback);
  BOOST_TEST(u->host_is_ip);
}

BOOST_AUTO_TEST_CASE(parses_ipv6_literals) {
  std::string problem;
  auto u = parse_base_url("https://[::1]:8443/v1", problem);
  BOOST_TEST_REQUIRE(u.has_value());
  BOOST_TEST(u->host == "::1");
  BOOST_TEST(u->host_header == "[::1]:8443");
  BOOST_TEST(u->host_is_loopback);
}

BOOST_AUTO_TEST_CASE(treats_localhost_as_loopback) {
  std::string problem;
  BOOST_TEST(parse_base_url("http://localhost:1234", problem)->host_is_loopback);
  BOOST_TEST(parse_base_url("http://localhost:1234", problem)->path == "");
}

BOOST_AUTO_TEST_CASE(rejects_urls_that_cannot_be_base_urls) {
  for (const char* bad : {"api.openai.com/v1", "ftp://host/v1", "https://user:pw@host/v1",
                          "https://host/v1?x=1", "not a url", ""}) {
    std::string problem;
    BOOST_TEST(!parse_base_url(bad, problem).has_value(), bad);
    BOOST_TEST(!problem.empty());
  }
}

BOOST_AUTO_TEST_CASE(leaves_unreserved_characters_alone) {
  std::string problem;
  BOOST_TEST(encode_path_segment("chatcmpl-AbC_1.2~x", problem) == "chatcmpl-AbC_1.2~x");
  BOOST_TEST(problem.empty());
}

BOOST_AUTO_TEST_CASE(encodes_reserved_space_and_non_ascii_characters) {
  std::string problem;
  BOOST_TEST(encode_path_segment("a/b?c#d%e f", problem) == "a%2Fb%3Fc%23d%25e%20f");
  BOOST_TEST(encode_path_segment("\xc3\xa9", problem) == "%C3%A9");
  BOOST_TEST(encode_path_segment("../x", problem) == "..%2Fx");
  BOOST_TEST(problem.empty());
}

BOOST_AUTO_TEST_CASE(rejects_empty_dot_and_dot_dot_ids) {
  for (const char* bad : {"", ".", ".."}) {
    std::string problem;
    BOOST_TEST(encode_path_segment(bad, problem).empty());
    BOOST_TEST(!problem.empty());
  }
}

BOOST_AUTO_TEST_CASE(appends_encoded_query_parameters) {
  std::string target = "/v1/chat/completions";
  openai::detail::append_query(target, "metadata[foo]", "a b&c");
  openai::detail::append_query(target, "limit", "5");
  BOOST_TEST(target == "/v1/chat/completions?metadata%5Bfoo%5D=a%20b%26c&limit=5");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(url_hostile)

BOOST_AUTO_TEST_CASE(rejects_bad_ports_encoded_hosts_and_relative_paths) {
  for (const char* bad : {"https://localhost:abc/v1", "https://localhost:99999/v1",
                          "https://api.openai.com%00.example/v1", "https://a%20b/v1"}) {
    std::string problem;
    BOOST_TEST(!openai::detail::parse_base_url(bad, problem).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(does_not_echo_user_info) {
  std::string problem;
  BOOST_TEST(!openai::detail::parse_base_url("https://u:sk-secret@host/v1", problem).has_value());
  BOOST_TEST(problem.find("sk-secret") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

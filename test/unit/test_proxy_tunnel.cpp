#include "api/classify.hpp"
#include "support/redact.hpp"
#include "transport/proxy_error.hpp"
#include "transport/proxy_tunnel.hpp"

#include <openai/error.hpp>

#include "parsed_base_url.hpp"

#include <boost/test/unit_test.hpp>

using namespace openai::detail;
using test_support::target;

namespace {

proxy_url proxy(const std::string& url) {
  std::string problem;
  auto p = parse_proxy_url(url, problem);
  BOOST_TEST_REQUIRE(p.has_value(), problem);
  return *p;
}

boost::system::error_code kind_of(boost::system::error_code transport) {
  failure_facts facts;
  facts.transport = transport;
  return classify(facts);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_tunnel)

BOOST_AUTO_TEST_CASE(connect_names_the_target_and_carries_credentials_when_given) {
  BOOST_TEST(connect_request(proxy("http://proxy:3128"), target("https://api.openai.com/v1")) ==
             "CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n");
  BOOST_TEST(connect_request(proxy("http://alice:s3cret@proxy:3128"),
                             target("https://[::1]:8443/v1")) ==
             "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n"
             "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(a_2xx_without_body_opens_the_tunnel) {
  std::string problem;
  BOOST_TEST(!judge_connect_answer(200, false, 0, proxy("http://p:1"), target("https://a.b/v1"),
                                   problem));
}

BOOST_AUTO_TEST_CASE(a_2xx_with_a_body_is_a_bad_response) {
  std::string problem;
  const auto ec = judge_connect_answer(200, true, 0, proxy("http://p:1"),
                                       target("https://a.b/v1"), problem);
  BOOST_TEST(ec == make_error_code(proxy_errc::bad_answer));
  BOOST_TEST(kind_of(ec) == make_error_code(openai::errc::bad_response));
  BOOST_TEST(judge_connect_answer(200, false, 3, proxy("http://p:1"), target("https://a.b/v1"),
                                  problem) == make_error_code(proxy_errc::bad_answer));
  BOOST_TEST(problem.find("http://p:1") != std::string::npos, problem);
}

BOOST_AUTO_TEST_CASE(a_407_or_401_is_a_proxy_authentication_failure_naming_the_proxy) {
  for (unsigned status : {407u, 401u}) {
    std::string problem;
    const auto ec = judge_connect_answer(status, false, 0, proxy("http://u:topsecretpw@p:1"),
                                         target("https://a.b/v1"), problem);
    BOOST_TEST(kind_of(ec) == make_error_code(openai::errc::proxy_authentication));
    BOOST_TEST(problem.find("proxy http://p:1") != std::string::npos, problem);
    BOOST_TEST(problem.find("refused the credentials") != std::string::npos, problem);
    BOOST_TEST(problem.find("topsecretpw") == std::string::npos, problem);
  }
  std::string problem;
  judge_connect_answer(407, false, 0, proxy("http://p:1"), target("https://a.b/v1"), problem);
  BOOST_TEST(problem.find("has no user:password") != std::string::npos, problem);
}

BOOST_AUTO_TEST_CASE(other_refusals_are_network_failures) {
  for (unsigned status : {500u, 502u, 503u, 403u, 301u}) {
    std::string problem;
    const auto ec = judge_connect_answer(status, false, 0, proxy("http://p:1"),
                                         target("https://a.b/v1"), problem);
    BOOST_TEST(kind_of(ec) == make_error_code(openai::errc::network));
    BOOST_TEST(problem.find(std::to_string(status)) != std::string::npos, problem);
  }
}

BOOST_AUTO_TEST_CASE(http_requests_become_absolute_form_with_credentials) {
  std::string wire = "GET /v1/chat/completions?limit=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
  to_proxy_form(wire, proxy("http://alice:s3cret@p:1"), target("http://127.0.0.1:8080/v1"));
  BOOST_TEST(wire ==
             "GET http://127.0.0.1:8080/v1/chat/completions?limit=2 HTTP/1.1\r\n"
             "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\nHost: 127.0.0.1:8080\r\n\r\n");
  std::string plain = "POST /v1/x HTTP/1.1\r\n\r\n";
  to_proxy_form(plain, proxy("http://p:1"), target("http://api.example/v1"));
  BOOST_TEST(plain == "POST http://api.example/v1/x HTTP/1.1\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(only_a_407_to_a_proxied_request_is_the_proxys) {
  std::string problem;
  BOOST_TEST(kind_of(judge_proxied_status(407, proxy("http://p:1"), problem)) ==
             make_error_code(openai::errc::proxy_authentication));
  BOOST_TEST(!judge_proxied_status(401, proxy("http://p:1"), problem));  // the API's own
  BOOST_TEST(!judge_proxied_status(200, proxy("http://p:1"), problem));
}

BOOST_AUTO_TEST_CASE(redaction_covers_the_key_the_proxy_password_and_its_credential) {
  const auto p = proxy("http://alice:pa55word-long@p:1");
  const secrets all("sk-key-0123456789", p.password, p.authorization);
  std::string text = "sk-key-0123456789 pa55word-long " + p.authorization + " " +
                     p.authorization.substr(6);
  redact_all(text, all);
  BOOST_TEST(text.find("sk-key") == std::string::npos, text);
  BOOST_TEST(text.find("pa55word") == std::string::npos, text);
  BOOST_TEST(text.find(p.authorization.substr(6)) == std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()

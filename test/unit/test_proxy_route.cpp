#include "http/proxy_route.hpp"

#include "parsed_base_url.hpp"

#include <boost/test/unit_test.hpp>

using namespace openai::detail;
using test_support::target;

namespace {

bool bypassed(const std::string& no_proxy, const std::string& url) {
  return no_proxy_matches(no_proxy, target(url));
}

proxy_choice_input env(std::string https, std::string http = {}, std::string all = {},
                       std::string no = {}) {
  proxy_choice_input in;
  in.https_proxy = std::move(https);
  in.http_proxy = std::move(http);
  in.all_proxy = std::move(all);
  in.no_proxy = std::move(no);
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_route)

BOOST_AUTO_TEST_CASE(an_explicit_proxy_applies_to_loopback_and_ignores_no_proxy) {
  auto in = env("http://env:1", {}, {}, "*");
  in.explicit_proxy = "http://explicit:2";
  BOOST_TEST(choose_proxy(in, target("https://127.0.0.1:8443/v1")) == "http://explicit:2");
  BOOST_TEST(choose_proxy(in, target("https://api.openai.com/v1")) == "http://explicit:2");
}

BOOST_AUTO_TEST_CASE(an_empty_explicit_proxy_means_none_whatever_the_environment) {
  auto in = env("http://env:1", "http://env:2", "http://env:3");
  in.explicit_proxy = "";
  BOOST_TEST(choose_proxy(in, target("https://api.openai.com/v1")).empty());
}

BOOST_AUTO_TEST_CASE(the_environment_is_read_by_the_targets_scheme) {
  const auto in = env("http://for-https:1", "http://for-http:2");
  BOOST_TEST(choose_proxy(in, target("https://api.openai.com/v1")) == "http://for-https:1");
  BOOST_TEST(choose_proxy(in, target("http://api.example/v1")) == "http://for-http:2");
}

BOOST_AUTO_TEST_CASE(all_proxy_is_the_fallback_of_either_scheme) {
  BOOST_TEST(choose_proxy(env({}, {}, "http://all:3"), target("https://api.openai.com/v1")) ==
             "http://all:3");
  BOOST_TEST(choose_proxy(env({}, {}, "http://all:3"), target("http://api.example/v1")) ==
             "http://all:3");
  BOOST_TEST(choose_proxy(env("http://own:1", {}, "http://all:3"),
                          target("https://api.openai.com/v1")) == "http://own:1");
  BOOST_TEST(choose_proxy(env({}), target("https://api.openai.com/v1")).empty());
}

BOOST_AUTO_TEST_CASE(loopback_targets_bypass_a_proxy_from_the_environment) {
  const auto in = env("http://env:1", "http://env:1", "http://env:1");
  BOOST_TEST(choose_proxy(in, target("https://localhost:8443/v1")).empty());
  BOOST_TEST(choose_proxy(in, target("https://127.0.0.1:8443/v1")).empty());
  BOOST_TEST(choose_proxy(in, target("https://127.9.8.7/v1")).empty());
  BOOST_TEST(choose_proxy(in, target("http://[::1]:8080/v1")).empty());
  BOOST_TEST(choose_proxy(in, target("https://10.0.0.1/v1")) == "http://env:1");
}

BOOST_AUTO_TEST_CASE(no_proxy_is_consulted_for_the_environment_only) {
  const auto in = env("http://env:1", {}, {}, "api.openai.com");
  BOOST_TEST(choose_proxy(in, target("https://api.openai.com/v1")).empty());
  BOOST_TEST(choose_proxy(in, target("https://other.example/v1")) == "http://env:1");
}

BOOST_AUTO_TEST_CASE(a_name_matches_itself_and_its_subdomains_only) {
  BOOST_TEST(bypassed("openai.com", "https://openai.com/v1"));
  BOOST_TEST(bypassed("openai.com", "https://api.openai.com/v1"));
  BOOST_TEST(!bypassed("openai.com", "https://notopenai.com/v1"));
  BOOST_TEST(!bypassed("api.openai.com", "https://openai.com/v1"));
}

BOOST_AUTO_TEST_CASE(a_leading_dot_or_star_dot_matches_the_domain_itself_too) {
  BOOST_TEST(bypassed(".openai.com", "https://api.openai.com/v1"));
  BOOST_TEST(bypassed(".openai.com", "https://openai.com/v1"));
  BOOST_TEST(bypassed("*.openai.com", "https://api.openai.com/v1"));
  BOOST_TEST(!bypassed(".openai.com", "https://xopenai.com/v1"));
}

BOOST_AUTO_TEST_CASE(entries_are_trimmed_and_compared_without_case) {
  BOOST_TEST(bypassed(" example.org ,  API.OpenAI.COM ", "https://api.openai.com/v1"));
  BOOST_TEST(bypassed("example.org,,openai.com", "https://API.openai.com/v1"));
  BOOST_TEST(!bypassed(" , ", "https://api.openai.com/v1"));
  BOOST_TEST(!bypassed("", "https://api.openai.com/v1"));
}

BOOST_AUTO_TEST_CASE(a_star_matches_every_host) {
  BOOST_TEST(bypassed("*", "https://api.openai.com/v1"));
  BOOST_TEST(bypassed("example.org, *", "https://10.1.2.3/v1"));
}

BOOST_AUTO_TEST_CASE(ip_literals_match_that_address_and_never_a_name) {
  BOOST_TEST(bypassed("10.1.2.3", "https://10.1.2.3/v1"));
  BOOST_TEST(!bypassed("10.1.2.3", "https://10.1.2.4/v1"));
  BOOST_TEST(bypassed("2001:db8::1", "https://[2001:db8:0:0::1]/v1"));
  BOOST_TEST(bypassed("[2001:db8::1]", "https://[2001:db8::1]/v1"));
  BOOST_TEST(!bypassed("10.1.2.3", "https://api.openai.com/v1"));
}

BOOST_AUTO_TEST_CASE(cidr_ranges_match_the_addresses_inside_them) {
  BOOST_TEST(bypassed("10.0.0.0/8", "https://10.200.3.4/v1"));
  BOOST_TEST(!bypassed("10.0.0.0/8", "https://11.0.0.1/v1"));
  BOOST_TEST(bypassed("192.168.4.0/22", "https://192.168.7.255/v1"));
  BOOST_TEST(!bypassed("192.168.4.0/22", "https://192.168.8.0/v1"));
  BOOST_TEST(bypassed("2001:db8::/32", "https://[2001:db8:ffff::9]/v1"));
  BOOST_TEST(!bypassed("2001:db8::/32", "https://[2001:db9::9]/v1"));
  BOOST_TEST(bypassed("0.0.0.0/0", "https://8.8.8.8/v1"));
  BOOST_TEST(!bypassed("10.0.0.0/8", "https://[::ffff:1]/v1"));  // another family
  BOOST_TEST(!bypassed("10.0.0.0/8", "https://ten.example/v1"));  // names are not resolved
  BOOST_TEST(!bypassed("10.0.0.0/33", "https://10.0.0.1/v1"));    // no such range
}

BOOST_AUTO_TEST_CASE(an_entry_with_a_port_matches_that_port_only) {
  BOOST_TEST(bypassed("api.openai.com:443", "https://api.openai.com/v1"));
  BOOST_TEST(!bypassed("api.openai.com:8443", "https://api.openai.com/v1"));
  BOOST_TEST(bypassed("10.1.2.3:8080", "http://10.1.2.3:8080/v1"));
  BOOST_TEST(!bypassed("10.1.2.3:8080", "http://10.1.2.3:8081/v1"));
  BOOST_TEST(bypassed("[2001:db8::1]:8443", "https://[2001:db8::1]:8443/v1"));
  BOOST_TEST(!bypassed("[2001:db8::1]:8443", "https://[2001:db8::1]/v1"));
}

BOOST_AUTO_TEST_CASE(parses_an_http_proxy_with_default_port_80) {
  std::string problem;
  auto p = parse_proxy_url("http://proxy.corp", problem);
  BOOST_TEST_REQUIRE(p.has_value(), problem);
  BOOST_TEST(!p->tls);
  BOOST_TEST(p->host == "proxy.corp");
  BOOST_TEST(p->port == "80");
  BOOST_TEST(p->name == "http://proxy.corp:80");
  BOOST_TEST(p->authorization.empty());
}

BOOST_AUTO_TEST_CASE(parses_an_https_proxy_with_default_port_443) {
  std::string problem;
  auto p = parse_proxy_url("https://[::1]/", problem);
  BOOST_TEST_REQUIRE(p.has_value(), problem);
  BOOST_TEST(p->tls);
  BOOST_TEST(p->host == "::1");
  BOOST_TEST(p->host_is_ip);
  BOOST_TEST(p->port == "443");
  BOOST_TEST(p->name == "https://[::1]:443");
}

BOOST_AUTO_TEST_CASE(a_proxy_without_a_scheme_is_http) {
  std::string problem;
  auto p = parse_proxy_url("proxy.corp:3128", problem);
  BOOST_TEST_REQUIRE(p.has_value(), problem);
  BOOST_TEST(!p->tls);
  BOOST_TEST(p->port == "3128");
}

BOOST_AUTO_TEST_CASE(user_info_is_percent_decoded_into_a_basic_credential) {
  std::string problem;
  auto p = parse_proxy_url("http://us%40er:p%3Ass%20word@proxy:3128", problem);
  BOOST_TEST_REQUIRE(p.has_value(), problem);
  // base64("us@er:p:ss word")
  BOOST_TEST(p->authorization == "Basic dXNAZXI6cDpzcyB3b3Jk");
  BOOST_TEST(p->password == "p:ss word");
  BOOST_TEST(p->name == "http://proxy:3128");
}

BOOST_AUTO_TEST_CASE(a_user_without_password_still_authenticates) {
  std::string problem;
  auto p = parse_proxy_url("http://alice@proxy:3128", problem);
  BOOST_TEST_REQUIRE(p.has_value(), problem);
  BOOST_TEST(p->authorization == "Basic YWxpY2U6");  // "alice:"
}

BOOST_AUTO_TEST_CASE(bad_proxy_urls_are_refused_without_showing_the_password) {
  for (const char* bad : {"socks5://user:hunter2secret@proxy:1080", "http://user:hunter2secret@proxy:0",
                          "http://user:hunter2secret@proxy:99999", "http://user:hunter2secret@proxy/path",
                          "http://user:hunter2secret@proxy:3128?q=1", "http://user:hunter2secret@:3128",
                          "http://user:hunter2secret@proxy:31x8",
                          "http://us%3Aer:hunter2secret@proxy:3128"}) {
    std::string problem;
    auto p = parse_proxy_url(bad, problem);
    BOOST_TEST(!p.has_value(), bad);
    BOOST_TEST(problem.find("proxy") != std::string::npos, problem);
    BOOST_TEST(problem.find("hunter2secret") == std::string::npos, problem);
  }
}

BOOST_AUTO_TEST_CASE(connect_authority_brackets_ipv6_hosts) {
  BOOST_TEST(authority_of(target("https://api.openai.com/v1")) == "api.openai.com:443");
  BOOST_TEST(authority_of(target("https://[::1]:8443/v1")) == "[::1]:8443");
}

BOOST_AUTO_TEST_SUITE_END()

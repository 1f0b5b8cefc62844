#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>
#include <openai/options.hpp>
#include <string>
#include <vector>

namespace {

openai::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_options_env)

BOOST_AUTO_TEST_CASE(from_env_reads_every_variable_through_the_lookup) {
  const openai::client_options o =
      openai::client_options::from_env(env_of({{"OPENAI_API_KEY", "sk-lookup"},
                                               {"OPENAI_BASE_URL", "http://127.0.0.1:9/v1"},
                                               {"OPENAI_ORG_ID", "org-1"},
                                               {"OPENAI_PROJECT_ID", "proj-1"},
                                               {"OPENAI_MTLS_CLIENT_CERT_FILE", "c.pem"},
                                               {"OPENAI_MTLS_CLIENT_KEY_FILE", "k.pem"},
                                               {"HTTPS_PROXY", "http://p:1"}}));
  BOOST_TEST(o.api_key == "sk-lookup");
  BOOST_TEST(o.base_url == "http://127.0.0.1:9/v1");
  BOOST_TEST(o.organization == "org-1");
  BOOST_TEST(o.project == "proj-1");
  BOOST_TEST(o.client_cert_file == "c.pem");
  BOOST_TEST(o.client_key_file == "k.pem");
  BOOST_TEST(o.proxy_env.https_proxy == "http://p:1");
  BOOST_TEST(!o.proxy.has_value());  // the environment never sets the explicit proxy
}

BOOST_AUTO_TEST_CASE(from_env_keeps_the_defaults_for_unset_and_empty_variables) {
  const openai::client_options o =
      openai::client_options::from_env(env_of({{"OPENAI_BASE_URL", ""}, {"OPENAI_API_KEY", ""}}));
  const openai::client_options defaults;
  BOOST_TEST(o.base_url == defaults.base_url);
  BOOST_TEST(o.api_key.empty());
  BOOST_TEST(o.proxy_env.https_proxy.empty());
}

BOOST_AUTO_TEST_CASE(proxy_variables_prefer_the_upper_case_name_as_go_does) {
  const openai::proxy_environment p =
      openai::proxy_environment::from_env(env_of({{"HTTPS_PROXY", "http://upper:1"},
                                                  {"https_proxy", "http://lower:1"},
                                                  {"http_proxy", "http://lower:2"},
                                                  {"ALL_PROXY", ""},
                                                  {"all_proxy", "socks-ignored-empty-upper"},
                                                  {"NO_PROXY", "a.example"},
                                                  {"no_proxy", "b.example"}}));
  BOOST_TEST(p.https_proxy == "http://upper:1");
  BOOST_TEST(p.http_proxy == "http://lower:2");
  BOOST_TEST(p.all_proxy == "socks-ignored-empty-upper");  // an empty upper name is unset
  BOOST_TEST(p.no_proxy == "a.example");
}

BOOST_AUTO_TEST_CASE(the_lookup_is_asked_for_names_only) {
  std::vector<std::string> asked;
  (void)openai::client_options::from_env([&](std::string_view name) -> std::optional<std::string> {
    asked.emplace_back(name);
    return std::nullopt;
  });
  for (const char* name :
       {"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
        "OPENAI_MTLS_CLIENT_CERT_FILE", "OPENAI_MTLS_CLIENT_KEY_FILE", "HTTPS_PROXY", "https_proxy",
        "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"})
    BOOST_TEST((std::find(asked.begin(), asked.end(), name) != asked.end()), name);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>
#include <map>
#include <sstream>

#include "args.hpp"
#include "client_setup.hpp"
#include "test_env.hpp"

using namespace openai_cli;

namespace {

using test::env_of;

openai::client_options options_of(std::vector<std::string> args,
                                  std::map<std::string, std::string> env = {{"OPENAI_API_KEY",
                                                                             "sk-test-key"}},
                                  std::ostream* debug_to = nullptr) {
  return client_options_of(parse_arguments(args, env_of(std::move(env))).global, debug_to);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_setup)

BOOST_AUTO_TEST_CASE(the_flags_reach_the_librarys_options_over_the_environment) {
  const openai::client_options o = options_of(
      {"chat:completions", "list", "--mtls-client-cert-file", "c.pem", "--mtls-client-key-file",
       "k.pem", "--proxy", "http://p:3128", "--max-retries", "5", "--timeout", "2.5", "--ca-file",
       "ca.pem", "--base-url", "http://127.0.0.1:9/v1"},
      {{"OPENAI_API_KEY", "sk-env"},
       {"OPENAI_BASE_URL", "https://env.example/v1"},
       {"HTTPS_PROXY", "http://env-proxy:1"}});
  BOOST_TEST(o.api_key == "sk-env");
  BOOST_TEST(o.base_url == "http://127.0.0.1:9/v1");
  BOOST_TEST(o.client_cert_file == "c.pem");
  BOOST_TEST(o.client_key_file == "k.pem");
  BOOST_TEST(*o.proxy == "http://p:3128");
  BOOST_TEST(o.proxy_env.https_proxy == "http://env-proxy:1");  // kept; proxy overrides it
  BOOST_TEST(o.max_retries == 5u);
  BOOST_TEST(o.timeout.count() == 2500);
  BOOST_TEST(o.ca_file == "ca.pem");
  BOOST_TEST(!o.debug_log);
}

BOOST_AUTO_TEST_CASE(without_flags_the_options_are_what_from_env_reads) {
  const std::map<std::string, std::string> vars{{"OPENAI_API_KEY", "sk-env"},
                                                {"OPENAI_MTLS_CLIENT_CERT_FILE", "c.pem"},
                                                {"OPENAI_MTLS_CLIENT_KEY_FILE", "k.pem"},
                                                {"no_proxy", "localhost"}};
  const openai::client_options o = options_of({"chat:completions", "list"}, vars);
  const openai::client_options lib = openai::client_options::from_env(env_of(vars));
  BOOST_TEST(o.api_key == lib.api_key);
  BOOST_TEST(o.base_url == lib.base_url);
  BOOST_TEST(o.client_cert_file == "c.pem");
  BOOST_TEST(o.client_key_file == "k.pem");
  BOOST_TEST(o.proxy_env.no_proxy == "localhost");
  BOOST_TEST(!o.proxy.has_value());
  BOOST_TEST(o.max_retries == lib.max_retries);
}

BOOST_AUTO_TEST_CASE(http1_and_http2_flags_choose_the_clients_http_version) {
  BOOST_TEST((options_of({"chat:completions", "list"}).http_version ==
              openai::http_version::automatic));
  BOOST_TEST((options_of({"chat:completions", "list", "--http1"}).http_version ==
              openai::http_version::http1));
  BOOST_TEST((options_of({"--http2", "chat:completions", "update-many", "--input", "-"})
                  .http_version == openai::http_version::http2));
}

BOOST_AUTO_TEST_CASE(no_proxy_is_the_librarys_explicit_no_proxy_value) {
  const openai::client_options o =
      options_of({"chat:completions", "list", "--no-proxy"},
                 {{"OPENAI_API_KEY", "k"}, {"ALL_PROXY", "http://a:1"}});
  BOOST_TEST(o.proxy.has_value());
  BOOST_TEST(o.proxy->empty());
}

BOOST_AUTO_TEST_CASE(proxy_passwords_are_secrets_as_written_and_decoded) {
  const openai::client_options o =
      options_of({"chat:completions", "list", "--proxy", "http://user:pa%40ss-word@p:3128"},
                 {{"OPENAI_API_KEY", "sk-test-key"}, {"http_proxy", "http://u:env-secret@q:1"}});
  const std::string shown = redact_secrets(
      "key sk-test-key via http://user:pa%40ss-word@p:3128 (pa@ss-word), "
      "env-secret",
      o);
  BOOST_TEST(shown.find("sk-test-key") == std::string::npos);
  BOOST_TEST(shown.find("pa%40ss-word") == std::string::npos);
  BOOST_TEST(shown.find("pa@ss-word") == std::string::npos);
  BOOST_TEST(shown.find("env-secret") == std::string::npos);
  BOOST_TEST(shown.find("http://user:[redacted]@p:3128") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(debug_lines_never_show_a_proxy_password) {
  std::ostringstream debug;
  const openai::client_options o =
      options_of({"chat:completions", "list", "--debug", "--proxy", "http://u:hunter22@p:3128"},
                 {{"OPENAI_API_KEY", "sk-test-key"}}, &debug);
  BOOST_TEST_REQUIRE(static_cast<bool>(o.debug_log));
  BOOST_TEST(o.debug_log_headers);
  o.debug_log("openai-asio: proxy http://u:hunter22@p:3128");
  BOOST_TEST(debug.str().find("hunter22") == std::string::npos);
  BOOST_TEST(debug.str().find("openai: debug: ") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

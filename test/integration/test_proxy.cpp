// The client through proxies: a real tinyproxy in front of openai-mock (tunnels, reuse, Basic
// authentication, bypass rules, absolute-form http), and a scripted proxy for the answers
// tinyproxy never gives (5xx, a body, garbage, 407 to a plain request, TLS to the proxy).
#include "h2_helpers.hpp"
#include "proxy_helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <mutex>
#include <optional>

namespace asio = boost::asio;
using test_support::mock_fixture;
using test_support::run;
using test_support::scripted_proxy;
using test_support::tinyproxy;
using test_support::tinyproxy_installed;

namespace {

const std::string password = "s3cret-proxy-pass";
const std::string wrong_password = "wrong-pass-42";
// base64 of "alice:" + each: what Proxy-Authorization carries.
const std::string credential = "YWxpY2U6czNjcmV0LXByb3h5LXBhc3M=";
const std::string wrong_credential = "YWxpY2U6d3JvbmctcGFzcy00Mg==";

// The error a call ends with, when it is an Error; any other exception propagates.
template <typename Error, typename T>
std::optional<Error> failure_of(asio::io_context& io, asio::awaitable<T> op) {
  try {
    run(io, std::move(op));
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

// Collects debug_log lines, headers included.
struct debug_lines {
  std::mutex mutex;
  std::string text;
  void attach(openai::client_options& o) {
    o.debug_log_headers = true;
    o.debug_log = [this](std::string_view line) {
      std::lock_guard lock(mutex);
      text.append(line).append("\n");
    };
  }
};

std::string port_text(unsigned short port) { return std::to_string(port); }

// Every text of a failure a user may see or log.
std::vector<std::string> texts_of(const openai::error& e) {
  const auto& d = e.details();
  return {e.what(), d.message, d.type, d.code, d.param, d.request_id, d.cause.message()};
}

void shows_no_secret(const std::vector<std::string>& texts, const std::string& secret) {
  for (const auto& text : texts)
    BOOST_TEST(text.find(secret) == std::string::npos, "'" << secret << "' in: " << text);
}

void fast_retries(openai::client_options& o, unsigned retries) {
  o.max_retries = retries;
  o.initial_retry_delay = std::chrono::milliseconds(1);
  o.max_retry_delay = std::chrono::milliseconds(5);
}

// One update through proxy_url with `retries` quick retries: the Error it ends with.
template <typename Error>
std::optional<Error> update_through(mock_fixture& f, const std::string& proxy_url,
                                    unsigned retries) {
  auto o = f.options();
  o.proxy = proxy_url;
  fast_retries(o, retries);
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  return failure_of<Error>(io, client.update_completion(f.id(1), {}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy)

BOOST_AUTO_TEST_CASE(updates_and_lists_through_tinyproxy_over_one_reused_tunnel,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f;
  tinyproxy proxy(f.mock().https_port());
  auto o = f.options();
  o.proxy = proxy.url();
  o.max_connections = 1;
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  for (std::size_t i = 1; i <= 5; ++i) {
    auto c = run(io, client.update_completion(f.id(i), {{"via", "proxy"}}));
    BOOST_TEST(c.id() == f.id(i));
  }
  auto page = run(io, client.list_completions({}));
  BOOST_TEST(!page.data().empty());
  BOOST_TEST(f.mock().metadata_of(f.id(3))->at("via") == "proxy");
  // Six requests, one tunnel (tinyproxy logs each request it is asked, CONNECT included), one
  // TLS handshake with the API host inside it.
  BOOST_TEST(proxy.lines_with("): CONNECT 127.0.0.1:" + port_text(f.mock().https_port()) + " ") ==
                 1u,
             proxy.log());
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
  BOOST_TEST(f.mock().stats().connections_accepted == 1u);
  BOOST_TEST(f.mock().stats().requests == 6u);
  BOOST_TEST(client.pool_stats().opened_total == 1u);
}

BOOST_AUTO_TEST_CASE(h2_runs_inside_one_connect_tunnel_of_tinyproxy,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f;
  tinyproxy proxy(f.mock().https_port());
  auto o = test_support::h2_options(f);
  o.proxy = proxy.url();
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  test_support::warm_up(io, client, f.id(6));
  test_support::outcomes calls;  // then five at once, as streams of the tunnelled connection
  for (int i = 1; i <= 5; ++i) calls.start(client, f.id(i));
  io.run();
  test_support::all_succeeded_in_one_attempt(calls);
  BOOST_TEST(f.mock().stats().h2_connections >= 1u);
  BOOST_TEST(proxy.lines_with("): CONNECT ") == 1u, proxy.log());
  BOOST_TEST(f.mock().stats().connections_accepted == 1u);
}

BOOST_AUTO_TEST_CASE(update_many_runs_its_concurrent_updates_over_tunnels_of_the_proxy,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f(40);
  tinyproxy proxy(f.mock().https_port(), "alice " + password);
  auto o = f.options();
  o.proxy = proxy.url("alice:" + password);
  o.max_connections = 4;
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  std::vector<openai::update_item> items;
  for (std::size_t i = 1; i <= 40; ++i) items.push_back({f.id(i), {{"batch", "via proxy"}}, i});
  openai::batch_options batch;
  batch.concurrency = 8;
  auto summary = run(io, client.update_many(openai::source_from_range(items),
                                            [](openai::update_result r) {
                                              BOOST_TEST(r.ok(), r.details.message);
                                            },
                                            batch));
  BOOST_TEST(summary.ok == 40u);
  BOOST_TEST(f.mock().metadata_of(f.id(40))->at("batch") == "via proxy");
  // At most one tunnel per pooled connection, each reused: far fewer than 40.
  const auto tunnels = proxy.lines_with("): CONNECT ");
  BOOST_TEST(tunnels >= 1u);
  BOOST_TEST(tunnels <= 4u, proxy.log());
  BOOST_TEST(f.mock().stats().tls_handshakes == tunnels);
}

BOOST_AUTO_TEST_CASE(right_basic_credentials_pass_and_never_show_in_the_debug_log,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f;
  tinyproxy proxy(f.mock().https_port(), "alice " + password);
  auto o = f.options();
  o.proxy = proxy.url("alice:" + password);
  debug_lines log;
  log.attach(o);
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto c = run(io, client.update_completion(f.id(2), {{"auth", "ok"}}));
  BOOST_TEST(c.id() == f.id(2));
  BOOST_TEST(proxy.lines_with("): CONNECT ") == 1u, proxy.log());
  BOOST_TEST(!log.text.empty());
  shows_no_secret({log.text}, password);
  shows_no_secret({log.text}, credential);
}

BOOST_AUTO_TEST_CASE(wrong_basic_credentials_are_a_proxy_authentication_error_without_the_password,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f;
  tinyproxy proxy(f.mock().https_port(), "alice " + password);
  auto o = f.options();
  o.proxy = proxy.url("alice:" + wrong_password);
  fast_retries(o, 2);
  debug_lines log;
  log.attach(o);
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto e = failure_of<openai::proxy_authentication_error>(
      io, client.update_completion(f.id(1), {{"k", "v"}}));
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::proxy_authentication));
  BOOST_TEST(std::string(e->what()).find("proxy " + proxy.url()) != std::string::npos, e->what());
  BOOST_TEST(e->details().attempts == 1u);  // not retried
  BOOST_TEST(proxy.lines_with("): CONNECT ") == 1u, proxy.log());
  BOOST_TEST(f.mock().stats().connections_accepted == 0u);
  auto texts = texts_of(*e);
  texts.push_back(log.text);
  shows_no_secret(texts, wrong_password);
  shows_no_secret(texts, wrong_credential);
  shows_no_secret(texts, test_support::api_key);
}

BOOST_AUTO_TEST_CASE(missing_basic_credentials_are_a_proxy_authentication_error,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f;
  tinyproxy proxy(f.mock().https_port(), "alice " + password);
  auto o = f.options();
  o.proxy = proxy.url();
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto e = failure_of<openai::proxy_authentication_error>(io, client.retrieve_completion(f.id(1)));
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::proxy_authentication));
  BOOST_TEST(std::string(e->what()).find("has no user:password") != std::string::npos, e->what());
}

BOOST_AUTO_TEST_CASE(the_api_hosts_certificate_is_verified_inside_the_tunnel,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  // The mock's certificate names another host: the tunnel opens, the handshake with the API
  // host inside it fails verification for 127.0.0.1.
  auto mock_options = mock_fixture::default_options();
  mock_options.certificates.subject_alt_names = {"DNS:other.example"};
  mock_options.certificates.common_name = "other.example";
  mock_fixture f(mock_options);
  tinyproxy proxy(f.mock().https_port());
  auto e = update_through<openai::connection_error>(f, proxy.url(), 0);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(std::string(e->what()).find("TLS handshake with 127.0.0.1:" +
                                         port_text(f.mock().https_port())) != std::string::npos,
             e->what());
  BOOST_TEST(proxy.lines_with("): CONNECT ") == 1u, proxy.log());
  BOOST_TEST(f.mock().stats().tls_handshakes == 0u);
}

BOOST_AUTO_TEST_CASE(mutual_tls_works_through_the_proxy_and_its_absence_is_told,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  // The API host inside the tunnel asks for a client certificate: the one of client_options
  // goes to it (never to the proxy), over one reused tunnel.
  auto mock_options = mock_fixture::default_options();
  mock_options.generate_client_certificate = true;
  mock_fixture f(mock_options);
  tinyproxy proxy(f.mock().https_port());
  auto o = f.options();
  o.proxy = proxy.url();
  o.max_connections = 1;
  o.client_cert_pem = f.mock().client_cert_pem();
  o.client_key_pem = f.mock().client_key_pem();
  {
    asio::io_context io;
    openai::client client(io.get_executor(), o);
    for (std::size_t i = 1; i <= 3; ++i)
      BOOST_TEST(run(io, client.update_completion(f.id(i), {{"via", "mtls-proxy"}})).id() == f.id(i));
  }
  BOOST_TEST(f.mock().metadata_of(f.id(2))->at("via") == "mtls-proxy");
  BOOST_TEST(proxy.lines_with("): CONNECT ") == 1u, proxy.log());
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
  BOOST_TEST(f.mock().stats().tls_client_certificate_missing == 0u);

  // Without the certificate the tunnel still opens, and the failure says what is missing.
  o.client_cert_pem.clear();
  o.client_key_pem.clear();
  fast_retries(o, 0);
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto e = failure_of<openai::connection_error>(io, client.update_completion(f.id(1), {}));
  BOOST_TEST_REQUIRE(e.has_value());
  const std::string what = e->what();
  BOOST_TEST(what.find("TLS handshake with 127.0.0.1:" + port_text(f.mock().https_port())) !=
                 std::string::npos,
             what);
  BOOST_TEST(what.find("requires a client certificate") != std::string::npos, what);
  BOOST_TEST(proxy.lines_with("): CONNECT ") == 2u, proxy.log());
}

BOOST_AUTO_TEST_CASE(environment_proxies_bypass_loopback_while_an_explicit_proxy_beats_no_proxy,
                     *boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f;
  tinyproxy proxy(f.mock().https_port());
  asio::io_context io;
  {
    // From the environment: a loopback target is reached directly, the proxy sees nothing.
    auto o = f.options();
    o.proxy_env.https_proxy = proxy.url();
    o.proxy_env.all_proxy = proxy.url();
    openai::client client(io.get_executor(), o);
    run(io, client.update_completion(f.id(1), {{"route", "direct"}}));
    BOOST_TEST(proxy.lines_with("Request (file descriptor") == 0u, proxy.log());
  }
  {
    // An explicit proxy applies to loopback too, and NO_PROXY does not overrule it.
    auto o = f.options();
    o.proxy = proxy.url();
    o.proxy_env.no_proxy = "*";
    openai::client client(io.get_executor(), o);
    run(io, client.update_completion(f.id(1), {{"route", "proxy"}}));
    BOOST_TEST(proxy.lines_with("): CONNECT ") == 1u, proxy.log());
  }
  {
    // An explicit "no proxy" overrules the environment, whatever it names.
    auto o = f.options();
    o.proxy = "";
    o.proxy_env.https_proxy = "http://127.0.0.1:" + port_text(test_support::proxy_detail::free_port());
    openai::client client(io.get_executor(), o);
    run(io, client.update_completion(f.id(1), {{"route", "direct again"}}));
    BOOST_TEST(proxy.lines_with("Request (file descriptor") == 1u, proxy.log());
  }
}

BOOST_AUTO_TEST_CASE(an_http_target_is_asked_of_the_proxy_in_absolute_form,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "absolute-form requests to a proxy are HTTP/1.1"}) *
                     boost::unit_test::precondition(tinyproxy_installed{})) {
  mock_fixture f;
  tinyproxy proxy(f.mock().https_port());
  auto o = f.options();
  o.base_url = f.mock().http_base_url();
  o.proxy = proxy.url();
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto c = run(io, client.update_completion(f.id(4), {{"plain", "yes"}}));
  BOOST_TEST(c.id() == f.id(4));
  BOOST_TEST(proxy.lines_with("): POST http://127.0.0.1:" + port_text(f.mock().http_port()) +
                              "/v1/chat/completions/" + f.id(4) + " ") == 1u,
             proxy.log());
  BOOST_TEST(f.mock().stats().http_connections >= 1u);
}

BOOST_AUTO_TEST_CASE(a_refused_proxy_port_is_a_network_error) {
  mock_fixture f;
  auto o = f.options();
  const auto port = test_support::proxy_detail::free_port();
  o.proxy = "http://127.0.0.1:" + port_text(port);
  o.connect_timeout = std::chrono::seconds(2);
  o.max_retries = 0;
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto e = failure_of<openai::connection_error>(io, client.update_completion(f.id(1), {}));
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::network));
  BOOST_TEST(std::string(e->what()).find("cannot connect to proxy http://127.0.0.1:" +
                                         port_text(port)) != std::string::npos,
             e->what());
  BOOST_TEST(f.mock().stats().connections_accepted == 0u);
}

BOOST_AUTO_TEST_CASE(a_connect_answered_503_is_a_network_error_and_retried) {
  mock_fixture f;
  scripted_proxy proxy({"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 0, {}, {}});
  auto e = update_through<openai::connection_error>(f, proxy.url(), 2);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::network));
  BOOST_TEST(std::string(e->what()).find("503") != std::string::npos, e->what());
  BOOST_TEST(e->details().attempts == 3u);
  BOOST_TEST(proxy.connections() == 3u);
  BOOST_TEST_REQUIRE(!proxy.heads().empty());
  BOOST_TEST(proxy.heads()[0].rfind("CONNECT 127.0.0.1:" + port_text(f.mock().https_port()) +
                                        " HTTP/1.1\r\nHost: 127.0.0.1:",
                                    0) == 0u,
             proxy.heads()[0]);
}

BOOST_AUTO_TEST_CASE(a_proxy_closing_without_an_answer_is_a_network_error) {
  mock_fixture f;
  scripted_proxy proxy({"", 0, {}, {}});  // reads CONNECT, says nothing, closes
  auto e = update_through<openai::connection_error>(f, proxy.url(), 1);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::network));
  BOOST_TEST(std::string(e->what()).find("without answering CONNECT") != std::string::npos,
             e->what());
  BOOST_TEST(proxy.connections() == 2u);
}

BOOST_AUTO_TEST_CASE(a_connect_answer_with_a_body_is_a_bad_response_not_retried) {
  mock_fixture f;
  scripted_proxy proxy(
      {"HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\nhello", 0, {}, {}});
  auto e = update_through<openai::bad_response_error>(f, proxy.url(), 2);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::bad_response));
  BOOST_TEST(std::string(e->what()).find("body") != std::string::npos, e->what());
  BOOST_TEST(proxy.connections() == 1u);
}

BOOST_AUTO_TEST_CASE(a_garbage_answer_to_connect_is_a_bad_response) {
  mock_fixture f;
  scripted_proxy proxy({"SSH-2.0-OpenSSH_9.2p1 Debian\r\n\r\n", 0, {}, {}});
  auto e = update_through<openai::bad_response_error>(f, proxy.url(), 0);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::bad_response));
  BOOST_TEST(std::string(e->what()).find("proxy " + proxy.url()) != std::string::npos, e->what());
}

BOOST_AUTO_TEST_CASE(a_407_to_a_plain_http_request_is_a_proxy_authentication_error,
                     *boost::unit_test::precondition(test_support::http1_specific{
                         "a plain http:// request through a proxy is HTTP/1.1"})) {
  mock_fixture f;
  scripted_proxy proxy({"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: "
                        "Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n",
                        0, {}, {}});
  auto o = f.options();
  o.base_url = f.mock().http_base_url();
  o.proxy = "http://alice:" + password + "@127.0.0.1:" + port_text(proxy.port());
  fast_retries(o, 2);
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto e = failure_of<openai::proxy_authentication_error>(io,
                                                          client.update_completion(f.id(1), {}));
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->code() == make_error_code(openai::errc::proxy_authentication));
  BOOST_TEST(proxy.connections() == 1u);
  BOOST_TEST_REQUIRE(proxy.heads().size() == 1u);
  const std::string head = proxy.heads()[0];
  BOOST_TEST(head.rfind("POST http://127.0.0.1:" + port_text(f.mock().http_port()) +
                            "/v1/chat/completions/" + f.id(1) + " HTTP/1.1\r\n",
                        0) == 0u,
             head);
  BOOST_TEST(head.find("\r\nProxy-Authorization: Basic " + credential + "\r\n") !=
                 std::string::npos,
             head);
  shows_no_secret(texts_of(*e), password);
  shows_no_secret(texts_of(*e), credential);
}

BOOST_AUTO_TEST_CASE(an_https_proxy_carries_tls_to_the_api_inside_tls_to_the_proxy) {
  // One CA for both: the client's trust store verifies the proxy and the API host alike.
  const auto pki = openai_mock::generate_certificates();
  auto mock_options = mock_fixture::default_options();
  mock_options.cert_chain_pem = pki.leaf_cert_pem;
  mock_options.private_key_pem = pki.leaf_key_pem;
  mock_options.ca_cert_pem = pki.ca_cert_pem;
  mock_fixture f(mock_options);
  scripted_proxy proxy({{}, f.mock().https_port(), pki.leaf_cert_pem, pki.leaf_key_pem});
  auto o = f.options();
  o.proxy = proxy.url();
  BOOST_TEST(proxy.url().rfind("https://", 0) == 0u);
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  for (std::size_t i = 1; i <= 3; ++i)
    BOOST_TEST(run(io, client.update_completion(f.id(i), {{"tls", "in tls"}})).id() == f.id(i));
  BOOST_TEST(proxy.connections() == 1u);
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
  BOOST_TEST(f.mock().stats().requests == 3u);
  BOOST_TEST_REQUIRE(proxy.heads().size() == 1u);
  BOOST_TEST(proxy.heads()[0].rfind("CONNECT 127.0.0.1:" + port_text(f.mock().https_port()), 0) ==
             0u);
}

BOOST_AUTO_TEST_CASE(an_https_proxy_with_an_untrusted_certificate_fails_naming_the_proxy) {
  mock_fixture f;
  const auto other = openai_mock::generate_certificates();  // another CA
  scripted_proxy proxy({{}, f.mock().https_port(), other.leaf_cert_pem, other.leaf_key_pem});
  auto e = update_through<openai::connection_error>(f, proxy.url(), 0);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(std::string(e->what()).find("TLS handshake with proxy " + proxy.url()) !=
                 std::string::npos,
             e->what());
  BOOST_TEST(proxy.heads().empty());  // no CONNECT was sent to an unverified proxy
  BOOST_TEST(f.mock().stats().connections_accepted == 0u);
}

BOOST_AUTO_TEST_CASE(a_bad_proxy_url_is_a_configuration_error_without_its_password) {
  asio::io_context io;
  auto explicit_proxy = openai::client_options{};
  explicit_proxy.api_key = test_support::api_key;
  explicit_proxy.proxy = "socks5://alice:" + password + "@127.0.0.1:1080";
  auto from_env = openai::client_options{};
  from_env.api_key = test_support::api_key;
  from_env.proxy_env.https_proxy = "http://alice:" + password + "@proxy.corp:80x";
  for (const auto& o : {explicit_proxy, from_env}) {
    try {
      openai::client client(io.get_executor(), o);
      BOOST_FAIL("a bad proxy URL was accepted");
    } catch (const openai::configuration_error& e) {
      BOOST_TEST(e.code() == make_error_code(openai::errc::invalid_configuration));
      BOOST_TEST(std::string(e.what()).find("proxy '") != std::string::npos, e.what());
      shows_no_secret(texts_of(e), password);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_plain_http_proxy_off_loopback_for_an_http_target_needs_allow_insecure_http) {
  // The API key would cross the network in clear, to the proxy and beyond.
  asio::io_context io;
  openai::client_options o;
  o.api_key = test_support::api_key;
  o.base_url = "http://127.0.0.1:8080/v1";
  o.proxy = "http://10.255.255.1:3128";
  BOOST_CHECK_THROW(openai::client(io.get_executor(), o), openai::configuration_error);
  o.allow_insecure_http = true;
  BOOST_CHECK_NO_THROW(openai::client(io.get_executor(), o));
  o.allow_insecure_http = false;
  o.proxy = "http://127.0.0.1:3128";  // a proxy on this machine: as safe as the target
  BOOST_CHECK_NO_THROW(openai::client(io.get_executor(), o));
  o.proxy = "https://10.255.255.1:3128";  // TLS to the proxy
  BOOST_CHECK_NO_THROW(openai::client(io.get_executor(), o));
}

BOOST_AUTO_TEST_SUITE_END()

// update_completion over real TLS on loopback against openai-mock.
#include "mock_fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <atomic>
#include <cstdlib>

namespace asio = boost::asio;
using test_support::api_key;
using test_support::mock_fixture;
using test_support::run;

BOOST_AUTO_TEST_SUITE(update_completion)

BOOST_AUTO_TEST_CASE(updates_metadata_and_returns_the_completion) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto c = run(io, client.update_completion(f.id(3), {{"foo", "bar"}, {"n", "5"}}));
  BOOST_TEST(c.id() == f.id(3));
  BOOST_TEST(c.object() == "chat.completion");
  BOOST_TEST(!c.model().empty());
  BOOST_TEST(c.metadata().at("foo") == "bar");
  BOOST_TEST(c.metadata().at("n") == "5");
  BOOST_TEST(c.request_id().rfind("req_", 0) == 0u);
  BOOST_TEST(c.attempts() == 1u);
  BOOST_TEST(!c.choices().empty());
  BOOST_TEST(c.json().contains("usage"));
  auto stored = f.mock().metadata_of(f.id(3));
  BOOST_TEST_REQUIRE(stored.has_value());
  BOOST_TEST(stored->at("foo") == "bar");
}

BOOST_AUTO_TEST_CASE(sends_the_documented_headers_and_body) {
  test_support::request_recorder recorder;
  mock_fixture f(5, recorder.decider());
  auto options = f.options();
  options.organization = "org-42";
  options.project = "proj-7";
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  run(io, client.update_completion(f.id(1), {{"k", "v"}}));
  BOOST_TEST_REQUIRE(recorder.requests.size() == 1u);
  const auto& r = recorder.requests[0];
  BOOST_TEST(r.method == "POST");
  BOOST_TEST(r.target == "/v1/chat/completions/" + f.id(1));
  BOOST_TEST(*r.header("authorization") == "Bearer " + api_key);
  BOOST_TEST(*r.header("content-type") == "application/json");
  BOOST_TEST(*r.header("accept") == "application/json");
  BOOST_TEST(r.header("user-agent")->rfind("openai-asio/", 0) == 0u);
  BOOST_TEST(*r.header("openai-organization") == "org-42");
  BOOST_TEST(*r.header("openai-project") == "proj-7");
  BOOST_TEST(*r.header("host") == "127.0.0.1:" + std::to_string(f.mock().https_port()));
  BOOST_TEST(r.body == R"({"metadata":{"k":"v"}})");
}

BOOST_AUTO_TEST_CASE(percent_encodes_the_id_as_one_path_segment) {
  test_support::request_recorder recorder;
  mock_fixture f(1, recorder.decider());
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  try {
    run(io, client.update_completion("a/b?c#d e", {}));
    BOOST_FAIL("unknown id accepted");
  } catch (const openai::not_found_error& e) {
    BOOST_TEST(std::string(e.what()).find("a/b?c#d e") != std::string::npos, e.what());
  }
  BOOST_TEST(recorder.requests.at(0).target == "/v1/chat/completions/a%2Fb%3Fc%23d%20e");
}

BOOST_AUTO_TEST_CASE(unknown_id_throws_not_found_with_type_and_request_id) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  try {
    run(io, client.update_completion("chatcmpl-missing", {{"a", "b"}}));
    BOOST_FAIL("unknown id accepted");
  } catch (const openai::not_found_error& e) {
    BOOST_TEST(e.status() == 404u);
    BOOST_TEST(e.type() == "invalid_request_error");
    BOOST_TEST(e.request_id().rfind("req_", 0) == 0u);
    BOOST_TEST(e.attempts() == 1u);  // 404 is not retried
    BOOST_TEST((e.kind() == openai::errc::not_found));
  }
}

BOOST_AUTO_TEST_CASE(wrong_key_throws_authentication_error_without_the_key) {
  mock_fixture f;
  auto options = f.options();
  options.api_key = "sk-wrong-secret-key-12345";
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  try {
    run(io, client.update_completion(f.id(1), {{"a", "b"}}));
    BOOST_FAIL("wrong key accepted");
  } catch (const openai::authentication_error& e) {
    BOOST_TEST(e.status() == 401u);
    BOOST_TEST((e.kind() == openai::errc::authentication));
    BOOST_TEST(std::string(e.what()).find(options.api_key) == std::string::npos);
    BOOST_TEST(e.details().message.find(options.api_key) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(invalid_metadata_throws_and_sends_nothing) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  openai::metadata seventeen;
  for (int i = 0; i < 17; ++i) seventeen.emplace("k" + std::to_string(i), "v");
  for (const auto& md : {seventeen, openai::metadata{{std::string(65, 'k'), "v"}},
                         openai::metadata{{"k", std::string(513, 'v')}},
                         openai::metadata{{"k", "\xff"}}}) {
    BOOST_CHECK_THROW(run(io, client.update_completion(f.id(1), md)), openai::validation_error);
  }
  for (const char* id : {"", ".", ".."})
    BOOST_CHECK_THROW(run(io, client.update_completion(id, {})), openai::validation_error);
  const auto stats = f.mock().stats();
  BOOST_TEST(stats.requests == 0u);
  BOOST_TEST(stats.connections_accepted == 0u);
}

BOOST_AUTO_TEST_CASE(server_side_400_throws_bad_request_with_param) {
  mock_fixture f(2, [](const openai_mock::request&) {
    openai_mock::fault_plan plan;
    plan.action = openai_mock::fault_action::respond;
    plan.reply.status = 400;
    plan.reply.headers.emplace("content-type", "application/json");
    plan.reply.body =
        R"({"error":{"message":"Invalid metadata","type":"invalid_request_error","param":"metadata","code":"invalid_value"}})";
    return plan;
  });
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  try {
    run(io, client.update_completion(f.id(1), {{"a", "b"}}));
    BOOST_FAIL("400 not reported");
  } catch (const openai::bad_request_error& e) {
    BOOST_TEST(e.status() == 400u);
    BOOST_TEST(e.param() == "metadata");
    BOOST_TEST(e.code() == "invalid_value");
    BOOST_TEST(std::string(e.what()).find("Invalid metadata") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(sequential_updates_reuse_one_tls_connection) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 1; i <= 10; ++i)
      co_await client.update_completion(f.id(i), {{"round", std::to_string(i)}});
  }());
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
  BOOST_TEST(f.mock().stats().requests == 10u);
}

BOOST_AUTO_TEST_CASE(thousand_concurrent_updates_through_a_pool_of_eight) {
  mock_fixture f(1000);
  asio::io_context io;
  auto options = f.options();
  options.max_connections = 8;
  openai::client client(io.get_executor(), options);
  std::atomic<int> ok{0}, failed{0};
  for (int i = 1; i <= 1000; ++i) {
    client.async_update_completion(f.id(i), {{"batch", "b7"}, {"i", std::to_string(i)}},
                                   [&](boost::system::error_code ec, openai::chat_completion c) {
                                     (ec ? failed : ok)++;
                                     if (!ec && c.metadata().at("batch") != "b7") failed++;
                                   });
  }
  io.run();
  BOOST_TEST(ok.load() == 1000);
  BOOST_TEST(failed.load() == 0);
  BOOST_TEST(f.mock().stats().tls_handshakes <= 8u);
  BOOST_TEST(f.mock().metadata_of(f.id(1000))->at("i") == "1000");
}

BOOST_AUTO_TEST_CASE(one_client_serves_a_four_thread_io_context) {
  mock_fixture f(400);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  std::atomic<int> ok{0};
  for (int i = 1; i <= 400; ++i)
    client.async_update_completion(f.id(i), {{"t", "4"}},
                                   [&](boost::system::error_code ec, openai::chat_completion) {
                                     if (!ec) ok++;
                                   });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { io.run(); });
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() == 400);
  BOOST_TEST(f.mock().stats().tls_handshakes <= 8u);
}

BOOST_AUTO_TEST_CASE(token_form_reports_full_detail_through_diagnostics) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  openai::diagnostics diag;
  boost::system::error_code result;
  client.async_update_completion("chatcmpl-nope", {{"a", "b"}}, {}, diag,
                                 [&](boost::system::error_code ec, openai::chat_completion) {
                                   result = ec;
                                 });
  io.run();
  BOOST_TEST((result == openai::errc::not_found));
  BOOST_TEST(diag.status == 404u);
  BOOST_TEST(diag.type == "invalid_request_error");
  BOOST_TEST(!diag.message.empty());
  BOOST_TEST(diag.request_id.rfind("req_", 0) == 0u);
  BOOST_TEST(diag.attempts == 1u);
}

BOOST_AUTO_TEST_CASE(token_form_reports_validation_failures_without_sending) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  openai::diagnostics diag;
  bool called_inline = true;
  boost::system::error_code result;
  client.async_update_completion(f.id(1), {{std::string(70, 'x'), "v"}}, {}, diag,
                                 [&](boost::system::error_code ec, openai::chat_completion) {
                                   result = ec;
                                 });
  called_inline = result.failed();
  io.run();
  BOOST_TEST(!called_inline);  // never completes inside the initiating call
  BOOST_TEST((result == openai::errc::invalid_argument));
  BOOST_TEST(diag.violations.size() == 1u);
  BOOST_TEST(f.mock().stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(works_with_use_future_from_plain_code) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  auto future = client.async_update_completion(f.id(2), {{"sync", "yes"}}, asio::use_future);
  auto c = future.get();
  work.reset();
  runner.join();
  BOOST_TEST(c.metadata().at("sync") == "yes");
}

BOOST_AUTO_TEST_CASE(works_with_deferred) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto op = client.async_update_completion(f.id(2), {{"deferred", "yes"}}, asio::deferred);
  BOOST_TEST(f.mock().stats().requests == 0u);  // nothing happens until it is launched
  std::string id;
  std::move(op)([&](boost::system::error_code ec, openai::chat_completion c) {
    BOOST_TEST(!ec);
    id = std::string(c.id());
  });
  io.run();
  BOOST_TEST(id == f.id(2));
}

BOOST_AUTO_TEST_CASE(rejects_a_certificate_it_cannot_verify) {
  mock_fixture f;
  auto options = f.options();
  options.ca_file.clear();  // the mock's CA is not in the system store
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  try {
    run(io, client.update_completion(f.id(1), {{"a", "b"}}));
    BOOST_FAIL("unverified server accepted");
  } catch (const openai::connection_error& e) {
    BOOST_TEST(std::string(e.what()).find("certificate") != std::string::npos, e.what());
  }
  BOOST_TEST(f.mock().stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(honours_ssl_cert_file_for_trust) {
  mock_fixture f;
  auto options = f.options();
  options.ca_file.clear();
  ::setenv("SSL_CERT_FILE", f.ca_file().c_str(), 1);
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  ::unsetenv("SSL_CERT_FILE");
  auto c = run(io, client.update_completion(f.id(1), {{"trust", "env"}}));
  BOOST_TEST(c.metadata().at("trust") == "env");
}

BOOST_AUTO_TEST_CASE(plain_http_to_loopback_works) {
  mock_fixture f;
  auto options = f.options();
  options.base_url = f.mock().http_base_url();
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto c = run(io, client.update_completion(f.id(1), {{"plain", "yes"}}));
  BOOST_TEST(c.metadata().at("plain") == "yes");
  BOOST_TEST(f.mock().stats().tls_handshakes == 0u);
}

BOOST_AUTO_TEST_CASE(plain_http_to_a_remote_host_needs_an_explicit_opt_in) {
  asio::io_context io;
  openai::client_options options;
  options.base_url = "http://api.example.com/v1";
  BOOST_CHECK_THROW(openai::client(io.get_executor(), options), openai::configuration_error);
  options.allow_insecure_http = true;
  BOOST_CHECK_NO_THROW(openai::client(io.get_executor(), options));
}

BOOST_AUTO_TEST_CASE(a_reconnect_resumes_the_tls_session_instead_of_a_full_handshake) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  run(io, client.update_completion(f.id(1), {{"round", "1"}}));
  BOOST_TEST(client.pool_stats().opened_total == 1u);
  BOOST_TEST(client.pool_stats().resumed_total == 0u);  // nothing to resume yet

  // The connection goes (idle expiry, a server closing it); the next one resumes the session
  // the server handed out on the first.
  client.close_idle_connections();
  auto c = run(io, client.update_completion(f.id(1), {{"round", "2"}}));
  BOOST_TEST(c.metadata().at("round") == "2");
  BOOST_TEST(client.pool_stats().opened_total == 2u);
  BOOST_TEST(client.pool_stats().resumed_total == 1u);
  BOOST_TEST(f.mock().stats().tls_handshakes == 2u);
}

BOOST_AUTO_TEST_CASE(a_ca_given_as_pem_text_is_trusted_and_garbage_is_refused) {
  mock_fixture f;
  auto options = f.options();
  options.ca_file.clear();
  options.ca_pem = f.mock().ca_pem();
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto c = run(io, client.update_completion(f.id(1), {{"trusted", "by-pem"}}));
  BOOST_TEST(c.metadata().at("trusted") == "by-pem");

  options.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  BOOST_CHECK_THROW(openai::client(io.get_executor(), options), openai::configuration_error);
}

BOOST_AUTO_TEST_CASE(a_bundle_in_ssl_cert_file_is_trusted_when_a_handshake_needs_it) {
  // The bundle is read on demand, when verification looks for an issuer it has not got: here
  // the mock's CA, found nowhere else.
  mock_fixture f;
  auto options = f.options();
  options.ca_file.clear();
  options.max_retries = 0;
  const char* saved = std::getenv("SSL_CERT_FILE");
  const std::string previous = saved ? saved : "";
  ::setenv("SSL_CERT_FILE", f.ca_file().c_str(), 1);
  asio::io_context io;
  bool trusted = false;
  try {
    openai::client client(io.get_executor(), options);
    trusted = run(io, client.update_completion(f.id(1), {{"trusted", "by-file"}}))
                  .metadata()
                  .at("trusted") == "by-file";
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE(e.what());
  }
  // A bundle without the mock's CA: the handshake is refused.
  ::setenv("SSL_CERT_FILE", "/dev/null", 1);
  bool refused = false;
  try {
    openai::client client(io.get_executor(), options);
    run(io, client.update_completion(f.id(1), {{"trusted", "no"}}));
  } catch (const openai::connection_error&) {
    refused = true;
  }
  if (saved)
    ::setenv("SSL_CERT_FILE", previous.c_str(), 1);
  else
    ::unsetenv("SSL_CERT_FILE");
  BOOST_TEST(trusted);
  BOOST_TEST(refused);
}

BOOST_AUTO_TEST_CASE(a_hashed_certificate_directory_in_ssl_cert_dir_is_trusted) {
  // The mock's CA, linked under its subject hash the way c_rehash does: found on demand.
  mock_fixture f;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("openai-asio-test-certs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(f.ca_file().c_str(), "r"), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                 X509_free);
  BOOST_TEST_REQUIRE(ca != nullptr);
  char name[16];
  std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(ca.get()));
  std::filesystem::copy_file(f.ca_file(), dir / name,
                             std::filesystem::copy_options::overwrite_existing);
  const char* saved_dir = std::getenv("SSL_CERT_DIR");
  const std::string previous_dir = saved_dir ? saved_dir : "";
  auto restore_dir = [&] {
    if (saved_dir)
      ::setenv("SSL_CERT_DIR", previous_dir.c_str(), 1);
    else
      ::unsetenv("SSL_CERT_DIR");
  };
  ::setenv("SSL_CERT_DIR", dir.c_str(), 1);
  auto options = f.options();
  options.ca_file.clear();
  asio::io_context io;
  try {
    openai::client client(io.get_executor(), options);
    auto c = run(io, client.update_completion(f.id(1), {{"trusted", "by-dir"}}));
    BOOST_TEST(c.metadata().at("trusted") == "by-dir");
  } catch (...) {
    restore_dir();
    std::filesystem::remove_all(dir);
    throw;
  }
  restore_dir();
  std::filesystem::remove_all(dir);

  // Without that directory the mock's CA is unknown: the handshake is refused.
  options.max_retries = 0;
  openai::client untrusting(io.get_executor(), options);
  BOOST_CHECK_THROW(run(io, untrusting.update_completion(f.id(1), {{"trusted", "no"}})),
                    openai::connection_error);
}

BOOST_AUTO_TEST_CASE(a_key_or_organization_with_a_line_break_is_refused_and_not_echoed) {
  asio::io_context io;
  openai::client_options options;
  options.base_url = "https://127.0.0.1:1/v1";
  options.api_key = "sk-secret-value\r\nX-Injected: 1";
  try {
    openai::client client(io.get_executor(), options);
    BOOST_FAIL("a key with CR LF was accepted");
  } catch (const openai::configuration_error& e) {
    BOOST_TEST(std::string(e.what()).find("api_key") != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("sk-secret") == std::string::npos, e.what());
  }
  options.api_key = "sk-fine";
  options.organization = "org\n";
  BOOST_CHECK_THROW(openai::client(io.get_executor(), options), openai::configuration_error);
}

BOOST_AUTO_TEST_CASE(a_response_over_the_size_cap_is_a_bad_response) {
  mock_fixture f;
  auto options = f.options();
  options.max_response_bytes = 64;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  try {
    run(io, client.update_completion(f.id(1), {{"a", "b"}}));
    BOOST_FAIL("oversized body accepted");
  } catch (const openai::bad_response_error& e) {
    BOOST_TEST(std::string(e.what()).find("exceeds the limit") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_2xx_that_is_not_json_is_a_bad_response) {
  mock_fixture f(2, [](const openai_mock::request&) {
    openai_mock::fault_plan plan;
    plan.action = openai_mock::fault_action::respond;
    plan.reply.status = 200;
    plan.reply.body = "<html>hello</html>";
    return plan;
  });
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  BOOST_CHECK_THROW(run(io, client.update_completion(f.id(1), {{"a", "b"}})),
                    openai::bad_response_error);
}

BOOST_AUTO_TEST_CASE(from_env_reads_the_four_variables) {
  ::setenv("OPENAI_API_KEY", "sk-env", 1);
  ::setenv("OPENAI_BASE_URL", "https://proxy.local/v1", 1);
  ::setenv("OPENAI_ORG_ID", "org-env", 1);
  ::setenv("OPENAI_PROJECT_ID", "proj-env", 1);
  auto o = openai::client_options::from_env();
  for (const char* v : {"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"})
    ::unsetenv(v);
  BOOST_TEST(o.api_key == "sk-env");
  BOOST_TEST(o.base_url == "https://proxy.local/v1");
  BOOST_TEST(o.organization == "org-env");
  BOOST_TEST(o.project == "proj-env");
  BOOST_TEST(openai::client_options::from_env().base_url == "https://api.openai.com/v1");
}

BOOST_AUTO_TEST_SUITE_END()

// Client certificates (mutual TLS) against openai-mock requiring and verifying them: the right
// certificate passes, as files or PEM text, with an encrypted key too; none, or one from another
// CA, fails with a TLS error that says so; options that cannot work fail at construction.
#include "fault_helpers.hpp"
#include "mock_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using test_support::failure;
using test_support::mock_fixture;
using test_support::quick;
using test_support::run;

namespace {

// A mock that requires a client certificate, trusting the CA of the one it generated.
openai_mock::server_options requiring_client_certificates() {
  auto o = mock_fixture::default_options(5);
  o.generate_client_certificate = true;
  return o;
}

// Files of a test, removed with it.
struct temp_files {
  fs::path dir = fs::temp_directory_path() /
                 ("openai-asio-mtls-" + std::to_string(::getpid()) + "-" + std::to_string(next()));
  temp_files() { fs::create_directories(dir); }
  ~temp_files() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string write(const std::string& name, const std::string& content) const {
    const fs::path path = dir / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  static int next() {
    static int n = 0;
    return n++;
  }
};

openai::client_options with_pem(openai::client_options o, const openai_mock::server& mock) {
  o.client_cert_pem = mock.client_cert_pem();
  o.client_key_pem = mock.client_key_pem();
  return o;
}

// The configuration_error the client's constructor throws for these options.
openai::configuration_error construction_failure(const openai::client_options& o) {
  asio::io_context io;
  try {
    openai::client client(io.get_executor(), o);
  } catch (const openai::configuration_error& e) {
    return e;
  }
  BOOST_FAIL("the client was constructed");
  throw std::logic_error("unreachable");
}

// The mock's counter of handshakes refused for `field`, once it reaches `expected` or after 10 s:
// the server counts a refusal after sending its alert, so the client may have the error first.
std::uint64_t refusals(mock_fixture& f, std::uint64_t openai_mock::server::counters::*field,
                       std::uint64_t expected) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto value = f.mock().stats().*field;
  while (value < expected && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    value = f.mock().stats().*field;
  }
  return value;
}

constexpr auto missing = &openai_mock::server::counters::tls_client_certificate_missing;
constexpr auto rejected = &openai_mock::server::counters::tls_client_certificate_rejected;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void updates(openai::client_options o, mock_fixture& f) {
  asio::io_context io;
  openai::client client(io.get_executor(), std::move(o));
  auto c = run(io, client.update_completion(f.id(1), {{"mtls", "yes"}}));
  BOOST_TEST(c.metadata().at("mtls") == "yes");
  BOOST_TEST(f.mock().metadata_of(f.id(1))->at("mtls") == "yes");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mutual_tls)

BOOST_AUTO_TEST_CASE(the_right_certificate_given_as_files_passes) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  auto o = f.options();
  o.client_cert_file = files.write("client.pem", f.mock().client_cert_pem());
  o.client_key_file = files.write("client.key", f.mock().client_key_pem());
  updates(o, f);
  BOOST_TEST(f.mock().stats().tls_handshakes == 1u);
  BOOST_TEST(f.mock().stats().tls_handshake_failures == 0u);
}

BOOST_AUTO_TEST_CASE(the_right_certificate_given_as_pem_text_passes) {
  mock_fixture f(requiring_client_certificates());
  updates(with_pem(f.options(), f.mock()), f);
  BOOST_TEST(f.mock().stats().tls_handshake_failures == 0u);
}

BOOST_AUTO_TEST_CASE(a_reconnect_with_a_client_certificate_resumes_the_tls_session) {
  // A server verifying client certificates must name its sessions, or resuming one fails.
  mock_fixture f(requiring_client_certificates());
  asio::io_context io;
  openai::client client(io.get_executor(), with_pem(f.options(), f.mock()));
  run(io, client.update_completion(f.id(1), {{"round", "1"}}));
  client.close_idle_connections();
  auto c = run(io, client.update_completion(f.id(1), {{"round", "2"}}));
  BOOST_TEST(c.metadata().at("round") == "2");
  BOOST_TEST(client.pool_stats().resumed_total == 1u);
  BOOST_TEST(f.mock().stats().tls_handshake_failures == 0u);
}

BOOST_AUTO_TEST_CASE(a_certificate_file_holding_the_key_too_serves_as_both) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  auto o = f.options();
  o.client_cert_file = o.client_key_file =
      files.write("both.pem", f.mock().client_cert_pem() + f.mock().client_key_pem());
  updates(o, f);
}

BOOST_AUTO_TEST_CASE(a_chain_with_its_intermediate_after_the_leaf_is_accepted) {
  // The mock trusts its client CA; the CA sent again after the leaf is a chain of two.
  mock_fixture f(requiring_client_certificates());
  auto o = with_pem(f.options(), f.mock());
  o.client_cert_pem += f.mock().client_ca_pem();
  updates(o, f);
}

BOOST_AUTO_TEST_CASE(no_certificate_fails_with_a_handshake_error_saying_one_is_required) {
  mock_fixture f(requiring_client_certificates());
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  const std::string message = e.details().message;
  BOOST_TEST_MESSAGE("without a certificate: " << message);
  BOOST_TEST((e.kind() == openai::errc::network));
  BOOST_TEST(contains(message, "TLS handshake with 127.0.0.1:" +
                                   std::to_string(f.mock().https_port()) + " failed"));
  BOOST_TEST(contains(message, "certificate required"));  // the server's alert, as OpenSSL names it
  BOOST_TEST(contains(message, "the server requires a client certificate, and none is configured"));
  BOOST_TEST(contains(e.what(), "requires a client certificate"));
  BOOST_TEST(e.details().cause.value() != 0);
  BOOST_TEST(refusals(f, missing, 1) == 1u);
  BOOST_TEST(f.mock().metadata_of(f.id(1))->count("k") == 0u);
}

BOOST_AUTO_TEST_CASE(
    no_certificate_fails_in_a_tls12_handshake_with_an_error_saying_one_is_required) {
  // TLS 1.2 has no alert of its own for it: the server's handshake_failure is explained by its
  // having asked for a certificate.
  auto options = requiring_client_certificates();
  options.tls12_only = true;
  mock_fixture f(options);
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 0));
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  const std::string message = e.details().message;
  BOOST_TEST_MESSAGE("without a certificate, TLS 1.2: " << message);
  BOOST_TEST(contains(message, "TLS handshake with 127.0.0.1:"));
  BOOST_TEST(contains(message, "alert handshake failure"));
  BOOST_TEST(contains(message, "the server requires a client certificate, and none is configured"));
  BOOST_TEST(refusals(f, missing, 1) == 1u);
}

BOOST_AUTO_TEST_CASE(a_certificate_from_another_ca_fails_a_tls12_handshake_saying_so) {
  auto options = requiring_client_certificates();
  options.tls12_only = true;
  mock_fixture f(options);
  const auto stranger =
      openai_mock::generate_certificates(openai_mock::client_certificate_options());
  auto o = quick(f.options(), 0);
  o.client_cert_pem = stranger.leaf_cert_pem;
  o.client_key_pem = stranger.leaf_key_pem;
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST(contains(e.details().message, "TLS handshake with 127.0.0.1:"));
  BOOST_TEST(contains(e.details().message, "the server did not accept the client certificate"));
}

BOOST_AUTO_TEST_CASE(the_right_certificate_passes_a_tls12_handshake) {
  auto options = requiring_client_certificates();
  options.tls12_only = true;
  mock_fixture f(options);
  updates(with_pem(f.options(), f.mock()), f);
}

BOOST_AUTO_TEST_CASE(a_certificate_from_another_ca_fails_with_a_handshake_error_saying_so) {
  mock_fixture f(requiring_client_certificates());
  const auto stranger =
      openai_mock::generate_certificates(openai_mock::client_certificate_options());
  auto o = quick(f.options(), 0);
  o.client_cert_pem = stranger.leaf_cert_pem;
  o.client_key_pem = stranger.leaf_key_pem;
  asio::io_context io;
  openai::client client(io.get_executor(), o);
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  const std::string message = e.details().message;
  BOOST_TEST_MESSAGE("with a stranger's certificate: " << message);
  BOOST_TEST(contains(message, "TLS handshake with 127.0.0.1:"));
  BOOST_TEST(contains(message, "unknown ca"));  // the server's alert
  BOOST_TEST(contains(message,
                      "the server did not accept the client certificate: it is not "
                      "signed by a CA the server trusts"));
  BOOST_TEST(refusals(f, rejected, 1) == 1u);
}

BOOST_AUTO_TEST_CASE(a_refused_certificate_is_retried_as_a_network_failure_only_max_retries_times) {
  mock_fixture f(requiring_client_certificates());
  asio::io_context io;
  auto o = quick(f.options(), 1);
  o.initial_retry_delay = std::chrono::milliseconds(1);
  openai::client client(io.get_executor(), o);
  auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST(e.attempts() == 2u);
  BOOST_TEST(refusals(f, missing, 2) == 2u);
}

BOOST_AUTO_TEST_CASE(an_encrypted_key_with_its_passphrase_passes) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  auto o = f.options();
  o.client_cert_pem = f.mock().client_cert_pem();
  o.client_key_file = files.write(
      "client.key", openai_mock::encrypt_private_key(f.mock().client_key_pem(), "open sesame"));
  o.client_key_passphrase = "open sesame";
  updates(o, f);
}

BOOST_AUTO_TEST_CASE(an_encrypted_key_with_a_wrong_passphrase_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  auto o = with_pem(f.options(), f.mock());
  o.client_key_pem = openai_mock::encrypt_private_key(f.mock().client_key_pem(), "open sesame");
  o.client_key_passphrase = "close sesame";
  auto e = construction_failure(o);
  const std::string message = e.details().message;
  BOOST_TEST((e.kind() == openai::errc::invalid_configuration));
  BOOST_TEST(contains(message, "client_key_passphrase does not decrypt client_key_pem"));
  BOOST_TEST(!contains(message, "sesame"));
  BOOST_TEST(!contains(e.what(), "sesame"));
}

BOOST_AUTO_TEST_CASE(an_encrypted_key_without_a_passphrase_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  auto o = with_pem(f.options(), f.mock());
  o.client_key_pem.clear();
  o.client_key_file = files.write(
      "locked.key", openai_mock::encrypt_private_key(f.mock().client_key_pem(), "open sesame"));
  auto e = construction_failure(o);
  BOOST_TEST(e.details().message == "client_key_file '" + o.client_key_file +
                                        "' is an encrypted key: set client_key_passphrase");
}

BOOST_AUTO_TEST_CASE(a_passphrase_longer_than_openssl_accepts_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  const std::string passphrase(2000, 'p');
  auto o = with_pem(f.options(), f.mock());
  o.client_key_pem = openai_mock::encrypt_private_key(f.mock().client_key_pem(), passphrase);
  o.client_key_passphrase = passphrase;
  auto e = construction_failure(o);
  BOOST_TEST(contains(e.details().message, "client_key_passphrase is longer than the"));
  BOOST_TEST(!contains(e.what(), "pppp"));
}

BOOST_AUTO_TEST_CASE(a_passphrase_without_a_key_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  auto o = f.options();
  o.client_key_passphrase = "open sesame";
  auto e = construction_failure(o);
  BOOST_TEST(e.details().message == "client_key_passphrase is set but no client key is");
}

BOOST_AUTO_TEST_CASE(a_key_that_does_not_match_the_certificate_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  const auto other = openai_mock::generate_certificates(openai_mock::client_certificate_options());
  auto o = f.options();
  o.client_cert_file = files.write("client.pem", f.mock().client_cert_pem());
  o.client_key_file = files.write("other.key", other.leaf_key_pem);
  auto e = construction_failure(o);
  const std::string message = e.details().message;
  BOOST_TEST(message == "the private key of client_key_file '" + o.client_key_file +
                            "' does not match the certificate of client_cert_file '" +
                            o.client_cert_file + "'");
  BOOST_TEST(!contains(message, "PRIVATE KEY"));
}

BOOST_AUTO_TEST_CASE(an_unreadable_certificate_file_is_a_configuration_error_naming_it) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  auto o = with_pem(f.options(), f.mock());
  o.client_cert_pem.clear();
  o.client_cert_file = (files.dir / "missing.pem").string();
  auto e = construction_failure(o);
  BOOST_TEST(e.details().message == "cannot read client_cert_file '" + o.client_cert_file +
                                        "': No such file or directory");
}

BOOST_AUTO_TEST_CASE(an_unreadable_key_file_is_a_configuration_error_naming_it) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  auto o = with_pem(f.options(), f.mock());
  o.client_key_pem.clear();
  o.client_key_file = files.dir.string();  // a directory: opened, but not readable as a file
  auto e = construction_failure(o);
  BOOST_TEST(e.details().message ==
             "cannot read client_key_file '" + o.client_key_file + "': Is a directory");
}

BOOST_AUTO_TEST_CASE(only_a_certificate_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  auto o = with_pem(f.options(), f.mock());
  o.client_key_pem.clear();
  auto e = construction_failure(o);
  BOOST_TEST(contains(e.details().message,
                      "needs its private key: set client_key_file or "
                      "client_key_pem too"));
}

BOOST_AUTO_TEST_CASE(only_a_key_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  auto o = with_pem(f.options(), f.mock());
  o.client_cert_pem.clear();
  auto e = construction_failure(o);
  BOOST_TEST(contains(e.details().message,
                      "needs its certificate: set client_cert_file or "
                      "client_cert_pem too"));
}

BOOST_AUTO_TEST_CASE(pem_text_without_a_certificate_or_a_key_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  auto swapped = with_pem(f.options(), f.mock());
  std::swap(swapped.client_cert_pem, swapped.client_key_pem);
  auto e = construction_failure(swapped);
  BOOST_TEST(e.details().message == "client_cert_pem holds no PEM certificate");
  BOOST_TEST(!contains(e.what(), "PRIVATE KEY"));  // the text itself is never echoed

  auto no_key = with_pem(f.options(), f.mock());
  no_key.client_key_pem = f.mock().client_cert_pem();
  BOOST_TEST(construction_failure(no_key).details().message ==
             "client_key_pem holds no readable PEM private key");
}

BOOST_AUTO_TEST_CASE(a_file_and_pem_text_for_the_same_thing_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  temp_files files;
  auto o = with_pem(f.options(), f.mock());
  o.client_cert_file = files.write("client.pem", f.mock().client_cert_pem());
  BOOST_TEST(construction_failure(o).details().message ==
             "set client_cert_file or client_cert_pem, not both");
}

BOOST_AUTO_TEST_CASE(a_client_certificate_over_plain_http_is_a_configuration_error) {
  mock_fixture f(requiring_client_certificates());
  auto o = with_pem(f.options(), f.mock());
  o.base_url = f.mock().http_base_url();
  BOOST_TEST(contains(construction_failure(o).details().message, "mutual TLS needs https://"));
}

BOOST_AUTO_TEST_CASE(a_server_that_asks_for_no_certificate_accepts_a_client_that_has_one) {
  mock_fixture f(mock_fixture::default_options(5));
  const auto identity =
      openai_mock::generate_certificates(openai_mock::client_certificate_options());
  auto o = f.options();
  o.client_cert_pem = identity.leaf_cert_pem;
  o.client_key_pem = identity.leaf_key_pem;
  updates(o, f);
}

BOOST_AUTO_TEST_SUITE_END()

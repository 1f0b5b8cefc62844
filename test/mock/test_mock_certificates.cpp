// openai-mock's in-memory PKI: the certificates verify (or fail) the way the TLS tests
// expect, checked with OpenSSL's verifier and no sockets.
#define BOOST_TEST_MODULE test_mock_certificates
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "certificates.hpp"

using openai_mock::certificate_bundle;
using openai_mock::certificate_options;
using openai_mock::generate_certificates;

namespace {

using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

x509_ptr load(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return x509_ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
}

// X509_V_OK or the verifier's error for `leaf` against the single trust anchor `anchor`,
// checking `host` the way a TLS client with host name verification does.
// host empty: verified as a TLS server verifies a client's certificate.
int verify(const std::string& leaf_pem, const std::string& anchor_pem, const std::string& host) {
  auto leaf = load(leaf_pem);
  auto anchor = load(anchor_pem);
  BOOST_REQUIRE(leaf && anchor);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), anchor.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_purpose(param, host.empty() ? X509_PURPOSE_SSL_CLIENT
                                                   : X509_PURPOSE_SSL_SERVER);
  if (host.empty()) {
  } else if (host.find_first_not_of("0123456789.:abcdef") == std::string::npos &&
      host.find_first_of(".:") != std::string::npos)
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  else
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

// key_pem decrypted with `passphrase` (when encrypted) is the key of the bundle's leaf.
bool key_matches(const certificate_bundle& b, const std::string& key_pem,
                 const std::string& passphrase = "") {
  auto leaf = load(b.leaf_cert_pem);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>(passphrase.c_str())),
      &EVP_PKEY_free);
  return leaf && key && X509_check_private_key(leaf.get(), key.get()) == 1;
}

bool key_matches(const certificate_bundle& b) { return key_matches(b, b.leaf_key_pem); }

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_certificates)

BOOST_AUTO_TEST_CASE(default_leaf_verifies_for_localhost_and_loopback_addresses) {
  const auto b = generate_certificates();
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "localhost") == X509_V_OK);
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "127.0.0.1") == X509_V_OK);
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "::1") == X509_V_OK);
}

BOOST_AUTO_TEST_CASE(leaf_key_belongs_to_the_leaf_certificate) {
  BOOST_TEST(key_matches(generate_certificates()));
}

BOOST_AUTO_TEST_CASE(default_leaf_does_not_verify_for_another_host) {
  const auto b = generate_certificates();
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "api.openai.com") ==
             X509_V_ERR_HOSTNAME_MISMATCH);
}

BOOST_AUTO_TEST_CASE(leaf_for_another_host_name_fails_for_localhost) {
  certificate_options o;
  o.subject_alt_names = {"DNS:other.example"};
  o.common_name = "other.example";
  const auto b = generate_certificates(o);
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "other.example") == X509_V_OK);
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "localhost") == X509_V_ERR_HOSTNAME_MISMATCH);
}

BOOST_AUTO_TEST_CASE(expired_leaf_fails_verification) {
  certificate_options o;
  o.not_before = std::chrono::hours(-48);
  o.not_after = std::chrono::hours(-24);
  const auto b = generate_certificates(o);
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "localhost") == X509_V_ERR_CERT_HAS_EXPIRED);
}

BOOST_AUTO_TEST_CASE(leaf_from_another_ca_is_untrusted) {
  const auto a = generate_certificates();
  const auto b = generate_certificates();
  BOOST_TEST(verify(a.leaf_cert_pem, b.ca_cert_pem, "localhost") != X509_V_OK);
}

BOOST_AUTO_TEST_CASE(self_signed_leaf_has_no_ca_and_is_untrusted_by_a_real_ca) {
  certificate_options o;
  o.self_signed = true;
  const auto self = generate_certificates(o);
  BOOST_TEST(self.ca_cert_pem.empty());
  BOOST_TEST(key_matches(self));
  const auto other = generate_certificates();
  BOOST_TEST(verify(self.leaf_cert_pem, other.ca_cert_pem, "localhost") != X509_V_OK);
}

BOOST_AUTO_TEST_CASE(client_certificate_verifies_for_client_authentication_only) {
  const auto b = generate_certificates(openai_mock::client_certificate_options());
  BOOST_TEST(key_matches(b));
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "") == X509_V_OK);
  BOOST_TEST(verify(b.leaf_cert_pem, b.ca_cert_pem, "localhost") != X509_V_OK);
  const auto server = generate_certificates();
  BOOST_TEST(verify(server.leaf_cert_pem, server.ca_cert_pem, "") != X509_V_OK);
}

BOOST_AUTO_TEST_CASE(encrypted_key_opens_with_its_passphrase_only) {
  const auto b = generate_certificates(openai_mock::client_certificate_options());
  const std::string locked = openai_mock::encrypt_private_key(b.leaf_key_pem, "open sesame");
  BOOST_TEST(locked.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  BOOST_TEST(key_matches(b, locked, "open sesame"));
  BOOST_TEST(!key_matches(b, locked, "close sesame"));
}

BOOST_AUTO_TEST_CASE(malformed_subject_alt_name_throws) {
  certificate_options o;
  o.subject_alt_names = {"NOPE:x"};
  BOOST_CHECK_THROW(generate_certificates(o), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()

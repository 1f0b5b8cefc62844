#include "certificates.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace openai_mock {
namespace {

template <auto Free>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using key_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BN_free>>;

[[noreturn]] void fail(const char* what) {
  std::string msg = std::string("openai_mock certificates: ") + what;
  if (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  throw std::runtime_error(msg);
}

void check(int ok, const char* what) {
  if (ok <= 0) fail(what);
}

key_ptr make_key() {
  key_ptr k(EVP_EC_gen("P-256"));
  if (!k) fail("EVP_EC_gen");
  return k;
}

void set_name(X509_NAME* name, const std::string& cn) {
  check(
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("openai-mock"), -1, -1, 0),
      "subject O");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
        "subject CN");
}

// Random 127-bit serials: two runs of the mock never present the same issuer+serial pair,
// which some clients cache.
void set_serial(X509* cert) {
  bn_ptr bn(BN_new());
  if (!bn) fail("BN_new");
  check(BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");
  check(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr, "serial");
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail(("extension " + value).c_str());
  check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

// An unsigned v3 certificate for `key` naming `issuer` (nullptr: itself) as its issuer.
x509_ptr make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer,
                   std::chrono::seconds not_before, std::chrono::seconds not_after) {
  x509_ptr cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  set_serial(cert.get());
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count())) !=
            nullptr,
        "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count())) !=
            nullptr,
        "notAfter");
  check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  set_name(X509_get_subject_name(cert.get()), cn);
  X509* signer = issuer ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)), "issuer name");
  // The subject key id must exist before the authority key id can refer to it.
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) { check(X509_sign(cert, key, EVP_sha256()), "X509_sign"); }

std::string cert_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string key_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string join_sans(const std::vector<std::string>& sans) {
  std::string out;
  for (const auto& s : sans) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

void add_leaf_extensions(X509* leaf, X509* signer, const certificate_options& o) {
  add_ext(leaf, signer, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(leaf, signer, NID_key_usage, "critical,digitalSignature");
  add_ext(leaf, signer, NID_ext_key_usage, o.client_auth ? "clientAuth" : "serverAuth");
  if (!o.subject_alt_names.empty())
    add_ext(leaf, signer, NID_subject_alt_name, join_sans(o.subject_alt_names));
}

}  // namespace

certificate_bundle generate_certificates(const certificate_options& o) {
  certificate_bundle out;
  key_ptr leaf_key = make_key();

  if (o.self_signed) {
    x509_ptr leaf = make_cert(leaf_key.get(), o.common_name, nullptr, o.not_before, o.not_after);
    add_leaf_extensions(leaf.get(), leaf.get(), o);
    sign(leaf.get(), leaf_key.get());
    out.leaf_cert_pem = cert_pem(leaf.get());
    out.leaf_key_pem = key_pem(leaf_key.get());
    return out;
  }

  // The CA outlives any leaf validity a test asks for, so an "expired" test certificate
  // is expired because of the leaf alone.
  key_ptr ca_key = make_key();
  x509_ptr ca = make_cert(ca_key.get(), o.ca_common_name, nullptr, std::chrono::hours(-24 * 3),
                          std::chrono::hours(24 * 365));
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  sign(ca.get(), ca_key.get());

  x509_ptr leaf = make_cert(leaf_key.get(), o.common_name, ca.get(), o.not_before, o.not_after);
  add_leaf_extensions(leaf.get(), ca.get(), o);
  sign(leaf.get(), ca_key.get());

  out.ca_cert_pem = cert_pem(ca.get());
  out.leaf_cert_pem = cert_pem(leaf.get());
  out.leaf_key_pem = key_pem(leaf_key.get());
  return out;
}

certificate_options client_certificate_options() {
  certificate_options o;
  o.subject_alt_names.clear();
  o.common_name = "openai-mock test client";
  o.client_auth = true;
  o.ca_common_name = "openai-mock client CA";
  return o;
}

std::string encrypt_private_key(const std::string& key_pem, const std::string& passphrase) {
  bio_ptr in(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  if (!in) fail("BIO_new_mem_buf");
  key_ptr key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, const_cast<char*>("")));
  if (!key) fail("PEM_read_bio_PrivateKey");
  bio_ptr out(BIO_new(BIO_s_mem()));
  if (!out) fail("BIO_new");
  check(PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), passphrase.data(),
                                      static_cast<int>(passphrase.size()), nullptr, nullptr),
        "PEM_write_bio_PKCS8PrivateKey");
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace openai_mock

// In-memory test PKI for the mock: a CA and a leaf it signs, as PEM strings.
// OpenSSL 3 C API only (no Asio), so a test can build odd certificates (expired, wrong
// host name, self-signed) without compiling Beast.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace openai_mock {

struct certificate_options {
  // OpenSSL's x509v3 syntax: "DNS:name" or "IP:address".
  std::vector<std::string> subject_alt_names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  std::string common_name = "localhost";
  // The leaf's validity window, relative to now. An expired leaf: {-48h, -24h}.
  std::chrono::seconds not_before = std::chrono::hours(-1);
  std::chrono::seconds not_after = std::chrono::hours(24 * 30);
  // A self-signed leaf with no CA behind it (ca_cert_pem is then empty).
  bool self_signed = false;
  // A client certificate for mutual TLS (extended key usage clientAuth) instead of a server's.
  bool client_auth = false;
  std::string ca_common_name = "openai-mock test CA";
};

// What generate_certificates needs for a client certificate: no host names, clientAuth, and a
// CA named apart from the server's.
certificate_options client_certificate_options();

struct certificate_bundle {
  std::string ca_cert_pem;    // the trust anchor a client loads; empty when self_signed
  std::string leaf_cert_pem;  // what the server presents
  std::string leaf_key_pem;   // PKCS#8 private key of the leaf
};

// Fresh P-256 keys every call. Throws std::runtime_error on an OpenSSL failure
// (e.g. a malformed subject_alt_names entry).
certificate_bundle generate_certificates(const certificate_options& options = {});

// The same key as PKCS#8 PEM encrypted (AES-256-CBC) with `passphrase`, for tests of encrypted
// client keys. Throws std::runtime_error when key_pem holds no key.
std::string encrypt_private_key(const std::string& key_pem, const std::string& passphrase);

}  // namespace openai_mock

// The client's own certificate for mutual TLS: loading it into the client's TLS context, and
// telling, after a failed handshake or first read, whether the server refused the connection for
// want of a client certificate or because it did not accept the one sent.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <string>

namespace openai::detail {

// Where the certificate chain (leaf first) and its private key come from: each a PEM file or
// PEM text, at most one of the two. The passphrase decrypts an encrypted key.
struct client_identity {
  std::string cert_file;
  std::string cert_pem;
  std::string key_file;
  std::string key_pem;
  std::string key_passphrase;

  bool empty() const noexcept {
    return cert_file.empty() && cert_pem.empty() && key_file.empty() && key_pem.empty() &&
           key_passphrase.empty();
  }
};

// Loads the identity into the context; with an empty identity, only notes (for
// client_certificate_rejection) whether a server asks for a certificate. False, with `problem`
// naming the option and the file (never key bytes or the passphrase), when the options are
// incomplete (only a certificate, only a key), a file cannot be read, the PEM holds no
// certificate or no key, the passphrase does not decrypt the key, or key and certificate do
// not belong together.
bool use_client_identity(boost::asio::ssl::context& context, const client_identity& identity,
                         std::string& problem);

// After a TLS failure `ec` on `ssl` (in the handshake, or, as TLS 1.3 reports it, on the first
// read after it): when the server's alert was about the client certificate, what that means
// ("the server requires a client certificate, and none is configured ..."); empty otherwise.
std::string client_certificate_rejection(SSL* ssl, const boost::system::error_code& ec);

}  // namespace openai::detail

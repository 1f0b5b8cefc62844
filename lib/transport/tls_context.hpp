// The TLS settings every HTTPS connection of a client shares: peer verification on, the system
// trust store as OpenSSL's defaults define it (SSL_CERT_FILE / SSL_CERT_DIR honoured) but read
// on demand rather than at start-up, plus the caller's ca_file and ca_pem.
// Built once per client; an ssl::context is safe to share between connections.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace openai::detail {

// Empty result and `problem` set when ca_file or ca_pem cannot be loaded (either may be empty).
// The context keeps the latest TLS session (ticket) its connections received, for
// offer_saved_session().
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file,
                                                            const std::string& ca_pem,
                                                            std::string& problem);

// After a handshake whose verification found no trust anchor: why the system CA bundle
// (SSL_CERT_FILE or OpenSSL's default file) could not be read when a verification last needed
// it. Its value is the errno, its message names the file; empty when verification failed for
// another reason or the bundle was read, never needed, or is not used. The next verification
// that needs the bundle reads it again.
boost::system::error_code trust_bundle_failure(SSL* ssl);

// Before a handshake: offers the context's latest session, so that a new connection to the same
// host resumes it (an abbreviated handshake: no certificate to send, decode and verify) when the
// server agrees, and falls back to a full handshake when it does not. A client's context serves
// one host, so a session is never offered to another.
void offer_saved_session(SSL* ssl);

}  // namespace openai::detail

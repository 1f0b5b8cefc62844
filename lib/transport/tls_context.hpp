// The TLS settings every HTTPS connection of a client shares: peer verification on, the system
// trust store (a hashed certificate directory looked up lazily when there is one, else OpenSSL's
// default paths; SSL_CERT_FILE and SSL_CERT_DIR are honoured), plus the caller's ca_file.
// Built once per client; an ssl::context is safe to share between connections.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace openai::detail {

// Empty result and `problem` set when ca_file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file,
                                                            std::string& problem);

}  // namespace openai::detail

#include "transport/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace openai::detail {

namespace {

namespace ssl = boost::asio::ssl;

// Whether dir holds OpenSSL's hashed links ("5ad8a5d6.0"), by which a lookup finds an issuer.
bool has_hashed_certificates(const char* dir) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == 10 && name.compare(8, 2, ".0") == 0 &&
        name.find_first_not_of("0123456789abcdef") == 8)
      return true;
  }
  return false;
}

// The system trust store. With a hashed certificate directory (Debian's /etc/ssl/certs, or
// SSL_CERT_DIR) certificates are looked up there as a handshake needs them: parsing the whole
// bundle file up front costs ~25 ms of CPU per client, which a one-shot command line pays on
// every run. SSL_CERT_FILE, or a system without a hashed directory, gets OpenSSL's defaults.
void load_system_trust(ssl::context& context, boost::system::error_code& ec) {
  const char* file_env = std::getenv(X509_get_default_cert_file_env());
  const char* dir_env = std::getenv(X509_get_default_cert_dir_env());
  const char* dir = dir_env && *dir_env ? dir_env : X509_get_default_cert_dir();
  const bool single_dir = std::string_view(dir).find(':') == std::string_view::npos;
  if ((file_env == nullptr || *file_env == '\0') && single_dir && has_hashed_certificates(dir)) {
    context.add_verify_path(dir, ec);
    return;
  }
  context.set_default_verify_paths(ec);
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file,
                                                            std::string& problem) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  context->set_verify_mode(ssl::verify_peer, ec);
  load_system_trust(*context, ec);
  if (ec) {
    problem = "cannot load the system trust store: " + ec.message();
    return nullptr;
  }
  if (!ca_file.empty()) {
    context->load_verify_file(ca_file, ec);
    if (ec) {
      problem = "cannot load ca_file '" + ca_file + "': " + ec.message();
      return nullptr;
    }
  }
  return context;
}

}  // namespace openai::detail

#include "transport/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
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

// The latest session a server gave this context's connections. TLS 1.3 tickets arrive after the
// handshake, inside a later read, on whichever thread runs it: hence the mutex.
struct saved_session {
  std::mutex mutex;
  SSL_SESSION* latest = nullptr;  // owned reference
  ~saved_session() {
    if (latest) SSL_SESSION_free(latest);
  }
};

// Where the context keeps its saved_session; freed with the context.
int saved_session_index() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* slot, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<saved_session*>(slot);
      });
  return index;
}

saved_session* saved_session_of(SSL_CTX* context) {
  return static_cast<saved_session*>(SSL_CTX_get_ex_data(context, saved_session_index()));
}

// OpenSSL's new-session callback. It keeps a copy: the session itself stays the connection's,
// and OpenSSL marks it not resumable when that connection is closed without a TLS shutdown
// (as the pool closes idle connections), which would make every later offer a full handshake.
int keep_new_session(SSL* ssl, SSL_SESSION* session) {
  saved_session* slot = saved_session_of(SSL_get_SSL_CTX(ssl));
  if (slot == nullptr) return 0;
  SSL_SESSION* copy = SSL_SESSION_dup(session);
  if (copy == nullptr) return 0;
  std::lock_guard lock(slot->mutex);
  if (slot->latest) SSL_SESSION_free(slot->latest);
  slot->latest = copy;
  return 0;  // the connection's own reference is not kept
}

void enable_session_resumption(SSL_CTX* context) {
  SSL_CTX_set_ex_data(context, saved_session_index(), new saved_session);
  // Client side, no internal cache: the callback is the cache.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(context, keep_new_session);
}

}  // namespace

void offer_saved_session(SSL* ssl) {
  saved_session* slot = saved_session_of(SSL_get_SSL_CTX(ssl));
  if (slot == nullptr) return;
  SSL_SESSION* copy = nullptr;
  {
    std::lock_guard lock(slot->mutex);
    if (slot->latest) copy = SSL_SESSION_dup(slot->latest);
  }
  if (copy == nullptr) return;
  // A copy per connection: OpenSSL writes to the session it resumes, and connections on other
  // threads may be resuming at the same time.
  SSL_set_session(ssl, copy);  // takes its own reference
  SSL_SESSION_free(copy);
}

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file,
                                                            const std::string& ca_pem,
                                                            std::string& problem) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  context->set_verify_mode(ssl::verify_peer, ec);
  enable_session_resumption(context->native_handle());
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
  if (!ca_pem.empty()) {
    context->add_certificate_authority(boost::asio::buffer(ca_pem), ec);
    if (ec) {
      problem = "cannot load ca_pem: " + ec.message();
      return nullptr;
    }
  }
  return context;
}

}  // namespace openai::detail

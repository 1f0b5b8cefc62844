#include "transport/tls_context.hpp"

#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
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

// Fills in the cached extensions (key identifiers, purposes) of every certificate in the store,
// here on one thread. OpenSSL computes them on a certificate's first use in a verification, and
// handshakes on several threads at once then write and read them at the same time (seen by
// ThreadSanitizer on a trust anchor's subject key identifier).
void cache_certificate_extensions(X509_STORE* store) {
  if (X509_STORE_lock(store) != 1) return;
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    if (X509* cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i)))
      X509_check_purpose(cert, -1, 0);
  }
  X509_STORE_unlock(store);
}

// The error of a CA bundle that could not be read: its value is the errno (bad_message: the file
// holds no certificate, as one caught half-written), its message names the file. One per path
// for the life of the process, never freed: an error_code refers to its category, and the codes
// outlive the client in callers' diagnostics.
class bundle_category final : public boost::system::error_category {
 public:
  explicit bundle_category(std::string path) : path_(std::move(path)) {}
  const char* name() const noexcept override { return "openai.ca_bundle"; }
  std::string message(int ev) const override {
    if (ev == EBADMSG) return "the CA bundle '" + path_ + "' holds no readable certificate";
    return "cannot read the CA bundle '" + path_ + "': " +
           boost::system::generic_category().message(ev);
  }
  // So that callers can compare with std::errc / boost::system::errc values.
  boost::system::error_condition default_error_condition(int ev) const noexcept override {
    return {ev, boost::system::generic_category()};
  }

 private:
  std::string path_;
};

const bundle_category& category_for(const std::string& path) {
  static std::mutex mutex;
  static auto* categories = new std::map<std::string, std::unique_ptr<bundle_category>>;
  std::lock_guard lock(mutex);
  auto& slot = (*categories)[path];
  if (!slot) slot = std::make_unique<bundle_category>(path);
  return *slot;
}

// Reads every certificate and CRL of the PEM file into the store. Each certificate's extension
// cache is filled before it is added, while no other thread can see it yet (see
// cache_certificate_extensions). Adding goes through the store's lock; the store's list of
// lookups, which concurrent verifications walk without one, is not touched (X509_STORE_load_file
// would add a file lookup to it).
boost::system::error_code read_bundle(X509_STORE* store, const std::string& path) {
  const auto& category = category_for(path);
  errno = 0;
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return {errno != 0 ? errno : EIO, category};
  BIO* in = BIO_new_fp(file, BIO_CLOSE);
  if (in == nullptr) {
    std::fclose(file);
    return {ENOMEM, category};
  }
  // The handshake's own error queue stays as it was: these errors are reported as the result.
  ERR_set_mark();
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(in, nullptr, nullptr, nullptr);
  const int read_errno = std::ferror(file) ? errno : 0;
  BIO_free(in);
  int added = 0;
  for (int i = 0; infos != nullptr && i < sk_X509_INFO_num(infos); ++i) {
    const X509_INFO* info = sk_X509_INFO_value(infos, i);
    if (info->x509 != nullptr) {
      X509_check_purpose(info->x509, -1, 0);
      added += X509_STORE_add_cert(store, info->x509);  // 1, also for one already there
    }
    if (info->crl != nullptr) added += X509_STORE_add_crl(store, info->crl);
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  ERR_pop_to_mark();
  if (read_errno != 0) return {read_errno, category};
  if (added == 0) return {EBADMSG, category};
  return {};
}

// A CA bundle file read the first time verification asks for a certificate it does not already
// have. A handshake whose issuer is in ca_file, ca_pem or the hashed directory never reads it;
// reading all ~140 certificates of the system bundle costs ~40 ms of CPU, which a one-shot
// command line would pay on every run. A read that fails (EMFILE, the file being replaced) is
// tried again by the next verification that needs it, and kept for trust_bundle_failure().
struct lazy_bundle {
  explicit lazy_bundle(std::string p) : path(std::move(p)) {}
  const std::string path;
  std::atomic<bool> loaded{false};
  std::mutex mutex;                   // one read at a time; guards `failure`
  boost::system::error_code failure;  // of the latest read, until one succeeds
};

int find_in_lazy_bundle(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                        X509_OBJECT* ret) {
  auto* bundle = static_cast<lazy_bundle*>(X509_LOOKUP_get_method_data(lookup));
  X509_STORE* store = X509_LOOKUP_get_store(lookup);
  if (bundle == nullptr || store == nullptr) return 0;
  if (!bundle->loaded.load(std::memory_order_acquire)) {
    std::lock_guard lock(bundle->mutex);
    if (!bundle->loaded.load(std::memory_order_relaxed)) {
      bundle->failure = read_bundle(store, bundle->path);
      if (!bundle->failure) bundle->loaded.store(true, std::memory_order_release);
    }
  }
  // The bundle is in the store's own cache now; answer from there. Like OpenSSL's own lookups,
  // `ret` gets no reference of its own (the caller takes one, and the store keeps the object
  // alive): set1 adds a reference, so it is dropped again.
  int found = 0;
  if (X509_STORE_lock(store) != 1) return 0;
  if (X509_OBJECT* object =
          X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), type, name)) {
    if (type == X509_LU_X509) {
      X509* cert = X509_OBJECT_get0_X509(object);
      found = X509_OBJECT_set1_X509(ret, cert);
      if (found) X509_free(cert);
    } else if (type == X509_LU_CRL) {
      X509_CRL* crl = X509_OBJECT_get0_X509_CRL(object);
      found = X509_OBJECT_set1_X509_CRL(ret, crl);
      if (found) X509_CRL_free(crl);
    }
  }
  X509_STORE_unlock(store);
  return found;
}

// Where a context keeps (without owning: its lookup owns it) its lazy_bundle.
int lazy_bundle_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

const X509_LOOKUP_METHOD* lazy_bundle_method() {
  static X509_LOOKUP_METHOD* const method = [] {
    X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("openai-asio lazy CA bundle");
    X509_LOOKUP_meth_set_get_by_subject(m, find_in_lazy_bundle);
    X509_LOOKUP_meth_set_free(m, [](X509_LOOKUP* lookup) {
      delete static_cast<lazy_bundle*>(X509_LOOKUP_get_method_data(lookup));
    });
    return m;
  }();
  return method;
}

// The system trust store as OpenSSL's defaults define it (SSL_CERT_FILE or the default bundle
// file, SSL_CERT_DIR or the default directory), looked up on demand: the hashed directory by
// OpenSSL itself, the bundle file by lazy_bundle.
void load_system_trust(ssl::context& context, boost::system::error_code& ec) {
  const char* file_env = std::getenv(X509_get_default_cert_file_env());
  const char* dir_env = std::getenv(X509_get_default_cert_dir_env());
  const char* file = file_env && *file_env ? file_env : X509_get_default_cert_file();
  const char* dir = dir_env && *dir_env ? dir_env : X509_get_default_cert_dir();
  const bool single_dir = std::string_view(dir).find(':') == std::string_view::npos;
  if (!single_dir || has_hashed_certificates(dir)) {
    context.add_verify_path(dir, ec);  // a list of directories is split by OpenSSL
    if (ec) return;
  }
  std::error_code missing;
  if (!std::filesystem::exists(file, missing)) return;
  X509_STORE* store = SSL_CTX_get_cert_store(context.native_handle());
  X509_LOOKUP* lookup =
      X509_STORE_add_lookup(store, const_cast<X509_LOOKUP_METHOD*>(lazy_bundle_method()));
  if (lookup == nullptr) {
    ec = boost::system::error_code(static_cast<int>(ERR_get_error()),
                                   boost::asio::error::get_ssl_category());
    return;
  }
  if (X509_LOOKUP_get_method_data(lookup) == nullptr) {
    auto* bundle = new lazy_bundle(file);
    X509_LOOKUP_set_method_data(lookup, bundle);
    SSL_CTX_set_ex_data(context.native_handle(), lazy_bundle_index(), bundle);
  }
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

boost::system::error_code trust_bundle_failure(SSL* ssl) {
  // Only a verification that found no trust anchor can have missed one from the bundle.
  switch (SSL_get_verify_result(ssl)) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      break;
    default:
      return {};
  }
  auto* bundle =
      static_cast<lazy_bundle*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), lazy_bundle_index()));
  if (bundle == nullptr || bundle->loaded.load(std::memory_order_acquire)) return {};
  std::lock_guard lock(bundle->mutex);
  return bundle->failure;
}

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
  cache_certificate_extensions(SSL_CTX_get_cert_store(context->native_handle()));
  return context;
}

}  // namespace openai::detail

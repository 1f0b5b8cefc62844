#include "transport/client_certificate.hpp"

#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace openai::detail {

namespace {

template <auto Free>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using key_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY_free>>;

// PEM text and how messages name where it came from ("client_cert_file '/etc/x.pem'").
struct pem_text {
  std::string name;
  std::string text;
};

// The whole file, or false with `problem` naming the option, the file and the errno's meaning.
bool read_file(const char* option, const std::string& path, std::string& out,
               std::string& problem) {
  errno = 0;
  std::unique_ptr<std::FILE, deleter<std::fclose>> file(std::fopen(path.c_str(), "rb"));
  int error = errno;
  if (file) {
    char chunk[16 * 1024];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) out.append(chunk, n);
    error = std::ferror(file.get()) ? (errno != 0 ? errno : EIO) : 0;  // EISDIR for a directory
  }
  if (!file || error != 0) {
    problem = std::string("cannot read ") + option + " '" + path +
              "': " + std::strerror(error != 0 ? error : EIO);
    return false;
  }
  return true;
}

// One of file and PEM text (an option pair such as client_cert_file / client_cert_pem).
// False with `problem` when both are set or the file cannot be read.
bool source_of(const char* file_option, const std::string& file, const char* pem_option,
               const std::string& pem, pem_text& out, std::string& problem) {
  if (!file.empty() && !pem.empty()) {
    problem = std::string("set ") + file_option + " or " + pem_option + ", not both";
    return false;
  }
  if (!pem.empty()) {
    out = {pem_option, pem};
    return true;
  }
  out.name = std::string(file_option) + " '" + file + "'";
  return read_file(file_option, file, out.text, problem);
}

bio_ptr memory_bio(const std::string& text) {
  return bio_ptr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// OpenSSL's reason for the latest error of this thread ("no start line"); never key material.
std::string latest_reason() {
  const char* reason = ERR_reason_error_string(ERR_peek_last_error());
  return reason ? reason : "unknown error";
}

// Never a terminal prompt: OpenSSL asks on stdin when no callback is given.
int refuse_passphrase(char*, int, int, void*) { return -1; }

// Every certificate of the text, in order (leaf first), or false with `problem`.
bool read_chain(const pem_text& source, std::vector<x509_ptr>& chain, std::string& problem) {
  bio_ptr in = memory_bio(source.text);
  if (!in) {
    problem = "cannot read " + source.name + ": out of memory";
    return false;
  }
  while (X509* cert = PEM_read_bio_X509(in.get(), nullptr, refuse_passphrase, nullptr))
    chain.emplace_back(cert);
  // The end of the text shows as "no start line"; anything else is a block that is broken.
  const unsigned long last = ERR_peek_last_error();
  const bool at_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (chain.empty()) {
    problem = source.name + " holds no PEM certificate" + (at_end ? "" : ": " + latest_reason());
    return false;
  }
  if (!at_end) {
    problem = source.name + ": certificate " + std::to_string(chain.size() + 1) +
              " of the chain cannot be read: " + latest_reason();
    return false;
  }
  return true;
}

// What the passphrase callback was asked, for a message that says which of the three it was:
// encrypted without a passphrase, a passphrase too long, or one that does not decrypt.
struct passphrase_request {
  const std::string* passphrase;
  bool asked = false;
  bool too_long = false;
};

int give_passphrase(char* buffer, int size, int /*writing*/, void* data) {
  auto& request = *static_cast<passphrase_request*>(data);
  request.asked = true;
  if (request.passphrase->empty()) return -1;
  if (request.passphrase->size() > static_cast<std::size_t>(size)) {
    request.too_long = true;
    return -1;
  }
  std::memcpy(buffer, request.passphrase->data(), request.passphrase->size());
  return static_cast<int>(request.passphrase->size());
}

key_ptr read_key(const pem_text& source, const std::string& passphrase, std::string& problem) {
  bio_ptr in = memory_bio(source.text);
  if (!in) {
    problem = "cannot read " + source.name + ": out of memory";
    return nullptr;
  }
  passphrase_request request{&passphrase};
  key_ptr key(PEM_read_bio_PrivateKey(in.get(), nullptr, give_passphrase, &request));
  if (key) return key;
  if (request.too_long)
    problem = "client_key_passphrase is longer than the " + std::to_string(PEM_BUFSIZE) +
              " bytes OpenSSL accepts";
  else if (request.asked && passphrase.empty())
    problem = source.name + " is an encrypted key: set client_key_passphrase";
  else if (request.asked)
    problem = "client_key_passphrase does not decrypt " + source.name + " (wrong passphrase?)";
  else
    problem = source.name + " holds no readable PEM private key";
  return nullptr;
}

// Whether the server of this connection asked for a certificate the client does not have.
// OpenSSL calls client_cert_cb only then (TLS 1.2 and 1.3 alike).
int asked_for_certificate_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

char asked_marker;  // its address marks a connection whose server asked

int note_certificate_request(SSL* ssl, X509**, EVP_PKEY**) {
  SSL_set_ex_data(ssl, asked_for_certificate_index(), &asked_marker);
  return 0;  // none to give: the handshake goes on without one, and the server decides
}

// The server's verdict on a certificate it was sent, from the alert it answered with
// (OpenSSL reports a received alert as the reason SSL_AD_REASON_OFFSET + its code).
const char* verdict_of_alert(int reason) {
  switch (reason) {
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
      return "it is not signed by a CA the server trusts";
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
      return "the server says it has expired";
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
      return "the server says it was revoked";
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
      return "the server denies it access";
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
      return "";
    default:
      return nullptr;
  }
}

bool load_identity(SSL_CTX* context, const client_identity& id, std::string& problem) {
  const bool has_cert = !id.cert_file.empty() || !id.cert_pem.empty();
  const bool has_key = !id.key_file.empty() || !id.key_pem.empty();
  if (!has_key) {
    problem = has_cert ? "a client certificate (client_cert_file or client_cert_pem) needs its "
                         "private key: set client_key_file or client_key_pem too"
                       : "client_key_passphrase is set but no client key is";
    return false;
  }
  if (!has_cert) {
    problem =
        "a client key (client_key_file or client_key_pem) needs its certificate: set "
        "client_cert_file or client_cert_pem too";
    return false;
  }
  pem_text cert_source, key_source;
  std::vector<x509_ptr> chain;
  if (!source_of("client_cert_file", id.cert_file, "client_cert_pem", id.cert_pem, cert_source,
                 problem) ||
      !read_chain(cert_source, chain, problem) ||
      !source_of("client_key_file", id.key_file, "client_key_pem", id.key_pem, key_source, problem))
    return false;
  key_ptr key = read_key(key_source, id.key_passphrase, problem);
  if (!key) return false;

  if (SSL_CTX_use_certificate(context, chain.front().get()) != 1) {
    problem = "cannot use the certificate of " + cert_source.name + ": " + latest_reason();
    return false;
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(context, chain[i].get()) != 1) {
      problem = "cannot use certificate " + std::to_string(i + 1) + " of " + cert_source.name +
                ": " + latest_reason();
      return false;
    }
  }
  // use_PrivateKey refuses a key of the certificate's type that is not its own; a key of
  // another type is filed apart and check_private_key finds the certificate without one.
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    problem = "the private key of " + key_source.name + " does not match the certificate of " +
              cert_source.name;
    return false;
  }
  return true;
}

}  // namespace

bool use_client_identity(boost::asio::ssl::context& context, const client_identity& identity,
                         std::string& problem) {
  SSL_CTX* native = context.native_handle();
  if (identity.empty()) {
    SSL_CTX_set_client_cert_cb(native, note_certificate_request);
    return true;
  }
  // This thread's error queue is left as it was: what went wrong is in `problem`.
  ERR_set_mark();
  const bool ok = load_identity(native, identity, problem);
  ERR_pop_to_mark();
  return ok;
}

std::string client_certificate_rejection(SSL* ssl, const boost::system::error_code& ec) {
  if (ssl == nullptr || ec.category() != boost::asio::error::get_ssl_category()) return {};
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  if (SSL_get_certificate(ssl) == nullptr) {
    const bool asked = SSL_get_ex_data(ssl, asked_for_certificate_index()) != nullptr;
    // TLS 1.3 has an alert of its own; a TLS 1.2 server answers with a general one.
    if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
        (asked && (reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE || verdict_of_alert(reason))))
      return "the server requires a client certificate, and none is configured "
             "(client_cert_file and client_key_file, or client_cert_pem and client_key_pem)";
    return {};
  }
  const char* verdict = verdict_of_alert(reason);
  if (verdict == nullptr) return {};
  std::string why = "the server did not accept the client certificate";
  if (*verdict != '\0') why += std::string(": ") + verdict;
  return why;
}

}  // namespace openai::detail

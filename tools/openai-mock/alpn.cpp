#include "alpn.hpp"

#include <string_view>

namespace openai_mock {

namespace {

// Wire format: each name preceded by its length; the server's order of preference.
constexpr unsigned char h2_then_http1[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char http1_only[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

int select_from(const unsigned char* prefs, unsigned prefs_len, const unsigned char** out,
                unsigned char* outlen, const unsigned char* in, unsigned inlen) {
  unsigned char* chosen = nullptr;
  // The first of `prefs` the client also offers; OpenSSL's API takes non-const pointers.
  if (SSL_select_next_proto(&chosen, outlen, prefs, prefs_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;  // no protocol in common: go on without ALPN (HTTP/1.1)
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

int select_h2_or_http1(SSL*, const unsigned char** out, unsigned char* outlen,
                       const unsigned char* in, unsigned inlen, void*) {
  return select_from(h2_then_http1, sizeof h2_then_http1, out, outlen, in, inlen);
}

int select_http1(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                 unsigned inlen, void*) {
  return select_from(http1_only, sizeof http1_only, out, outlen, in, inlen);
}

}  // namespace

void select_alpn(SSL_CTX* ctx, bool offer_h2) {
  SSL_CTX_set_alpn_select_cb(ctx, offer_h2 ? select_h2_or_http1 : select_http1, nullptr);
}

bool negotiated_h2(const SSL* ssl) {
  const unsigned char* proto = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl, &proto, &len);
  return proto && std::string_view(reinterpret_cast<const char*>(proto), len) == "h2";
}

}  // namespace openai_mock

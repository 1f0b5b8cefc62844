// ALPN on the mock's TLS context: which protocol a TLS connection speaks. Plain OpenSSL, so
// neither the listener nor the TLS context code needs to know about HTTP/2.
#pragma once

#include <openssl/ssl.h>

namespace openai_mock {

// Installs the ALPN selection: "h2" when the client offers it and `offer_h2`, else "http/1.1"
// when offered; a client offering neither gets no ALPN answer and is served HTTP/1.1.
void select_alpn(SSL_CTX* ctx, bool offer_h2);

// True when the handshake of `ssl` selected "h2".
bool negotiated_h2(const SSL* ssl);

}  // namespace openai_mock

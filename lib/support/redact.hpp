// The one place that takes a secret (the API key, a proxy's password and Basic credential) out
// of text headed for a message or a log.
#pragma once

#include <string>
#include <string_view>

namespace openai::detail {

// What stands where the secret was.
inline constexpr std::string_view redaction_mark = "[redacted]";

// Replaces every occurrence of `secret` in `text` with redaction_mark. A secret shorter than
// four characters is left alone: no real key is that short, and replacing every "sk" would
// mangle the message. Run it before text is cut to length, so no prefix of a secret survives.
void redact(std::string& text, std::string_view secret);

// A redacted copy.
std::string redacted(std::string_view text, std::string_view secret);

// Every secret of a client. Made from the API key alone where there is no proxy.
struct secrets {
  secrets() = default;
  // Implicit on purpose: where only the key is known, the key is what is passed.
  secrets(std::string_view key) : api_key(key) {}
  secrets(const std::string& key) : api_key(key) {}
  secrets(const char* key) : api_key(key) {}
  secrets(std::string_view key, std::string_view password, std::string_view credential)
      : api_key(key), proxy_password(password), proxy_credential(credential) {}
  std::string_view api_key;
  std::string_view proxy_password;    // percent-decoded, from the proxy URL's user info
  std::string_view proxy_credential;  // the Proxy-Authorization value ("Basic ...")
};

// Each of them in turn, the longest first so that none is left half-replaced.
void redact_all(std::string& text, const secrets& all);
std::string redacted_all(std::string_view text, const secrets& all);

}  // namespace openai::detail

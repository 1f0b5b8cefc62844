#include "support/redact.hpp"

#include <algorithm>
#include <iterator>

namespace openai::detail {

void redact(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;
  // The search goes on after the mark, never inside it: a secret that occurs in the mark's own
  // text ("dact") would otherwise be found again forever.
  for (auto pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + redaction_mark.size()))
    text.replace(pos, secret.size(), redaction_mark);
}

void redact_all(std::string& text, const secrets& all) {
  std::string_view each[] = {all.proxy_credential, all.api_key, all.proxy_password};
  std::sort(std::begin(each), std::end(each),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (const auto secret : each) redact(text, secret);
  // The credential's base64 alone ("Basic " may be cut or logged apart).
  constexpr std::string_view basic = "Basic ";
  if (all.proxy_credential.starts_with(basic)) redact(text, all.proxy_credential.substr(basic.size()));
}

std::string redacted_all(std::string_view text, const secrets& all) {
  std::string out(text);
  redact_all(out, all);
  return out;
}

std::string redacted(std::string_view text, std::string_view secret) {
  std::string out(text);
  redact(out, secret);
  return out;
}

}  // namespace openai::detail

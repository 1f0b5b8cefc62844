#include "support/redact.hpp"

namespace openai::detail {

void redact(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;
  // The search goes on after the mark, never inside it: a secret that occurs in the mark's own
  // text ("dact") would otherwise be found again forever.
  for (auto pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + redaction_mark.size()))
    text.replace(pos, secret.size(), redaction_mark);
}

std::string redacted(std::string_view text, std::string_view secret) {
  std::string out(text);
  redact(out, secret);
  return out;
}

}  // namespace openai::detail

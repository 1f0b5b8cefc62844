// The one place that takes a secret (the API key) out of text headed for a message or a log.
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

}  // namespace openai::detail

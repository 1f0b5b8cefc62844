#include <openai/error.hpp>
#include <openai/metadata.hpp>

#include <cstdint>

namespace openai {

std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (lead < 0x80) {
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1, cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, cp = lead & 0x07;
    } else {
      return std::string_view::npos;  // stray continuation byte or 0xF8..0xFF
    }
    if (extra > s.size() - i - 1) return std::string_view::npos;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return std::string_view::npos;
      cp = (cp << 6) | (next & 0x3F);
    }
    // Overlong encodings, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return std::string_view::npos;
    i += extra + 1;
    ++count;
  }
  return count;
}

namespace {

// Shown in messages: enough of a key to recognise it, never an unbounded copy.
std::string excerpt(std::string_view s) {
  constexpr std::size_t shown = 20;
  if (s.size() <= shown) return std::string(s);
  std::size_t cut = shown;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

}  // namespace

std::vector<std::string> metadata_violations(const metadata& md) {
  std::vector<std::string> violations;
  if (md.size() > max_metadata_pairs) {
    violations.push_back("metadata has " + std::to_string(md.size()) + " pairs; at most " +
                         std::to_string(max_metadata_pairs) + " are allowed");
  }
  for (const auto& [key, value] : md) {
    const std::size_t key_length = utf8_length(key);
    // Invalid bytes are never echoed: they would corrupt whatever prints the message.
    std::string key_name = "(not UTF-8)";
    if (key_length != std::string_view::npos) key_name.assign("'").append(excerpt(key)).append("'");
    if (key_length == std::string_view::npos) {
      // Not echoed: invalid bytes would corrupt whatever prints the message.
      violations.push_back("a metadata key is not valid UTF-8");
    } else if (key_length > max_metadata_key_length) {
      violations.push_back("metadata key '" + excerpt(key) + "' has " +
                           std::to_string(key_length) + " characters; at most " +
                           std::to_string(max_metadata_key_length) + " are allowed");
    }
    const std::size_t value_length = utf8_length(value);
    if (value_length == std::string_view::npos) {
      violations.push_back("metadata value of key " + key_name + " is not valid UTF-8");
    } else if (value_length > max_metadata_value_length) {
      violations.push_back("metadata value of key " + key_name + " has " +
                           std::to_string(value_length) + " characters; at most " +
                           std::to_string(max_metadata_value_length) + " are allowed");
    }
  }
  return violations;
}

void validate(const metadata& md) {
  auto violations = metadata_violations(md);
  if (!violations.empty()) throw validation_error(std::move(violations));
}

}  // namespace openai

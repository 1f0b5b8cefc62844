#include <openai/error.hpp>
#include <openai/metadata.hpp>

#include "support/text.hpp"

#include <cstdint>

namespace openai {

std::size_t utf8_length(std::string_view s) noexcept { return detail::utf8_length(s); }

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

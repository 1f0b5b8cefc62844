#include "support/text.hpp"

#include <cstdint>

namespace openai::detail {

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

std::string printable_excerpt(std::string_view s, std::size_t limit) {
  std::string out;
  const bool truncated = s.size() > limit;
  if (truncated) {
    s = s.substr(0, limit);
    // Do not cut a UTF-8 sequence in half.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.remove_suffix(1);
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.remove_suffix(1);
  }
  const bool valid_utf8 = utf8_length(s) != std::string_view::npos;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || (u >= 0x80 && !valid_utf8))
      out += '?';
    else
      out += c;
  }
  if (truncated) out += "...";
  return out;
}

}  // namespace openai::detail

// Shared by the fuzz targets: an always-on check and independent oracles for the properties the
// library promises. The oracles are written differently from lib/ on purpose: a check that
// reuses the code under test cannot catch its bugs.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

// Not assert(): must also fire in builds with NDEBUG.
#define FUZZ_CHECK(cond, ...)                                                         \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: check failed: %s\n  ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                              \
      std::fprintf(stderr, "\n");                                                     \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)

namespace fuzz {

// Code points in s when it is well-formed UTF-8, by the table of well-formed byte sequences
// (Unicode 15, table 3-7); nullopt otherwise.
inline std::optional<std::size_t> reference_utf8_length(std::string_view s) {
  std::size_t count = 0;
  std::size_t i = 0;
  auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
    if (i + k >= s.size()) return false;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return b >= lo && b <= hi;
  };
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (b <= 0x7F)
      n = 1;
    else if (b >= 0xC2 && b <= 0xDF && in(1, 0x80, 0xBF))
      n = 2;
    else if (b == 0xE0 && in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF))
      n = 3;
    else if (((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) && in(1, 0x80, 0xBF) &&
             in(2, 0x80, 0xBF))
      n = 3;
    else if (b == 0xED && in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF))
      n = 3;
    else if (b == 0xF0 && in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF))
      n = 4;
    else if (b >= 0xF1 && b <= 0xF3 && in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF))
      n = 4;
    else if (b == 0xF4 && in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF))
      n = 4;
    else
      return std::nullopt;
    i += n;
    ++count;
  }
  return count;
}

inline bool is_valid_utf8(std::string_view s) { return reference_utf8_length(s).has_value(); }

// Safe to print on a terminal or in a log line: valid UTF-8 without C0 controls or DEL.
inline bool is_printable(std::string_view s) {
  if (!is_valid_utf8(s)) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return true;
}

// For messages: the bytes of s, escaped, at most 300 of them.
inline std::string show(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 300; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7F && u != '\\') {
      out += static_cast<char>(u);
    } else {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  if (s.size() > 300) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace fuzz

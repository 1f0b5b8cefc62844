// Text that may be printed: UTF-8 validity and bounded, printable excerpts of what a server or a
// user sent. The lowest layer: knows nothing of HTTP or of the API.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace openai::detail {

// Number of Unicode code points in s, or npos when s is not valid UTF-8 (overlong forms,
// surrogates and values above U+10FFFF are invalid).
std::size_t utf8_length(std::string_view s) noexcept;

// At most `limit` bytes of s with control characters and invalid UTF-8 replaced: safe to print.
std::string printable_excerpt(std::string_view s, std::size_t limit = 200);

}  // namespace openai::detail

// Metadata of a stored chat completion: at most 16 string pairs, keys of at most 64 characters,
// values of at most 512 characters (characters are Unicode code points of valid UTF-8).
//
//   openai::metadata md{{"experiment", "b7"}, {"reviewed", "yes"}};
//   openai::validate(md);   // throws openai::validation_error naming every violation
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace openai {

// Ordered, so the same metadata always serializes the same way.
using metadata = std::map<std::string, std::string>;

inline constexpr std::size_t max_metadata_pairs = 16;
inline constexpr std::size_t max_metadata_key_length = 64;
inline constexpr std::size_t max_metadata_value_length = 512;

// Every rule md breaks, one readable sentence each; empty when md is valid.
std::vector<std::string> metadata_violations(const metadata& md);

// Throws openai::validation_error when metadata_violations(md) is not empty.
void validate(const metadata& md);

// Number of Unicode code points in s, or npos when s is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF are invalid).
std::size_t utf8_length(std::string_view s) noexcept;

}  // namespace openai

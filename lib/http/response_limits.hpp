// How much of a response the reader may take in besides its body, so that no server can make
// the client buffer or read without end: decisions only, no I/O.
//
// The body is capped by max_response_bytes (the parser's body limit). Everything else is capped
// here: the status line and headers (interim 1xx responses included), each chunk header with its
// extensions, the trailers, and the chunk framing of the whole body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace openai::detail::http {

struct response_limits {
  static constexpr std::uint32_t header_bytes = 64 * 1024;         // status line + fields
  static constexpr std::size_t chunk_header_bytes = 4 * 1024;      // size line with extensions
  static constexpr std::size_t trailer_bytes = 64 * 1024;          // last chunk + trailer fields
  static constexpr std::size_t chunk_framing_bytes = 1024 * 1024;  // all chunk headers together
  // Every byte of a response that is not body: headers of the final and of interim responses,
  // chunk framing and trailers.
  static constexpr std::size_t overhead_bytes =
      2 * header_bytes + chunk_framing_bytes + trailer_bytes;
};

// Whether `unparsed` (bytes read but not yet taken by the parser, which takes body bytes as
// they come) begins with the last chunk ("0", optionally "000…", then ";ext" or CRLF), after
// the CRLF that ends the previous chunk's data.
inline bool starts_last_chunk(std::string_view unparsed) noexcept {
  if (unparsed.substr(0, 2) == "\r\n") unparsed.remove_prefix(2);
  std::size_t zeros = 0;
  while (zeros < unparsed.size() && unparsed[zeros] == '0') ++zeros;
  if (zeros == 0) return false;
  return zeros == unparsed.size() || unparsed[zeros] == ';' || unparsed[zeros] == '\r' ||
         unparsed[zeros] == ' ' || unparsed[zeros] == '\t';
}

// How many unparsed bytes may wait for the rest of one element of a chunked body: a chunk
// header (its size line) or, once the last chunk has begun, the trailers.
inline std::size_t chunked_unparsed_allowance(std::string_view unparsed) noexcept {
  return starts_last_chunk(unparsed) ? response_limits::trailer_bytes
                                     : response_limits::chunk_header_bytes;
}

}  // namespace openai::detail::http

// HTTP/2 frames a hostile or broken server sends, built by hand (nghttp2's server session would
// never produce them): the mock's HTTP/2 faults write them into the connection between the
// frames nghttp2 produces, and the client's unit tests feed them to its session. Pure functions,
// no I/O.
//
// Their header blocks never touch the HPACK dynamic table (indexed static entries and literals
// "without indexing" only), so that the mock's nghttp2 encoder and the client's decoder still
// agree on it after a fault that fails only one stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace openai_mock::hostile {

inline constexpr std::uint8_t type_data = 0x0, type_headers = 0x1, type_settings = 0x4,
                              type_push_promise = 0x5, type_ping = 0x6, type_continuation = 0x9;
inline constexpr std::uint8_t flag_end_stream = 0x1, flag_end_headers = 0x4;
// The largest frame a peer may send before SETTINGS_MAX_FRAME_SIZE says more (RFC 9113 6.5.2).
inline constexpr std::size_t default_max_frame_size = 16384;

inline std::string frame(std::uint8_t type, std::uint8_t flags, std::int32_t stream,
                         std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  const auto id = static_cast<std::uint32_t>(stream) & 0x7fffffffu;
  std::string out{
      static_cast<char>(n >> 16),  static_cast<char>(n >> 8),  static_cast<char>(n),
      static_cast<char>(type),     static_cast<char>(flags),   static_cast<char>(id >> 24),
      static_cast<char>(id >> 16), static_cast<char>(id >> 8), static_cast<char>(id)};
  out.append(payload);
  return out;
}

// An HPACK integer (RFC 7541 5.1) with a `prefix`-bit prefix, `high` the bits above it.
inline std::string hpack_integer(unsigned prefix, std::uint8_t high, std::size_t value) {
  const std::size_t max = (std::size_t{1} << prefix) - 1;
  std::string out;
  if (value < max) {
    out.push_back(static_cast<char>(high | value));
    return out;
  }
  out.push_back(static_cast<char>(high | max));
  value -= max;
  while (value >= 128) {
    out.push_back(static_cast<char>(0x80 | (value & 0x7f)));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

// A literal field without indexing, with a literal name (RFC 7541 6.2.2): no table change.
inline std::string literal(std::string_view name, std::string_view value) {
  std::string out(1, '\0');
  out += hpack_integer(7, 0, name.size());
  out.append(name);
  out += hpack_integer(7, 0, value.size());
  out.append(value);
  return out;
}

inline constexpr std::string_view status_200 = "\x88";  // static table entry 8

// HEADERS without END_HEADERS, then `continuations` CONTINUATION frames of one 100-byte field
// each, the last one ending the block: more than any client should accept for one block.
inline std::string continuation_flood(std::int32_t stream, std::size_t continuations) {
  std::string out = frame(type_headers, 0, stream, status_200);
  const std::string field = literal("x-flood", std::string(100, 'f'));
  for (std::size_t i = 0; i < continuations; ++i)
    out += frame(type_continuation, i + 1 == continuations ? flag_end_headers : 0, stream, field);
  return out;
}

// PUSH_PROMISE on `stream`, promising stream 2, whatever SETTINGS_ENABLE_PUSH said.
inline std::string push_promise(std::int32_t stream) {
  std::string payload("\x00\x00\x00\x02", 4);
  payload += "\x82\x87\x84";  // :method GET, :scheme https, :path /
  payload += std::string("\x01", 1) + hpack_integer(7, 0, 9) + "localhost";  // :authority
  return frame(type_push_promise, flag_end_headers, stream, payload);
}

// HEADERS whose block names a table index far beyond any table (COMPRESSION_ERROR).
inline std::string bad_hpack(std::int32_t stream) {
  return frame(type_headers, flag_end_headers, stream, hpack_integer(7, 0x80, 1u << 30));
}

// A final response's HEADERS, then DATA one byte larger than the client allows
// (FRAME_SIZE_ERROR).
inline std::string oversized_data(std::int32_t stream) {
  return frame(type_headers, flag_end_headers, stream, status_200) +
         frame(type_data, flag_end_stream, stream, std::string(default_max_frame_size + 1, 'x'));
}

// A response of one header block and END_STREAM: HEADERS, then CONTINUATION frames as the
// block needs (16 KiB each at most).
inline std::string complete_response(std::int32_t stream, std::string_view block) {
  std::string out;
  for (std::size_t at = 0; at < block.size(); at += default_max_frame_size) {
    const bool first = at == 0, last = at + default_max_frame_size >= block.size();
    out += frame(
        first ? type_headers : type_continuation,
        static_cast<std::uint8_t>((first ? flag_end_stream : 0) | (last ? flag_end_headers : 0)),
        stream, block.substr(at, default_max_frame_size));
  }
  return out;
}

// A complete response of `fields` tiny header fields (4 bytes each on the wire): few bytes,
// many fields.
inline std::string header_field_bomb(std::int32_t stream, std::size_t fields) {
  std::string block(status_200);
  const std::string field = literal("a", "");
  for (std::size_t i = 0; i < fields; ++i) block += field;
  return complete_response(stream, block);
}

// A complete response whose header fields carry at least `bytes` bytes, in HEADERS and as many
// CONTINUATION frames as that takes (at most 16 KiB each).
inline std::string huge_headers(std::int32_t stream, std::size_t bytes) {
  std::string block(status_200);
  for (std::size_t i = 0; block.size() < bytes; ++i)
    block += literal("x-big-" + std::to_string(i), std::string(4000, 'b'));
  return complete_response(stream, block);
}

// `pings` PING frames at once, each of which the client must ACK.
inline std::string ping_flood(std::size_t pings) {
  std::string out;
  for (std::size_t i = 0; i < pings; ++i) out += frame(type_ping, 0, 0, std::string(8, 'p'));
  return out;
}

// `frames` empty SETTINGS frames at once, each of which the client must ACK.
inline std::string settings_flood(std::size_t frames) {
  std::string out;
  for (std::size_t i = 0; i < frames; ++i) out += frame(type_settings, 0, 0, {});
  return out;
}

// One SETTINGS frame of `entries` entries (unknown identifiers, which a peer must ignore).
inline std::string many_settings(std::size_t entries) {
  std::string payload;
  for (std::size_t i = 0; i < entries; ++i) {
    const std::uint16_t id = static_cast<std::uint16_t>(0x100 + i);
    payload += {static_cast<char>(id >> 8), static_cast<char>(id), 0, 0, 0, 0};
  }
  return frame(type_settings, 0, 0, payload);
}

}  // namespace openai_mock::hostile

// Durations as the OpenAI API writes them in x-ratelimit-reset-*: Go's time.Duration.String()
// at millisecond precision ("0s", "120ms", "1.5s", "6m0s", "1m30.5s", "1h0m0s"), and the
// reverse for openai-mock's flags. Pure functions, no Asio.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace openai_mock {

// Under a second: whole milliseconds ("120ms"); else seconds with up to three decimals and no
// trailing zeros ("1.5s", "59.9s"), after minutes ("6m0s") and hours ("1h0m0s") when there are
// any. Zero is "0s"; a negative duration is written as zero.
std::string go_duration(std::chrono::milliseconds d);

// Go's time.ParseDuration, without signs: a sequence of decimal numbers each with a unit
// (ns, us, µs, ms, s, m, h), "1m30.5s", "25ms", "0.5s"; "0" alone is zero. nullopt for
// anything else (no unit, an unknown unit, a sign, garbage).
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace openai_mock

// YAML in and out: standard input's mapping of flags and --metadata are read by libfyaml
// (yaml_reader.cpp, YAML 1.2, of which JSON is a subset, so one reader serves both);
// --format yaml is written by yaml-cpp's emitter (yaml_text.cpp).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "usage_error.hpp"

namespace openai_cli {

// The value YAML text denotes, with every scalar kept as the text written ({n: 5} gives "5",
// as the metadata API wants strings) except null (null, ~, or nothing), which stays null.
// Throws usage_error naming the line and column of a syntax error, prefixed with `what`; text
// after the value (a second document, '{a: b} x') is an error, never dropped.
boost::json::value parse_yaml(std::string_view text, std::string_view what);

// v as a YAML block document (no trailing newline). Strings that would read back as another
// type are quoted.
std::string to_yaml(const boost::json::value& v);

}  // namespace openai_cli

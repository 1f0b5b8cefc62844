// The JSON text of --format json and jsonl as the official CLI lays it out and colours it (it
// uses github.com/tidwall/pretty): two-space indentation, an array that fits in 80 columns on
// one line as `[1, 2, 3]` (never one holding an object), `{}` and `[]` for empty ones; scalars
// copied from the input text unchanged, so numbers and escapes stay as the server wrote them.
// No I/O.
//
//   indented_json(R"({"a":[1,2],"b":{"c":null}})")
//     == "{\n  \"a\": [1, 2],\n  \"b\": {\n    \"c\": null\n  }\n}"
#pragma once

#include <string>
#include <string_view>

namespace openai_cli {

// text (valid JSON, any spacing) re-laid out; no trailing newline.
std::string indented_json(std::string_view text);

// text with ANSI colours: keys bright blue, strings bright green, numbers bright yellow,
// true/false bright cyan, null bright red, escapes inside strings magenta.
std::string coloured_json(std::string_view text);

}  // namespace openai_cli

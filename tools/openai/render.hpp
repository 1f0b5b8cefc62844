// What a result or an error looks like in each --format: the text, without I/O. The caller
// decides colour (a terminal, FORCE_COLOR, NO_COLOR) and passes it in.
//
//   render(completion, {.format = output_format::yaml})  ->  "object: chat.completion\n..."
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <openai/error.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "args.hpp"

namespace openai_cli {

struct render_options {
  output_format format = output_format::pretty;
  bool color = false;       // ANSI colours for the JSON forms
  bool raw_output = false;  // -r: a string result is printed as its bare text
  bool list_item = false;   // one item of a list: the default prints it on one line
};

// One result (an object, or what --transform selected). No trailing newline. `explore` is
// rendered as json (the caller warns). yaml items of a list start with a `---` line.
std::string render(const boost::json::value& v, const render_options& o);

// --transform: what path selects in v, or v itself when it selects nothing (as the official
// CLI does). No path: v.
boost::json::value transformed(const boost::json::value& v, const std::optional<std::string>& path);

// Whether colour is on: stdout a terminal or FORCE_COLOR=1, and never with NO_COLOR set.
bool want_color(bool stdout_is_terminal, const env_lookup& env);

// The API error object that --format-error json and --transform-error work on: the server's
// error fields ({"message","type","param","code"}) when it sent them, else {"message", and
// "status_code" when there was an HTTP status}.
boost::json::value error_object(boost::system::error_code kind, const openai::diagnostics& d,
                                std::string_view fallback_message);

// The official CLI's multi-line summary (--format-error text): "HTTP 404: Not Found.", the
// server's message, "Request ID: ...", and a hint. No trailing newline.
std::string error_summary(boost::system::error_code kind, const openai::diagnostics& d,
                          std::string_view fallback_message);

// Everything that goes to stderr for a failed call, in the chosen error format: the one-line
// summary (auto), the multi-line summary (text), or the error object (with --transform-error).
std::string render_error(boost::system::error_code kind, const openai::diagnostics& d,
                         std::string_view fallback_message, const global_options& g, bool color);

}  // namespace openai_cli

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
  // The response body as received, when the value rendered is that whole response (empty
  // otherwise): raw prints it unchanged, json and explore lay out its text.
  std::string_view received;
};

// One result (an object, or what --transform selected). No trailing newline. auto, json and
// explore are indented as the official CLI indents (json_layout.hpp), except that auto prints
// list items on one line; jsonl is one line; `explore` is rendered as json (the caller warns).
// yaml items of a list start with a `---` line.
std::string render(const boost::json::value& v, const render_options& o);

// --transform: what path selects in v, or v itself when it selects nothing (as the official
// CLI does). No path: v.
boost::json::value transformed(const boost::json::value& v, const std::optional<std::string>& path);

// Whether colour is on: stdout a terminal or FORCE_COLOR=1, not with FORCE_COLOR=0, and never
// with NO_COLOR set.
bool want_color(bool stdout_is_terminal, const env_lookup& env);

// The API error object that --format-error json and --transform-error work on: the server's
// error fields ({"message","type","param","code"}) when it sent them, else {"message", and
// "status_code" when there was an HTTP status}.
boost::json::value error_object(boost::system::error_code kind, const openai::diagnostics& d,
                                std::string_view fallback_message);

// The official CLI's summary of an answer with an HTTP error status: "HTTP 404: Not Found.",
// "Request ID: ..." (unless hidden or not an id), the server's message (which the newest
// official release leaves out; the issue keeps it), a hint, and where the details are. No
// trailing newline.
std::string error_summary(boost::system::error_code kind, const openai::diagnostics& d,
                          std::string_view fallback_message, bool show_request_id = true);

// Everything that goes to stderr for a failed call, in the chosen error format: auto and text
// give the summary for an HTTP error status and format_error()'s one line otherwise; the data
// formats, or --transform-error, print the error object.
std::string render_error(boost::system::error_code kind, const openai::diagnostics& d,
                         std::string_view fallback_message, const global_options& g, bool color);

}  // namespace openai_cli

// The --metadata argument: JSON ('{"foo":"bar"}'), the YAML flow mapping of the
// documentation ('{foo: string, "two words": x}'), null, or @path naming a file (or @- for
// standard input) that holds either or a block YAML mapping; all read as YAML 1.2 by
// libfyaml (so ' #' starts a comment). Unquoted scalars are strings ({n: 5} gives "5"); nested
// objects or arrays, null values and duplicate keys are usage errors. No I/O of its own: files
// are read through the reader passed in.
#pragma once

#include <functional>
#include <openai/metadata.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "usage_error.hpp"

namespace openai_cli {

// Reads a whole file (path "-" is standard input); throws usage_error when it cannot.
using file_reader = std::function<std::string(const std::string& path)>;
std::string read_file_or_stdin(const std::string& path);

// The mapping a --metadata argument denotes, or std::nullopt for `null`. Throws usage_error
// naming the position of the problem. Does not check the API's limits (openai::validate does).
std::optional<openai::metadata> parse_metadata_argument(std::string_view text,
                                                        const file_reader& read);

// The text alone (what parse_metadata_argument does after reading @path).
std::optional<openai::metadata> parse_metadata_text(std::string_view text);

// Inside a mapping, the official CLI's file references: a value "@path" is the file's text
// (base64 when it is not UTF-8 text; "@name" without '.', '/' or '\\' that names no file stays
// the text "@name"), "@file://path" its text, "@data://path" its bytes in
// base64; "\\@..." is the literal text "@...". Applied by parse_metadata_argument.
void resolve_file_references(openai::metadata& md, const file_reader& read);

// One list filter: KEY=VALUE (the first '=' splits), or a mapping as above.
openai::metadata parse_metadata_filter(std::string_view text, const file_reader& read);

}  // namespace openai_cli

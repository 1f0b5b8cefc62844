// What the command line prints besides render.hpp's formats: the one-line JSON of a value,
// the one-line error report and the exit status of a failure. No I/O: each function returns
// the text.
#pragma once

#include <boost/json/fwd.hpp>
#include <boost/system/error_code.hpp>
#include <openai/error.hpp>
#include <string>
#include <string_view>

#include "args.hpp"

namespace openai_cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // the API or the network said no
inline constexpr int exit_usage = 2;    // bad input: nothing was sent

// One line, keys in order (doubles keep a fraction: 1.0, not Boost.JSON's 1E0). No trailing
// newline. The indented and coloured forms are json_layout.hpp's, over this text.
std::string compact_json(const boost::json::value& v);

// The reason phrase of an HTTP status ("Not Found"), or nullptr for one without a common name.
const char* status_reason(unsigned status) noexcept;

// The exit status for a failure of kind (an openai::errc): 2 for input and configuration
// problems (nothing was sent), 1 otherwise.
int exit_status_for(boost::system::error_code kind) noexcept;

// One line (no newline at the end) for a failed call, starting "openai: ": the HTTP status, the
// server's message, error type, code, param and request id for API errors; the cause and the
// attempts for network errors; every violation for validation errors.
std::string format_error(boost::system::error_code kind, const openai::diagnostics& d,
                         std::string_view fallback_message = {});

// The library's one redaction (openai::redact), for the command line's own messages too.
using openai::redact;

}  // namespace openai_cli

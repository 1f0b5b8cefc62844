// --debug: the library's debug_log lines as the command line prints them. The library says what
// it sent and got ("openai-asio: -> GET /v1/chat/completions/x attempt 1", the header lines,
// "openai-asio: <- GET ... attempt 1: 200 request id req_1 in 3.1 ms"); this adds the origin
// of the base URL, so a line shows the whole URL, and the "openai: debug: " prefix. No I/O.
#pragma once

#include <string>
#include <string_view>

namespace openai_cli {

// "https://host:port" of a base URL (via Boost.URL); empty when it does not parse.
std::string url_origin(std::string_view base_url);

// One library line as printed (no newline):
//   openai: debug: request GET https://h/v1/chat/completions/x attempt 1 authorization: Bearer
//   [redacted] openai: debug:    Authorization: Bearer <REDACTED> openai: debug: response 200 GET
//   https://h/v1/chat/completions/x request-id: req_1 attempt: 1 elapsed: 3.1 ms
std::string debug_line(std::string_view library_line, std::string_view origin);

}  // namespace openai_cli

// A request as HTTP/1.1 bytes.
#pragma once

#include "http/message.hpp"

#include <string>

namespace openai::detail::http {

// The request into `wire` (cleared first, its capacity reused): request line, common headers
// (less those an extra header replaces), extra headers (the last of a name wins), Content-Length
// when there is a body or the method is POST, then the body. One buffer: one write.
void render_request(const request& r, std::string& wire);

}  // namespace openai::detail::http

// What is sent: method, target, headers and body of every request, built in one place.
// No I/O: a request that cannot be built (bad id, bad metadata) never reaches a socket.
#pragma once

#include "url.hpp"

#include <openai/client.hpp>
#include <openai/metadata.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace openai::detail {

using header = std::pair<std::string, std::string>;
using header_list = std::vector<header>;

enum class http_method { get, post, delete_ };

struct http_request {
  http_method method = http_method::get;
  std::string target;  // origin-form: "/v1/chat/completions/chatcmpl-1?x=y"
  std::string body;    // JSON, or empty for GET and DELETE
  // Headers every request of the client carries (Host, Authorization, ...): built once per
  // client and shared, so the hot path copies no strings for them.
  std::shared_ptr<const header_list> common_headers;
  // Per call; same name (any case) as a common header replaces it. make_request refuses names
  // that are not tokens, values with CR/LF/NUL, and Content-Length / Transfer-Encoding.
  header_list extra_headers;
};

// The headers of every request of a client with these options and this base URL.
std::shared_ptr<const header_list> make_common_headers(const client_options& options,
                                                       const base_url& url);

// The request of any call (update, retrieve, delete, list, list messages). Empty result when
// the call's input is invalid, with every violation appended to `violations`.
std::optional<http_request> make_request(const base_url& url, const call& c,
                                         const request_options& options,
                                         std::vector<std::string>& violations);

// POST {base}/chat/completions/{id} with {"metadata": md}: make_request for an update.
std::optional<http_request> make_update_request(const base_url& url, std::string_view id,
                                                const metadata& md,
                                                const request_options& options,
                                                std::vector<std::string>& violations);

// The JSON body {"metadata": {...}}, written directly (no JSON DOM): md is already validated.
std::string serialize_metadata_body(const metadata& md);

// The request as HTTP/1.1 bytes into `wire` (cleared first, its capacity reused): request line,
// common headers (less those an extra header replaces), extra headers (the last of a name wins),
// Content-Length when there is a body or the method is POST, then the body.
void render_request(const http_request& request, std::string& wire);

}  // namespace openai::detail

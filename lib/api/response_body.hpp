// Turning response bodies into model objects: done once per response, never on a socket.
#pragma once

#include "support/redact.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace openai::detail {

// A 2xx body must be a JSON object; `problem` says why it is not (and the result is empty).
// The object lives in its own arena (a shared monotonic_resource). Move-construct it onward:
// move-assigning it to an object of another storage copies every element.
// `secret` (the API key, the proxy's credentials) is taken out of any excerpt of the body before the excerpt is cut.
boost::json::object parse_object_body(std::string_view body, std::string& problem,
                                      const secrets& secret = {});

// The fields of an OpenAI error body {"error": {"message", "type", "code", "param"}}. Other
// shapes (problem+json, plain text, HTML from a proxy) yield a message excerpted from the body.
struct error_body {
  std::string message;
  std::string type;
  std::string code;
  std::string param;
};
// Each field is redacted of `secret` (the API key, the proxy's credentials) first, then bounded and made printable.
error_body parse_error_body(std::string_view body, const secrets& secret = {});

}  // namespace openai::detail

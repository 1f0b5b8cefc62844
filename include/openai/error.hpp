// Errors of openai-asio: an error_code category for the library's error kinds, the full detail
// of a failed call (diagnostics), and the exceptions the coroutine form throws.
//
//   try {
//     co_await client.update_completion(id, md);
//   } catch (const openai::rate_limit_error& e) {   // 429: retry later
//   } catch (const openai::api_error& e) {          // any other non-2xx: e.status(), e.type() ...
//   } catch (const openai::validation_error& e) {   // fix your input; nothing was sent
//   } catch (const openai::error& e) {              // network, timeout, bad response
//   }
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace openai {

// text with every occurrence of secret (the API key) replaced by "[redacted]": the redaction
// the library applies to every message, log line and diagnostic it produces, for callers that
// print text of their own. A secret shorter than 4 characters is no real key and is left alone.
//   openai::redact("key sk-1 and sk-1!", "sk-1") == "key [redacted] and [redacted]!"
std::string redact(std::string text, std::string_view secret);

// One value per thing a caller may want to react to differently.
enum class errc {
  invalid_argument = 1,     // bad input caught before sending (metadata, id, options)
  bad_request,              // 400
  authentication,           // 401: fix your key
  permission_denied,        // 403
  not_found,                // 404
  conflict,                 // 409
  unprocessable_entity,     // 422
  rate_limited,             // 429: retry later
  server_error,             // 5xx
  api_error,                // any other non-2xx status
  network,                  // connect, TLS or I/O failure before a complete response
  timeout,                  // the per-attempt deadline expired
  bad_response,             // malformed HTTP, body over the cap, a 2xx that is not the expected JSON
  invalid_configuration,    // client_options that cannot work (bad base_url, plaintext to a remote host)
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// The errc's name as spelled in code ("not_found", "rate_limited"): stable, for logs and JSON.
std::string_view to_string(errc e) noexcept;

// The errc for an HTTP status that is not 2xx.
errc errc_for_status(unsigned status) noexcept;

// Everything known about a failed (or finished) call. The completion-token forms report only an
// error_code; pass a diagnostics to reach the rest. Never contains the API key.
struct diagnostics {
  unsigned status = 0;                  // HTTP status of the last response, 0 when none arrived
  std::string message;                  // the server's message, or ours
  std::string type;                     // error.type from the body ("invalid_request_error")
  std::string code;                     // error.code from the body ("invalid_api_key")
  std::string param;                    // error.param from the body ("metadata")
  std::string request_id;               // x-request-id of the last response
  unsigned attempts = 0;                // requests actually sent or tried, retries included
  unsigned rate_limited = 0;            // of those, answered 429 (batches slow down on these)
  std::string ratelimit_remaining_requests;  // x-ratelimit-remaining-requests, last response
  std::string ratelimit_reset_requests;      // x-ratelimit-reset-requests, last response
  std::vector<std::string> violations;  // each validation failure, when errc::invalid_argument
  boost::system::error_code cause;      // the underlying network/TLS error, when there was one

  void clear() { *this = diagnostics{}; }
};

// Base of everything the library throws.
class error : public boost::system::system_error {
 public:
  error(boost::system::error_code ec, diagnostics d);

  // "404 not found: No chat completion found (type ..., request id ...)": status, kind, the
  // server's message and details, once each (system_error's own what() would append the kind
  // and its category again).
  const char* what() const noexcept override { return what_.c_str(); }
  // The error kind: an openai::errc, or operation_aborted. (api_error::code() is the API's
  // own error code string, so this is the name that works on every exception.)
  boost::system::error_code kind() const noexcept { return system_error::code(); }
  const diagnostics& details() const noexcept { return details_; }
  unsigned status() const noexcept { return details_.status; }
  const std::string& request_id() const noexcept { return details_.request_id; }
  unsigned attempts() const noexcept { return details_.attempts; }

 private:
  diagnostics details_;
  std::string what_;
};

// A non-2xx answer from the API. what() carries the server's message.
class api_error : public error {
 public:
  using error::error;
  const std::string& type() const noexcept { return details().type; }
  const std::string& code() const noexcept { return details().code; }
  const std::string& param() const noexcept { return details().param; }
};

class bad_request_error : public api_error { using api_error::api_error; };
class authentication_error : public api_error { using api_error::api_error; };
class permission_denied_error : public api_error { using api_error::api_error; };
class not_found_error : public api_error { using api_error::api_error; };
class conflict_error : public api_error { using api_error::api_error; };
class unprocessable_entity_error : public api_error { using api_error::api_error; };
class rate_limit_error : public api_error { using api_error::api_error; };
class internal_server_error : public api_error { using api_error::api_error; };

// Input rejected before anything was sent; what() names every violation.
class validation_error : public error {
 public:
  explicit validation_error(std::vector<std::string> violations);
  using error::error;
  const std::vector<std::string>& violations() const noexcept { return details().violations; }
};

// The request could not be completed at the network level (connect, TLS, reset, EOF).
class connection_error : public error { using error::error; };
// The per-attempt deadline expired. A connection_error, as in the official SDKs.
class timeout_error : public connection_error { using connection_error::connection_error; };
// The server answered something that is not a valid HTTP response of the expected shape.
class bad_response_error : public error { using error::error; };
// client_options that cannot work.
class configuration_error : public error { using error::error; };

// Throws the exception class that matches ec, carrying d.
[[noreturn]] void throw_error(boost::system::error_code ec, diagnostics d);

}  // namespace openai

template <>
struct boost::system::is_error_code_enum<openai::errc> : std::true_type {};

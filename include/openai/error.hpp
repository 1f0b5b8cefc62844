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

/// The openai-asio library: a C++20 coroutine client for the OpenAI stored chat completions API.
namespace openai {

/// Text with every occurrence of secret (the API key) replaced by "[redacted]": the redaction
/// the library applies to every message, log line and diagnostic it produces, for callers that
/// print text of their own. A secret shorter than 4 characters is no real key and is left alone.
///
///     openai::redact("key sk-1234 and sk-1234!", "sk-1234") == "key [redacted] and [redacted]!"
std::string redact(std::string text, std::string_view secret);

/// The kinds of failure, one value per thing a caller may want to react to differently.
///
/// The value of every error_code the completion-token forms report (besides Asio's
/// operation_aborted for a cancelled call), and error::kind() of every exception. Compare
/// directly: `ec == openai::errc::not_found`. to_string() gives the stable name.
enum class errc {
  invalid_argument = 1,     ///< Bad input caught before sending (metadata, id, options): nothing was sent.
  bad_request,              ///< 400: the API refused the request; error::details().param names the field.
  authentication,           ///< 401: fix your key.
  permission_denied,        ///< 403: the key may not use this project or organization.
  not_found,                ///< 404: no such (stored) completion.
  conflict,                 ///< 409: retried first; try again later.
  unprocessable_entity,     ///< 422: the request is well-formed but cannot be processed.
  rate_limited,             ///< 429 after the retries: slow down and retry later.
  server_error,             ///< 5xx after the retries: retry later.
  api_error,                ///< Any other non-2xx status.
  network,                  ///< Connect, DNS, TLS or I/O failure before a complete response.
  timeout,                  ///< The per-attempt deadline (client_options::timeout) expired.
  bad_response,             ///< Malformed HTTP, a body over the cap, or a 2xx that is not the expected JSON.
  invalid_configuration,    ///< client_options that cannot work (bad base_url, plaintext to a remote host).
  proxy_authentication,     ///< The proxy refused its credentials (407, or 401 to CONNECT): not retried.
};

/// The error category of openai::errc (name "openai"); its messages are the kinds in words
/// ("not found", "rate limited").
const boost::system::error_category& error_category() noexcept;

/// Makes openai::errc values convertible to boost::system::error_code (found by ADL).
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The errc's name as spelled in code ("not_found", "rate_limited"): stable, for logs and JSON.
std::string_view to_string(errc e) noexcept;

/// The errc for an HTTP status that is not 2xx (404 gives errc::not_found, 503 errc::server_error).
errc errc_for_status(unsigned status) noexcept;

/// Everything known about a failed (or finished) call.
///
/// The completion-token forms report only an error_code; pass a diagnostics to reach the rest.
/// The exceptions carry one (error::details()). Never contains the API key.
struct diagnostics {
  unsigned status = 0;                  ///< HTTP status of the last response, 0 when none arrived.
  std::string message;                  ///< The server's message, or ours.
  std::string type;                     ///< error.type from the body ("invalid_request_error").
  std::string code;                     ///< error.code from the body ("invalid_api_key").
  std::string param;                    ///< error.param from the body ("metadata").
  std::string request_id;               ///< x-request-id of the last response.
  unsigned attempts = 0;                ///< Requests actually sent or tried, retries included.
  unsigned rate_limited = 0;            ///< Of those, answered 429 (batches slow down on these).
  std::string ratelimit_remaining_requests;  ///< x-ratelimit-remaining-requests, last response.
  std::string ratelimit_reset_requests;      ///< x-ratelimit-reset-requests, last response.
  std::string ratelimit_limit_requests;      ///< x-ratelimit-limit-requests, last response.
  std::vector<std::string> violations;  ///< Each validation failure, when errc::invalid_argument.
  boost::system::error_code cause;      ///< The underlying network/TLS error, when there was one.

  /// Resets every field, so one diagnostics can be reused for the next call.
  void clear() { *this = diagnostics{}; }
};

/// Base of everything the library throws: a boost::system::system_error whose code is the
/// error kind, with the call's diagnostics.
///
/// Catch it to handle every failure of a call at once; catch a subclass to handle one kind.
class error : public boost::system::system_error {
 public:
  /// An error of kind ec with the details d (what throw_error() builds).
  error(boost::system::error_code ec, diagnostics d);

  /// "404 not found: No chat completion found (type ..., request id ...)": status, kind, the
  /// server's message and details, once each (system_error's own what() would append the kind
  /// and its category again).
  const char* what() const noexcept override { return what_.c_str(); }
  /// The error kind: an openai::errc, or operation_aborted. (api_error::code() is the API's
  /// own error code string, so this is the name that works on every exception.)
  boost::system::error_code kind() const noexcept { return system_error::code(); }
  /// Everything known about the failed call.
  const diagnostics& details() const noexcept { return details_; }
  /// HTTP status of the last response; 0 when none arrived (network errors, validation).
  unsigned status() const noexcept { return details_.status; }
  /// x-request-id of the last response: quote it when asking OpenAI about the request.
  const std::string& request_id() const noexcept { return details_.request_id; }
  /// Requests sent or tried, retries included; 0 when nothing was sent.
  unsigned attempts() const noexcept { return details_.attempts; }

 private:
  diagnostics details_;
  std::string what_;
};

/// A non-2xx answer from the API (after the retries, for the retried statuses). what()
/// carries the server's message; one subclass per status the API documents.
class api_error : public error {
 public:
  using error::error;
  /// error.type from the body ("invalid_request_error").
  const std::string& type() const noexcept { return details().type; }
  /// error.code from the body ("invalid_api_key", "insufficient_quota"); may be empty.
  const std::string& code() const noexcept { return details().code; }
  /// error.param from the body: the request field at fault ("metadata"); may be empty.
  const std::string& param() const noexcept { return details().param; }
};

/// 400 Bad Request: errc::bad_request. Not retried.
class bad_request_error : public api_error { using api_error::api_error; };
/// 401 Unauthorized: errc::authentication (a missing, wrong or revoked key). Not retried.
class authentication_error : public api_error { using api_error::api_error; };
/// 403 Forbidden: errc::permission_denied. Not retried.
class permission_denied_error : public api_error { using api_error::api_error; };
/// 404 Not Found: errc::not_found. Not retried.
class not_found_error : public api_error { using api_error::api_error; };
/// 409 Conflict: errc::conflict, raised once the retries are used up.
class conflict_error : public api_error { using api_error::api_error; };
/// 422 Unprocessable Entity: errc::unprocessable_entity. Not retried.
class unprocessable_entity_error : public api_error { using api_error::api_error; };
/// 429 Too Many Requests: errc::rate_limited, raised once the retries are used up (at once for
/// `insufficient_quota`, or when retry-after asks for more than client_options::max_retry_after).
class rate_limit_error : public api_error { using api_error::api_error; };
/// 5xx: errc::server_error, raised once the retries are used up.
class internal_server_error : public api_error { using api_error::api_error; };

/// Input rejected before anything was sent (errc::invalid_argument); what() names every
/// violation, violations() lists them.
class validation_error : public error {
 public:
  /// An errc::invalid_argument error listing the violations.
  explicit validation_error(std::vector<std::string> violations);
  using error::error;
  /// Each problem found, in words ("metadata has 17 pairs; at most 16 are allowed").
  const std::vector<std::string>& violations() const noexcept { return details().violations; }
};

/// The request could not be completed at the network level (connect, TLS, reset, EOF):
/// errc::network, raised once the retries are used up. details().cause has the system error.
class connection_error : public error { using error::error; };
/// The per-attempt deadline expired (errc::timeout). A connection_error, as in the official SDKs.
class timeout_error : public connection_error { using connection_error::connection_error; };
/// The server answered something that is not a valid HTTP response of the expected shape
/// (errc::bad_response).
class bad_response_error : public error { using error::error; };
/// client_options that cannot work (errc::invalid_configuration), thrown by the client's
/// constructor.
class configuration_error : public error { using error::error; };
/// The proxy answered CONNECT (or a request) with 407, or 401, because its credentials were
/// missing or wrong (errc::proxy_authentication); what() names the proxy, never the password.
/// Not retried.
class proxy_authentication_error : public error { using error::error; };

/// Throws the exception class that matches ec (an openai::errc, or operation_aborted as
/// openai::error), carrying d.
[[noreturn]] void throw_error(boost::system::error_code ec, diagnostics d);

}  // namespace openai

// Lets openai::errc convert to boost::system::error_code. (Hidden from Doxygen, which cannot
// place a specialization in a namespace it does not document.)
/// \cond
template <>
struct boost::system::is_error_code_enum<openai::errc> : std::true_type {};
/// \endcond

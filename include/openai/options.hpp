// What a client and each call can be configured with.
#pragma once

#include <openai/observer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openai {

/// Looks up one environment variable by name: its value, or nullopt when unset (an empty value
/// counts as unset). Lets a program, or a test, supply the environment instead of the process's.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The proxy variables of the environment, as curl and Go's net/http read them. Used by a client
/// whose client_options::proxy is unset; client_options::from_env() fills them in.
struct proxy_environment {

  std::string https_proxy;  ///< HTTPS_PROXY or https_proxy: the proxy for https:// base URLs.
  std::string http_proxy;   ///< HTTP_PROXY or http_proxy: the proxy for http:// base URLs.
  std::string all_proxy;    ///< ALL_PROXY or all_proxy: when the scheme's own is empty.
  /// NO_PROXY or no_proxy: hosts reached directly, comma-separated: a name (itself and its
  /// subdomains; a leading dot too), an IP literal, a CIDR range, `host:port`, or `*` for all.
  std::string no_proxy;

  /// Reads the variables; the upper-case name wins when both are set, as in Go.
  static proxy_environment from_env();
  /// The same through lookup instead of std::getenv.
  static proxy_environment from_env(const env_lookup& lookup);
};

/// Which HTTP version a client speaks (client_options::http_version).
enum class http_version {
  /// HTTP/2 where the server picks it in the TLS handshake (ALPN offers h2 and http/1.1),
  /// HTTP/1.1 otherwise; plain http:// is HTTP/1.1.
  automatic,
  http1,  ///< HTTP/1.1 only: h2 is never offered.
  /// HTTP/2 only: a TLS server that does not pick h2 fails the call (errc::network,
  /// saying so); plain http:// speaks h2 with prior knowledge (h2c).
  http2,
};

/// How a client connects, authenticates and retries; fixed for the client's lifetime.
///
///     openai::client_options o = openai::client_options::from_env();
///     o.max_connections = 16;
///     o.timeout = std::chrono::seconds(30);
///     openai::client client{io.get_executor(), std::move(o)};
///
/// The client's constructor checks them and throws configuration_error when they cannot work.
/// Every duration may be std::chrono::milliseconds::max(): no limit (no timeout, never
/// idle-expire, no cap on a server's retry-after).
struct client_options {
  std::string api_key;                            ///< Sent as Authorization: Bearer; never logged.
  /// Scheme, host, optional port and path prefix of the API; `https://` unless
  /// allow_insecure_http (plain `http://` to loopback is always allowed).
  std::string base_url = "https://api.openai.com/v1";
  std::string organization;                       ///< OpenAI-Organization, when not empty.
  std::string project;                            ///< OpenAI-Project, when not empty.
  unsigned max_retries = 2;                       ///< Retries after the first attempt.
  std::chrono::milliseconds timeout = std::chrono::minutes(10);  ///< Per attempt, all steps.
  /// Of a new connection, the TCP connect (every address of the host in turn); the TLS
  /// handshake counts against timeout.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::size_t max_connections = 64;               ///< Pool size per host.
  openai::http_version http_version = openai::http_version::automatic;  ///< See http_version.
  /// Requests one HTTP/2 connection carries at once, at most; the server's
  /// SETTINGS_MAX_CONCURRENT_STREAMS may lower it. Another connection opens (up to
  /// max_connections) only when every open one is full.
  std::size_t max_streams_per_connection = 256;
  std::string ca_file;                            ///< Extra PEM trust anchors; empty = system store only.
  std::string ca_pem;                             ///< The same, as PEM text already in memory.

  /// Client certificate for mutual TLS: the chain (leaf first) as a PEM file or PEM text, and
  /// its private key likewise; both or neither. A key that does not match the certificate, or
  /// a file that cannot be read, is a configuration_error at construction.
  std::string client_cert_file;
  std::string client_cert_pem;                    ///< The chain as PEM text, instead of a file.
  std::string client_key_file;                    ///< The private key of client_cert_file, as a PEM file.
  std::string client_key_pem;                     ///< The key as PEM text, instead of a file.
  std::string client_key_passphrase;              ///< Of an encrypted key; never logged.

  /// The proxy of every connection, loopback hosts included, overriding proxy_env:
  /// `http://[user:password@]host[:port]` or `https://...` (TLS to the proxy as well). Basic
  /// credentials from the user info (percent-decoded) are sent to the proxy only and never
  /// logged. Without a scheme, http:// is meant; without a port, 80 (http://) or 443
  /// (https://), as Go's transport does (curl assumes 1080). A URL that cannot be used is a
  /// configuration_error naming the proxy without its user info. An empty
  /// string: no proxy at all. Unset (the default): proxy_env decides, and loopback hosts
  /// (localhost, 127.0.0.0/8, ::1) are reached directly, as Go's transport does.
  std::optional<std::string> proxy;
  openai::proxy_environment proxy_env;            ///< Used when proxy is unset.
  /// Allow http:// to a host other than loopback, or through a plain http:// proxy other than
  /// loopback: either way the API key would cross the network unencrypted.
  bool allow_insecure_http = false;
  /// Largest response body accepted; a larger one fails with errc::bad_response.
  std::size_t max_response_bytes = 32 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);  ///< Idle longer: not reused.
  /// update, retrieve and delete check that the answer's "id" is the id asked for, and fail
  /// with errc::bad_response (discarding the connection) when it is not: an answer meant for
  /// another request is never handed out. Off only for test servers that do not echo ids.
  bool verify_response_id = true;

  /// Retry schedule (the official SDKs'): initial_retry_delay * 2^n capped at max_retry_delay,
  /// minus up to 25 % jitter. A server asking (retry-after) for longer than max_retry_after is
  /// not retried: the error is raised at once.
  std::chrono::milliseconds initial_retry_delay = std::chrono::milliseconds(500);
  std::chrono::milliseconds max_retry_delay = std::chrono::seconds(8);  ///< Cap of the back-off.
  /// Longest retry-after (or retry-after-ms) honoured; a longer one fails the call at once.
  std::chrono::milliseconds max_retry_after = std::chrono::seconds(60);

  /// Called with one line per request attempt and one per response or failure (method, target,
  /// status, request id, elapsed, reason). Never given the API key. May be called from any
  /// thread running the client's executor, concurrently: make it thread-safe.
  std::function<void(std::string_view)> debug_log;
  /// With debug_log: also one line per request header as sent (Authorization shown as
  /// "Bearer <REDACTED>"), the request body, and one line per response header the client acts
  /// on (x-request-id, x-should-retry, retry-after, x-ratelimit-*).
  bool debug_log_headers = false;

  /// Receives an event per attempt (operation, method, path template, status or error kind,
  /// attempt number, duration, bytes, connection opened/resumed/reused) and per pool wait, for
  /// metrics; see observer.hpp. Null (the default): no events and no cost.
  std::shared_ptr<openai::observer> observer;

  /// Reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID,
  /// OPENAI_MTLS_CLIENT_CERT_FILE, OPENAI_MTLS_CLIENT_KEY_FILE and the proxy variables
  /// (proxy_environment::from_env()); unset variables keep the defaults above.
  static client_options from_env();
  /// The same through lookup instead of std::getenv (empty values count as unset):
  ///
  ///     auto o = openai::client_options::from_env([](std::string_view name) {
  ///       return name == "OPENAI_API_KEY" ? std::optional<std::string>("sk-test") : std::nullopt;
  ///     });
  static client_options from_env(const env_lookup& lookup);
};

/// Per-call overrides of client_options, and extra headers or query parameters.
struct request_options {
  std::optional<std::chrono::milliseconds> timeout;  ///< Replaces client_options::timeout.
  std::optional<unsigned> max_retries;  ///< Replaces client_options::max_retries.
  /// False: a 429 that announces the server's budget (x-ratelimit-remaining-requests) ends the
  /// call at once instead of being retried inside it, for a caller that paces by that budget
  /// and re-sends the request itself, as update_many does. A 429 without the header, and every
  /// other failure, is retried as usual.
  bool retry_announced_rate_limits = true;
  /// Added to (or replacing) the client's headers. A name that is not an HTTP token, a value
  /// with CR, LF or NUL, and Content-Length / Transfer-Encoding fail with
  /// errc::invalid_argument before anything is sent.
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::vector<std::pair<std::string, std::string>> extra_query;    ///< Appended, percent-encoded.
  /// Called once with the status and body of the response the call ends with (its last
  /// attempt, a success or an API error), byte for byte as received and before it is parsed;
  /// not called when no response arrived. Runs on the client's executor before the completion
  /// handler. For callers that must show or keep the exact bytes (`openai --format raw`).
  std::function<void(unsigned status, std::string_view body)> on_response_body;
};

}  // namespace openai

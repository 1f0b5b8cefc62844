// What a client and each call can be configured with.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openai {

// Every duration below may be std::chrono::milliseconds::max(): no limit (no timeout, never
// idle-expire, no cap on a server's retry-after).
struct client_options {
  std::string api_key;                            // sent as Authorization: Bearer; never logged
  std::string base_url = "https://api.openai.com/v1";
  std::string organization;                       // OpenAI-Organization, when not empty
  std::string project;                            // OpenAI-Project, when not empty
  unsigned max_retries = 2;                       // retries after the first attempt
  std::chrono::milliseconds timeout = std::chrono::minutes(10);  // per attempt, all steps
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::size_t max_connections = 64;               // pool size per host
  std::string ca_file;                            // extra PEM trust anchors; empty = system store only
  std::string ca_pem;                             // the same, as PEM text already in memory
  bool allow_insecure_http = false;               // http:// to a host other than loopback
  std::size_t max_response_bytes = 32 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);  // idle longer: not reused
  // update, retrieve and delete check that the answer's "id" is the id asked for, and fail
  // with bad_response (discarding the connection) when it is not: an answer meant for another
  // request is never handed out. Off only for test servers that do not echo ids.
  bool verify_response_id = true;

  // Retry schedule (the official SDKs'): initial_retry_delay * 2^n capped at max_retry_delay,
  // minus up to 25 % jitter. A server asking (retry-after) for longer than max_retry_after is
  // not retried: the error is raised at once.
  std::chrono::milliseconds initial_retry_delay = std::chrono::milliseconds(500);
  std::chrono::milliseconds max_retry_delay = std::chrono::seconds(8);
  std::chrono::milliseconds max_retry_after = std::chrono::seconds(60);

  // Called with one line per request attempt and one per response or failure (method, target,
  // status, request id, elapsed, reason). Never given the API key. May be called from any
  // thread running the client's executor, concurrently: make it thread-safe.
  std::function<void(std::string_view)> debug_log;
  // With debug_log: also one line per request header as sent (Authorization shown as
  // "Bearer <REDACTED>"), the request body, and one line per response header the client acts
  // on (x-request-id, x-should-retry, retry-after, x-ratelimit-*).
  bool debug_log_headers = false;

  // Reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID; unset variables
  // keep the defaults above.
  static client_options from_env();
};

// Per-call overrides.
struct request_options {
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<unsigned> max_retries;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // added to (or replacing) ours
  std::vector<std::pair<std::string, std::string>> extra_query;    // appended, percent-encoded
};

}  // namespace openai

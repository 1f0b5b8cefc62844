// What came back from one exchange: the status, the body, and the few headers the client acts on.
#pragma once

#include <string>

namespace openai::detail {

struct http_response {
  unsigned status = 0;
  std::string body;
  std::string request_id;       // x-request-id
  std::string should_retry;     // x-should-retry
  std::string retry_after_ms;   // retry-after-ms
  std::string retry_after;      // retry-after
  std::string ratelimit_remaining_requests;  // x-ratelimit-remaining-requests
  std::string ratelimit_reset_requests;      // x-ratelimit-reset-requests

  void clear() { *this = http_response{}; }
};

}  // namespace openai::detail

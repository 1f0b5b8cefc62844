// The response headers the client acts on, kept by the HTTP reader in this order.
#pragma once

#include "http/message.hpp"

#include <cstddef>
#include <string>

namespace openai::detail {

enum class api_header : std::size_t {
  request_id,                    // x-request-id
  should_retry,                  // x-should-retry
  retry_after_ms,                // retry-after-ms
  retry_after,                   // retry-after
  ratelimit_remaining_requests,  // x-ratelimit-remaining-requests
  ratelimit_reset_requests,      // x-ratelimit-reset-requests
  ratelimit_limit_requests,      // x-ratelimit-limit-requests
};

inline constexpr http::response_header_names api_response_headers{
    {"x-request-id", "x-should-retry", "retry-after-ms", "retry-after",
     "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
     "x-ratelimit-limit-requests"},
    7};

inline const std::string& header(const http::response& r, api_header h) noexcept {
  return r.kept[static_cast<std::size_t>(h)];
}
inline std::string& header(http::response& r, api_header h) noexcept {
  return r.kept[static_cast<std::size_t>(h)];
}

}  // namespace openai::detail

// The API's answer to the attempt loop: 2xx is done; what else is retried and after how long
// follows the official SDKs (retry_policy.hpp), reading the API's own headers and error codes.
// One object per call: it counts the retries and the 429s of that call.
#pragma once

#include "api/response_headers.hpp"
#include "api/retry_policy.hpp"
#include "transport/attempt_policy.hpp"

namespace openai::detail {

class attempt_rules final : public attempt_policy {
 public:
  explicit attempt_rules(const retry_config& config) noexcept : config_(config) {}

  const http::response_header_names& kept_headers() const noexcept override {
    return api_response_headers;
  }
  attempt_verdict judge(boost::system::error_code failure,
                        const http::response& response) override;
  std::string_view response_id(const http::response& response) const noexcept override {
    return header(response, api_header::request_id);
  }

  unsigned rate_limited() const noexcept { return rate_limited_; }  // attempts answered 429

 private:
  const retry_config& config_;
  unsigned retries_ = 0;
  unsigned rate_limited_ = 0;
};

}  // namespace openai::detail

// What the attempt loop asks the layer above after each attempt: the transport knows how to
// send a request and read a response, not what an answer means. The API layer answers (which
// statuses are success, what is retried, how long to wait, which headers matter).
#pragma once

#include "http/message.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>
#include <string_view>

namespace openai::detail {

// After an attempt: the call is done (success, or a failure not worth another try), or it is
// tried again after `wait`.
struct attempt_verdict {
  bool done = true;
  std::chrono::milliseconds wait{0};
};

class attempt_policy {
 public:
  virtual ~attempt_policy() = default;
  // The response headers each attempt keeps, for judge() and for the layer above.
  virtual const http::response_header_names& kept_headers() const noexcept = 0;
  // One attempt ended: with `failure` (no complete response: the raw socket, TLS or parser
  // error, asio::error::timed_out when a deadline passed) or with `response`.
  virtual attempt_verdict judge(boost::system::error_code failure,
                                const http::response& response) = 0;
  // The id the server gave a response, for log lines ("" when none).
  virtual std::string_view response_id(const http::response&) const noexcept { return {}; }
};

}  // namespace openai::detail

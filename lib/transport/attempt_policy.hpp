// What the attempt loop asks the layer above after each attempt: the transport knows how to
// send a request and read a response, not what an answer means. The API layer answers (which
// statuses are success, what is retried, how long to wait, which headers matter).
#pragma once

#include "http/message.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <string_view>

namespace openai::detail {

// After an attempt: the call is done (success, or a failure not worth another try), or it is
// tried again after `wait`.
struct attempt_verdict {
  bool done = true;
  std::chrono::milliseconds wait{0};
};

// What one attempt did on the wire, for metrics (attempt_policy::record).
struct attempt_record {
  unsigned attempt = 1;
  boost::system::error_code failure;  // the raw error; empty when a response came
  unsigned status = 0;                // 0 without a response
  std::chrono::steady_clock::duration duration{};
  std::size_t bytes_sent = 0;
  std::size_t bytes_received = 0;
  bool had_connection = false;
  bool fresh_connection = false;      // opened for this attempt
  bool resumed_session = false;       // ... and its TLS session was resumed
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
  // Whether record() wants each attempt: when not, the loop takes no extra timestamp.
  virtual bool records_attempts() const noexcept { return false; }
  virtual void record(const attempt_record&) {}
};

}  // namespace openai::detail

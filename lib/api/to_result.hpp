// How a finished call becomes what its caller gets: the typed result, or the error kind (from
// classify) with every detail in diagnostics. Pure: no sockets, no Asio.
#pragma once

#include "http/message.hpp"
#include "support/redact.hpp"

#include <openai/detail/operations.hpp>
#include <openai/error.hpp>

#include <boost/system/error_code.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace openai::detail {

// What the attempts came to (see run_attempts).
struct finished_attempts {
  boost::system::error_code failure;  // no complete response: the raw error of the last attempt
  std::string problem;                // readable detail of failure
  boost::system::error_code cause;    // the underlying error, when there was one
  http::response response;            // the last response, when failure is empty
  unsigned attempts = 0;
  unsigned rate_limited = 0;
};

struct result_context {
  secrets secret;                    // taken out of every text of diagnostics
  bool verify_response_id = true;    // client_options::verify_response_id
  // request_options::on_response_body of the call, or null.
  const std::function<void(unsigned, std::string_view)>* on_response_body = nullptr;
};

template <typename Op>
struct call_result {
  boost::system::error_code ec;
  typename Op::result_type value;
  // The answer was for another request: the connection that brought it must not serve again.
  bool discard_connection = false;
};

// Defined in to_result.cpp for each operation of operations.hpp.
template <typename Op>
call_result<Op> to_result(const Op& op, finished_attempts&& finished,
                          const result_context& context, diagnostics& d);

}  // namespace openai::detail

// The kind of a failed call, decided here and nowhere else: what the caller can act on ("retry
// later", "fix your input", "fix your key") from what happened on the wire.
#pragma once

#include <boost/system/error_code.hpp>

namespace openai::detail {

// What is known about how a call ended.
struct failure_facts {
  bool invalid_input = false;            // refused before anything was sent
  boost::system::error_code transport;   // no complete response: the raw socket, TLS or parser
                                         // error, asio::error::timed_out, operation_aborted
  unsigned status = 0;                   // the response's status, when one came
  bool unusable_body = false;            // a 2xx without the expected object, or for another
                                         // request
};

// An openai::errc (operation_aborted passes through as it is), or no error for a 2xx with a
// usable body:
//   invalid input -> invalid_argument; a timeout -> timeout; malformed or oversized HTTP, an
//   unusable 2xx body, a proxy's CONNECT answer with a body or garbage -> bad_response; a
//   proxy's 407 (or 401 to CONNECT) -> proxy_authentication; any other transport failure -> network; a status ->
//   its kind (errc_for_status).
boost::system::error_code classify(const failure_facts& facts) noexcept;

}  // namespace openai::detail

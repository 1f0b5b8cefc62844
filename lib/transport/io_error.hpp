// Sorting the errors of Asio, Beast and OpenSSL into the library's kinds.
#pragma once

#include <openai/error.hpp>

#include <boost/system/error_code.hpp>

namespace openai::detail {

// operation_aborted (cancellation) passes through unchanged; timeouts become errc::timeout,
// malformed or oversized HTTP errc::bad_response, everything else errc::network.
boost::system::error_code classify_io_error(boost::system::error_code ec) noexcept;

}  // namespace openai::detail

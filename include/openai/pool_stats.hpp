// openai::pool_stats: a snapshot of a client's connection pool, for monitoring.
#pragma once

#include <cstddef>
#include <cstdint>

namespace openai {

// A snapshot of the connection pool (client::pool_stats()).
struct pool_stats {
  std::size_t open = 0;              // connections idle, in use or being opened
  std::size_t idle = 0;              // ready for the next request
  std::size_t waiting = 0;           // calls queued for a connection
  std::uint64_t opened_total = 0;    // connections ever opened (TLS handshakes for https)
  std::uint64_t resumed_total = 0;   // of those, TLS sessions resumed: no certificate exchange
};

}  // namespace openai

// openai::pool_stats: a snapshot of a client's connection pool, for monitoring.
#pragma once

#include <cstddef>
#include <cstdint>

namespace openai {

/// A snapshot of the connection pool (client::pool_stats()), for monitoring.
struct pool_stats {
  std::size_t open = 0;              ///< Connections idle, in use or being opened.
  std::size_t idle = 0;              ///< Ready for the next request.
  std::size_t waiting = 0;           ///< Calls queued for a connection.
  std::uint64_t opened_total = 0;    ///< Connections ever opened (TLS handshakes for https).
  std::uint64_t resumed_total = 0;   ///< Of those, TLS sessions resumed: no certificate exchange.
  std::size_t http2 = 0;             ///< Of `open`, HTTP/2 connections (each carries many requests).
  std::size_t streams = 0;           ///< HTTP/2 requests in flight, over all of those.
};

}  // namespace openai

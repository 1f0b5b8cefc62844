#include "batch_pool.hpp"

#include <algorithm>

namespace openai_cli {

std::size_t batch_max_connections(std::size_t concurrency, const openai::client_options& o) {
  concurrency = std::max<std::size_t>(concurrency, 1);
  if (o.http_version != openai::http_version::http2)
    return std::max(o.max_connections, concurrency);
  const std::size_t streams =
      std::clamp<std::size_t>(o.max_streams_per_connection, 1, assumed_h2_streams_per_connection);
  return (concurrency + streams - 1) / streams;
}

}  // namespace openai_cli

// How many connections update-many lets its client open for --concurrency N: the mapping of
// updates in flight to connections, by HTTP version. No I/O.
//
//   options.max_connections = batch_max_connections(plan.concurrency, options);
#pragma once

#include <cstddef>
#include <openai/options.hpp>

namespace openai_cli {

// Streams an h2 server is assumed to allow on one connection when the CLI must size the pool
// before any handshake: RFC 9113 (6.5.2) recommends that SETTINGS_MAX_CONCURRENT_STREAMS be no
// smaller than 100, and the common servers (nginx, Go, openai-mock) use 100 or more.
inline constexpr std::size_t assumed_h2_streams_per_connection = 100;

// The pool ceiling for `concurrency` updates in flight under o.http_version:
// - http1: one connection per update in flight, so at least `concurrency` (never below
//   o.max_connections).
// - http2: every connection multiplexes, so ceil(concurrency / streams per connection), the
//   streams being o.max_streams_per_connection or the assumed 100, whichever is smaller: 256
//   in flight need 3 connections, not 256. A server allowing more streams leaves some unused:
//   the pool opens a connection only when every open one is full. One allowing fewer caps the
//   updates in flight at what these connections carry (the rest wait in the pool's queue).
// - automatic: as http1. The protocol is known only after each handshake, and a server that
//   picks HTTP/1.1 needs one connection per update in flight; when it picks h2 the pool puts
//   the updates on the open h2 connections and opens another only when every one is full, so
//   this ceiling is not reached. (That needs a pool that, while the first handshake to a host
//   is still choosing the protocol, does not dial one connection per waiting update:
//   cli.http_version.h2_batch checks the default as well as --http2.)
std::size_t batch_max_connections(std::size_t concurrency, const openai::client_options& o);

}  // namespace openai_cli

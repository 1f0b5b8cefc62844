// The mock's own endpoints under /__mock/ (no auth), for processes that cannot call
// server::stats() in-process: the CLI tests and the demo read counters over HTTP.
//   GET /__mock/stats          -> the server::counters as JSON
//   GET /__mock/metadata/{id}  -> the completion's current metadata object, or 404
//   POST /__mock/faults        -> body: a fault script (see parse_fault_script in fault.hpp);
//                                 replaces the steps of each id it names; answers the pending
//                                 steps per id
//   GET /__mock/faults         -> the pending steps per id: {"<id>": n}
//   DELETE /__mock/faults      -> forgets every scripted step
//   GET /__mock/rate-limit     -> the rate limit: {"rate":"50/s","limit":50,"per":"s",
//                                 "burst":5,"tokens":4.5}, or {"rate":null} without one
//   POST /__mock/rate-limit    -> body {"rate":"50/s","burst":5} ("burst" optional: 100 ms
//                                 worth); replaces the limit at once, the tokens left kept
//                                 (capped at the new burst); answers as GET
//   DELETE /__mock/rate-limit  -> no rate limit from now on (and no x-ratelimit-* headers)
// Reading them over the plain-HTTP listener leaves the TLS counters untouched.
#pragma once

#include <string_view>

#include "exchange.hpp"
#include "fault.hpp"
#include "rate_limit.hpp"
#include "server.hpp"
#include "store.hpp"

namespace openai_mock {

bool is_admin_target(std::string_view target) noexcept;

response handle_admin(const request& req, const server::counters& counters, const store& s,
                      fault_planner& faults, rate_limiter& limiter);

}  // namespace openai_mock

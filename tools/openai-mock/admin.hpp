// The mock's own endpoints under /__mock/ (no auth), for processes that cannot call
// server::stats() in-process: the CLI tests and the demo read counters over HTTP.
//   GET /__mock/stats          -> the server::counters as JSON
//   GET /__mock/metadata/{id}  -> the completion's current metadata object, or 404
//   POST /__mock/faults        -> body: a fault script (see parse_fault_script in fault.hpp);
//                                 replaces the steps of each id it names; answers the pending
//                                 steps per id
//   GET /__mock/faults         -> the pending steps per id: {"<id>": n}
//   DELETE /__mock/faults      -> forgets every scripted step
// Reading them over the plain-HTTP listener leaves the TLS counters untouched.
#pragma once

#include <string_view>

#include "exchange.hpp"
#include "fault.hpp"
#include "server.hpp"
#include "store.hpp"

namespace openai_mock {

bool is_admin_target(std::string_view target) noexcept;

response handle_admin(const request& req, const server::counters& counters, const store& s,
                      fault_planner& faults);

}  // namespace openai_mock

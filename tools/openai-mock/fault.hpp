// Extension point for fault injection.
//
// The session asks for a fault_plan for every request *before* the store handles it and
// before anything is written, so a later fault model ("two 429s then success" per id,
// connection resets, truncated bodies, slow drip, a seeded random fault rate) can replace
// the response, or change how it is written, without touching the store or the client.
// Today a plan is `none` (the store answers) or `respond` (a canned reply, e.g. a 429).
#pragma once

#include <functional>

#include "exchange.hpp"

namespace openai_mock {

enum class fault_action {
  none,     // handle the request normally and write the store's response
  respond,  // write `reply` verbatim instead; the store never sees the request
  // Later: reset before responding, truncate the body, drip it slowly, delay...
};

struct fault_plan {
  fault_action action = fault_action::none;
  response reply{};  // for `respond`: e.g. a 429 with retry-after, or a 500
};

// Decides the fault for one request. Called on a session's strand, possibly from several
// io threads at once: implementations guard their own state.
using fault_decider = std::function<fault_plan(const request&)>;

}  // namespace openai_mock

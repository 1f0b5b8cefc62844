// Extension point for fault injection.
//
// The session asks for a fault_plan for every request *before* the store handles it and
// before anything is written, so a later fault model ("two 429s then success" per id,
// connection resets, truncated bodies, slow drip, a seeded random fault rate) can replace
// the response, or change how it is written, without touching the store or the client.
// Today the only plan is `none`: the store's response is written as is.
#pragma once

#include <functional>

#include "exchange.hpp"

namespace openai_mock {

enum class fault_action {
  none,  // handle the request normally and write the response
};

struct fault_plan {
  fault_action action = fault_action::none;
};

// Decides the fault for one request. Called on a session's strand, possibly from several
// io threads at once: implementations guard their own state.
using fault_decider = std::function<fault_plan(const request&)>;

}  // namespace openai_mock

// The call pipeline, one path for every operation:
//   start_operation: validate and build the request (api/endpoints) -> nothing sent when invalid
//   -> spawn on the call's strand -> prepare (common headers, settings, retry rules)
//   -> run_attempts (transport/attempt_loop) -> to_result (api/to_result) -> the handler.
// start_operation<Op> is declared in <openai/detail/operations.hpp>; this header adds what the
// batch loop needs.
#pragma once

#include "client_impl.hpp"

#include <openai/detail/operations.hpp>

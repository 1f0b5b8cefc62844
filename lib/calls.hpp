// Starting a call on a client's shared state: the one entry that the public client and the
// batch loop share. The batch holds the state, not the client, so a batch outlives the client
// object safely (its updates then fail with operation_aborted and the batch ends cancelled).
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <memory>
#include <openai/chat_completion.hpp>
#include <openai/error.hpp>
#include <openai/metadata.hpp>
#include <openai/options.hpp>
#include <string>

#include "client_impl.hpp"

namespace openai::detail {

// POST /chat/completions/{id}: validates, then runs the update; the handler is called once, on
// its associated executor, never inline.
void start_update(
    const std::shared_ptr<client_impl>& impl,
    boost::asio::any_completion_handler<void(boost::system::error_code, chat_completion)> handler,
    std::string completion_id, metadata md, request_options options, diagnostics* diag);

}  // namespace openai::detail

// `openai chat:completions update-many`: JSON Lines of updates in, one JSON record per line out,
// through client::update_many. Declared without Asio so that commands.cpp stays as it is.
#pragma once

#include <iosfwd>
#include <openai/options.hpp>

#include "args.hpp"

namespace openai_cli {

inline constexpr int exit_interrupted = 130;  // SIGINT or SIGTERM stopped the batch

// Runs the batch inv describes (already validated by parse_arguments) with a client made from
// options. Records go to --output (default out); the progress bar, the summary, usage errors
// and --debug lines go to err. Returns 0 when every line succeeded, 1 when any failed, 2 for a
// usage error (nothing sent), 130 after SIGINT/SIGTERM.
int run_update_many(const invocation& inv, openai::client_options options, std::ostream& out,
                    std::ostream& err);

}  // namespace openai_cli

// Runs one parsed invocation against the API: the only part of the command line that does I/O
// (and the only translation unit that includes Asio).
#pragma once

#include <iosfwd>

#include "args.hpp"

namespace openai_cli {

// Runs inv (already validated by parse_arguments) and returns the exit status. Results go to
// out; errors and --debug lines go to err. Never writes the API key.
int run_command(const invocation& inv, std::ostream& out, std::ostream& err);

}  // namespace openai_cli

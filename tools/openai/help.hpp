// --help and --version texts, generated from the flag table of args.hpp so that every level
// lists every flag it accepts.
#pragma once

#include <string>

#include "args.hpp"

namespace openai_cli {

// Help for cmd (command::none: the top level). Ends with a newline.
std::string help_text(command cmd);
// "openai <version> (openai-asio <version>)\n"
std::string version_text();

}  // namespace openai_cli

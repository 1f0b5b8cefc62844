// --help and --version texts, generated from the flag table of args.hpp so that every level
// lists every flag it accepts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"

namespace openai_cli {

// One command the tool runs: its usage line and one-line summary.
struct command_info {
  command cmd;
  std::string_view usage;
  std::string_view summary;
};
// Every API command, in the order help lists them.
const std::vector<command_info>& command_infos();

// Help for cmd (command::none: the top level). Ends with a newline.
std::string help_text(command cmd);
// "openai <version> (openai-asio <version>)\n"
std::string version_text();

}  // namespace openai_cli

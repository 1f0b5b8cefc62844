// Texts generated from the flag table and the command list: shell completion scripts
// (`openai @completion bash|zsh|fish`) and the man page (`openai @manpages -o DIR`, installed by
// `cmake --install`). No I/O.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openai_cli {

// The completion script for shell ("bash", "zsh" or "fish"): commands, each command's flags,
// and the values of --format, --format-error and --order.
std::string completion_script(std::string_view shell);

// Every man page as (file name, troff text): openai.1.
std::vector<std::pair<std::string, std::string>> man_pages();

}  // namespace openai_cli

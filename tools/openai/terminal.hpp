// The process's terminal: whether a stream is one, its height, piped standard input, and the
// pager. The only part of the command line that asks the operating system about terminals.
#pragma once

#include <optional>
#include <string>

namespace openai_cli {

bool is_terminal(int fd) noexcept;

// Standard input's text when it is a pipe or a file (never a terminal, /dev/null or a socket).
std::optional<std::string> read_piped_stdin();

// Writes text to standard output, through $PAGER (default `less`) when stdout is a terminal
// and the text is taller than it. Returns false when the pager could not be started (the text
// was then written directly).
bool print_paged(const std::string& text);

}  // namespace openai_cli

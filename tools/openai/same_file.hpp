// update-many refuses an --output that is its --input under another name (./x, a symlink, a
// hard link, or `--input - <x`): writing the records would truncate the input, or append to
// it while it is read. Files are compared by device and inode, as the kernel knows them.
#pragma once

#include <optional>
#include <string>

namespace openai_cli {

// Why output cannot be used beside input, or nullopt when it can. "-" is the standard stream
// (input: stdin; output: stdout), and an empty output is stdout too. Only regular files are
// compared: a terminal on both sides is fine, and an output that does not exist yet is new.
std::optional<std::string> output_clash(const std::string& input, const std::string& output);

}  // namespace openai_cli

// The `openai` command line: parse, then run. Exit status 0 success, 1 API or network error,
// 2 usage or validation error (nothing sent).
#include <iostream>
#include <string>
#include <string_view>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "output.hpp"

namespace {

// The key as given (flag or environment), found without the parser: a usage error may come
// from a command line the parser rejects, and its message must not show the key either.
std::string key_for_redaction(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--api-key" && i + 1 < argc) return argv[i + 1];
    if (a.starts_with("--api-key=")) return std::string(a.substr(10));
  }
  return openai_cli::process_env("OPENAI_API_KEY").value_or("");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace openai_cli;
  std::ios::sync_with_stdio(false);
  if (argc <= 1) {
    std::cerr << help_text(command::none);
    return exit_usage;
  }
  invocation inv;
  try {
    inv = parse_arguments(argc, argv, process_env);
  } catch (const usage_error& e) {
    std::cerr << redact(std::string("openai: ") + e.what(), key_for_redaction(argc, argv))
              << " (see 'openai --help')\n";
    return exit_usage;
  }
  if (inv.help) {
    std::cout << help_text(inv.cmd);
    return exit_ok;
  }
  if (inv.version) {
    std::cout << version_text();
    return exit_ok;
  }
  return run_command(inv, std::cout, std::cerr);
}

// The `openai` command line: parse, then run. Exit status 0 success, 1 API or network error,
// 2 usage or validation error (nothing sent).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "output.hpp"
#include "render.hpp"
#include "shell_docs.hpp"
#include "terminal.hpp"

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

int write_man_pages(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (const auto& [name, text] : openai_cli::man_pages()) {
    const std::filesystem::path path = std::filesystem::path(dir) / name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) {
      std::cerr << "openai: cannot write " << path.string() << '\n';
      return openai_cli::exit_failure;
    }
    std::cout << path.string() << '\n';
  }
  return openai_cli::exit_ok;
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
    inv = parse_arguments(argc, argv, process_env, read_piped_stdin);
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
  if (inv.cmd == command::completion_script) {
    std::cout << completion_script(inv.shell);
    return exit_ok;
  }
  if (inv.cmd == command::manpages) return write_man_pages(inv.manpage_dir);

  inv.global.stdout_is_terminal = is_terminal(1);
  inv.global.color = want_color(inv.global.stdout_is_terminal, process_env);
  inv.global.error_color = want_color(is_terminal(2), process_env);
  if (!inv.global.stdout_is_terminal || inv.cmd == command::update_many)
    return run_command(inv, std::cout, std::cerr);
  // On a terminal the output is collected, then paged when it is taller than the screen.
  std::ostringstream collected;
  const int status = run_command(inv, collected, std::cerr);
  print_paged(collected.str());
  return status;
}

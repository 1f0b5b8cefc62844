#include "terminal.hpp"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>

namespace openai_cli {

bool is_terminal(int fd) noexcept { return ::isatty(fd) == 1; }

std::optional<std::string> read_piped_stdin() {
  if (is_terminal(0)) return std::nullopt;
  struct stat st {};
  if (::fstat(0, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode))) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

namespace {

long terminal_rows() {
  winsize ws{};
  if (::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
  if (const char* lines = std::getenv("LINES")) return std::max(1L, std::atol(lines));
  return 24;
}

void write_all(const std::string& text) { std::cout << text << std::flush; }

}  // namespace

bool print_paged(const std::string& text) {
  const long lines = std::count(text.begin(), text.end(), '\n');
  if (!is_terminal(1) || lines < terminal_rows()) {
    write_all(text);
    return true;
  }
  const char* env_pager = std::getenv("PAGER");
  const std::string pager = env_pager && *env_pager ? env_pager : "less";
  // As git does: quit when it fits, keep colours, leave the screen as it was.
  ::setenv("LESS", std::getenv("LESS") ? std::getenv("LESS") : "FRX", 1);
  std::FILE* p = ::popen(pager.c_str(), "w");
  if (!p) {
    write_all(text);
    return false;
  }
  // A pager quit early closes the pipe: stop writing quietly rather than die of SIGPIPE.
  void (*old)(int) = std::signal(SIGPIPE, SIG_IGN);
  std::fwrite(text.data(), 1, text.size(), p);
  const int status = ::pclose(p);
  std::signal(SIGPIPE, old);
  if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
    write_all(text);  // the shell found no such pager
    return false;
  }
  return true;
}

}  // namespace openai_cli

// bench-runner: runs one client process and measures it the same way for every client:
// wall time, user and system CPU (µs resolution, from wait4) and peak RSS.
//
//   bench-runner --out run.json [--timeout S] -- node bench.mjs --n 20000
//
// The child's stdout and stderr pass through; the measurement is written to --out as one JSON
// object. A child still running after the timeout is killed (SIGKILL to its process group), so
// that a load run always stops by itself.
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

int main(int argc, char** argv) {
  const char* out = nullptr;
  double timeout_s = 600;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) break;
    if (flag == "--out") out = argv[++i];
    else if (flag == "--timeout") timeout_s = std::atof(argv[++i]);
    else break;
  }
  if (out == nullptr || i >= argc) {
    std::fputs("usage: bench-runner --out FILE [--timeout S] -- COMMAND [ARGS...]\n", stderr);
    return 2;
  }

  auto t0 = std::chrono::steady_clock::now();
  pid_t child = fork();
  if (child < 0) {
    std::perror("bench-runner: fork");
    return 2;
  }
  if (child == 0) {
    setpgid(0, 0);
    execvp(argv[i], argv + i);
    std::fprintf(stderr, "bench-runner: cannot run %s: %s\n", argv[i], std::strerror(errno));
    _exit(127);
  }
  setpgid(child, child);

  int status = 0;
  rusage ru{};
  bool timed_out = false;
  for (;;) {
    pid_t r = wait4(child, &status, WNOHANG, &ru);
    if (r == child) break;
    if (r < 0 && errno != EINTR) {
      std::perror("bench-runner: wait4");
      return 2;
    }
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >
        timeout_s) {
      timed_out = true;
      kill(-child, SIGKILL);
      wait4(child, &status, 0, &ru);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

  FILE* f = std::fopen(out, "w");
  if (f == nullptr) {
    std::perror("bench-runner: --out");
    return 2;
  }
  std::fprintf(f,
               "{\"wall_s\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,\"max_rss_kib\":%ld,"
               "\"exit\":%d,\"timed_out\":%s}\n",
               wall, seconds(ru.ru_utime), seconds(ru.ru_stime), ru.ru_maxrss, code,
               timed_out ? "true" : "false");
  std::fclose(f);
  return code;
}

#include "same_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace openai_cli {

namespace {

struct identity {
  dev_t dev;
  ino_t ino;
};

// The regular file a name (or a standard stream) refers to, symlinks followed.
std::optional<identity> regular_file(const std::string& name, int standard_fd) {
  struct stat st {};
  const int rc =
      name.empty() || name == "-" ? ::fstat(standard_fd, &st) : ::stat(name.c_str(), &st);
  if (rc != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return identity{st.st_dev, st.st_ino};
}

std::string describe(const std::string& name, const char* flag, const char* stream) {
  if (name.empty() || name == "-") return std::string(stream);
  return std::string(flag) + " '" + name + "'";
}

}  // namespace

std::optional<std::string> output_clash(const std::string& input, const std::string& output) {
  const auto in = regular_file(input, STDIN_FILENO);
  if (!in) return std::nullopt;
  const auto out = regular_file(output, STDOUT_FILENO);
  if (!out || in->dev != out->dev || in->ino != out->ino) return std::nullopt;
  return describe(output, "--output", "standard output") + " is the same file as " +
         describe(input, "--input", "standard input") +
         ": writing the records would destroy the input; choose another --output";
}

}  // namespace openai_cli

// update-many before anything is sent: the --set pairs checked, the input opened, the output
// checked against the input and opened, an earlier run's records read for --resume, the
// progress bar's total counted, the client options adjusted for a batch. Plain POSIX and
// iostreams, no Asio: everything here fails (exit 2) before a connection exists.
#pragma once

#include <cstdint>
#include <fstream>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <openai/metadata.hpp>
#include <openai/options.hpp>
#include <optional>

#include "args.hpp"
#include "resume_index.hpp"

namespace openai_cli {

// A batch retries harder than a single call: at a 5 % transient fault rate 2 retries leave about
// one line in 8,000 failed (0.05^3); 6 retries (7 attempts) leave 0.05^7, about 10^-9.
inline constexpr unsigned update_many_default_retries = 6;

struct batch_plan {
  batch_plan() = default;
  batch_plan(const batch_plan&) = delete;
  batch_plan& operator=(const batch_plan&) = delete;
  ~batch_plan();

  openai::metadata set;                // the --set pairs, valid
  int input_fd = -1;                   // owned until taken (then -1)
  std::ofstream output_file;           // when --output names a file
  std::ostream* records = nullptr;     // where the records go: output_file or stdout
  resume_index resumed;                // --resume: what the earlier run did
  std::optional<std::uint64_t> total;  // lines to do, for the progress bar (regular files)
  bool show_progress = false;
  bool stderr_tty = false;
  std::size_t concurrency = 64;
  unsigned max_retries = 0;  // what the client was given
  std::unique_ptr<std::mutex> debug_mutex = std::make_unique<std::mutex>();
};

// Fills plan and adjusts options (retries, pool size, --debug log). Returns 0, or exit_usage
// with the reason written to err (nothing opened for writing, nothing sent). Warnings (corrupt
// records of an earlier run) go to err too.
int prepare_batch(const invocation& inv, openai::client_options& options, std::ostream& out,
                  std::ostream& err, batch_plan& plan);

}  // namespace openai_cli

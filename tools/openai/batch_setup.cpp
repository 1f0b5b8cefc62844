#include "batch_setup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <string>
#include <vector>

#include "batch_lines.hpp"
#include "batch_pool.hpp"
#include "line_splitter.hpp"
#include "client_setup.hpp"
#include "output.hpp"
#include "same_file.hpp"

namespace openai_cli {

namespace {

// Corrupt records named one by one before the rest are only counted.
constexpr std::uint64_t corrupt_records_named = 5;

bool is_regular_fd(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

// Feeds a file to a line splitter in bounded chunks and calls f(line) for each line, with
// whether it ended with a newline. False when the file cannot be opened.
template <class F>
bool for_each_line(const std::string& path, F&& f) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  line_splitter lines;
  std::vector<char> chunk(std::size_t{1} << 16);
  for (bool ended = false; !ended;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ended = true;
      lines.end();
    } else {
      lines.feed({chunk.data(), static_cast<std::size_t>(n)});
    }
    while (auto l = lines.next()) f(*l, !ended);
  }
  ::close(fd);
  return true;
}

// The earlier run's records. A torn last record (a crash mid-write) is not ok, so that line is
// simply done again; any other record that cannot be read is named in a warning and ignored.
// Sets ends_with_newline for the append that follows.
resume_index read_earlier_records(const std::string& path, std::ostream& err,
                                  bool& ends_with_newline) {
  resume_index done;
  std::uint64_t record_no = 0, corrupt = 0;
  ends_with_newline = true;
  for_each_line(path, [&](const split_line& l, bool newline) {
    ++record_no;
    ends_with_newline = newline;
    resume_record r;
    if (l.too_long)
      r.problem = "a record of " + std::to_string(l.bytes) + " bytes";
    else if (!is_blank_line(l.text))
      r = parse_resume_record(l.text);
    else
      return;
    if (r.what == resume_record::kind::corrupt && newline) {
      if (++corrupt <= corrupt_records_named)
        err << "openai: warning: --resume: record " << record_no << " of '" << path
            << "' ignored: " << r.problem << '\n';
    }
    done.add(r);
  });
  if (corrupt > corrupt_records_named)
    err << "openai: warning: --resume: " << corrupt - corrupt_records_named
        << " more unreadable records of '" << path << "' ignored\n";
  done.seal();
  return done;
}

// Non-blank lines still to do, for the progress bar's total and ETA: one streaming pass. Lines
// are parsed as the batch itself will (--undo's records: those of nothing applied are no lines
// to do), for their id against an earlier run's records.
std::uint64_t count_lines_to_do(const std::string& path, const resume_index& done,
                                const openai::metadata& set, bool undo) {
  std::uint64_t line = 0, todo = 0;
  for_each_line(path, [&](const split_line& l, bool) {
    ++line;
    if (l.too_long) {
      ++todo;
      return;
    }
    if (is_blank_line(l.text)) return;
    if (!undo && !done.recorded(line)) {
      ++todo;
      return;
    }
    const parsed_line p = undo ? parse_undo_line(l.text) : parse_update_line(l.text, set);
    if (p.what == parsed_line::outcome::skip) return;  // --undo: a record of nothing applied
    if (done.recorded(line) && done.contains(line, p.completion_id)) return;
    ++todo;
  });
  return todo;
}

int open_input(const std::string& input) {
  if (input == "-") return ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
  const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

batch_plan::~batch_plan() {
  if (input_fd >= 0) ::close(input_fd);
}

int prepare_batch(const invocation& inv, openai::client_options& options, std::ostream& out,
                  std::ostream& err, batch_plan& plan) {
  // Never printed: the API key and any proxy password.
  auto hide = [&](std::string text) { return redact_secrets(std::move(text), inv.global.client); };
  auto usage = [&](const std::string& message) {
    err << hide("openai: " + message) << '\n';
    return exit_usage;
  };

  try {
    plan.set = parse_set_pairs(inv.set_pairs);
  } catch (const usage_error& e) {
    return usage(e.what());
  }
  if (auto v = openai::metadata_violations(plan.set); !v.empty()) {
    openai::diagnostics d;
    d.violations = std::move(v);
    err << hide(format_error(openai::errc::invalid_argument, d)) << " (in --set)\n";
    return exit_usage;
  }

  // Before anything is opened for writing: the records must never land on the input.
  const bool to_file = !inv.output.empty() && inv.output != "-";
  if (auto clash = output_clash(inv.input, to_file ? inv.output : std::string("-")))
    return usage(*clash);

  plan.input_fd = open_input(inv.input);
  if (plan.input_fd < 0) return usage("cannot read --input '" + inv.input + "'");

  plan.records = &out;
  if (to_file) {
    bool ends_with_newline = true;
    if (inv.resume) plan.resumed = read_earlier_records(inv.output, err, ends_with_newline);
    plan.output_file.open(inv.output, inv.resume ? std::ios::binary | std::ios::app
                                                 : std::ios::binary | std::ios::trunc);
    if (!plan.output_file) return usage("cannot write --output '" + inv.output + "'");
    if (!ends_with_newline) plan.output_file << '\n';  // after a torn record: start a fresh line
    plan.records = &plan.output_file;
  }

  plan.stderr_tty = ::isatty(STDERR_FILENO) == 1;
  plan.show_progress = inv.progress.value_or(plan.stderr_tty);
  if (plan.show_progress && inv.input != "-" && is_regular_fd(plan.input_fd))
    plan.total = count_lines_to_do(inv.input, plan.resumed, plan.set, !inv.undo_records.empty());

  plan.concurrency = inv.concurrency.value_or(64);
  // One client, one pool for the whole batch: its connections carry every line.
  options.max_connections = batch_max_connections(plan.concurrency, options);
  if (!inv.global.max_retries) options.max_retries = update_many_default_retries;
  plan.max_retries = options.max_retries;
  if (inv.global.debug)
    options.debug_log = [&err, &m = *plan.debug_mutex,
                         secrets = secrets_of(inv.global.client)](std::string_view line) {
      std::lock_guard lock(m);
      err << redact_secrets("openai: debug: " + std::string(line), secrets) << '\n';
    };
  return 0;
}

}  // namespace openai_cli

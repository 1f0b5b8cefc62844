// update-many: reads the input one line at a time as client::update_many pulls items, so memory
// stays flat however long the input is. Lines that are not updates never reach the library: the
// source writes their error records itself and reads on. Everything runs on one thread (the
// io_context's), so the source, the sink, the progress timer and the signal handler never race.
#include "batch_command.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <openai/client.hpp>

#include "batch_lines.hpp"
#include "output.hpp"

namespace openai_cli {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

// How long in-flight updates may take to finish after SIGINT/SIGTERM before we leave anyway.
constexpr auto grace_period = std::chrono::seconds(10);

bool is_regular_fd(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col - 1;
  return 100;
}

// The line numbers an earlier run recorded ok. A torn last record (a crash mid-write) is not
// ok, so that line is simply done again.
line_set read_done_lines(const std::string& path, bool& ends_with_newline, bool& exists) {
  line_set done;
  std::ifstream in(path, std::ios::binary);
  exists = static_cast<bool>(in);
  ends_with_newline = true;
  if (!in) return done;
  std::string line;
  while (std::getline(in, line)) {
    ends_with_newline = !in.eof();
    if (auto n = ok_line_of_record(line)) done.insert(*n);
  }
  return done;
}

// Non-blank lines still to do, for the progress bar's total and ETA: one streaming pass.
std::uint64_t count_lines_to_do(const std::string& path, const line_set& done) {
  std::ifstream in(path, std::ios::binary);
  std::uint64_t line = 1, todo = 0;
  bool blank = true;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    const std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
      const char c = buf[i];
      if (c == '\n') {
        if (!blank && !done.contains(line)) ++todo;
        ++line;
        blank = true;
      } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') {
        blank = false;
      }
    }
  }
  if (!blank && !done.contains(line)) ++todo;
  return todo;
}

batch_record record_of(const openai::update_result& r) {
  batch_record rec;
  rec.line = r.tag;
  rec.completion_id = r.completion_id;
  rec.ok = r.ok();
  rec.attempts = r.details.attempts;
  rec.request_id = r.details.request_id;
  if (rec.ok) {
    rec.status = r.details.status ? r.details.status : 200;
    return rec;
  }
  rec.kind = std::string(error_kind(r.ec));
  rec.status = r.details.status;
  rec.message = r.details.message;
  if (!r.details.violations.empty()) {
    rec.message.clear();
    for (const std::string& v : r.details.violations)
      rec.message += (rec.message.empty() ? "" : "; ") + v;
  }
  if (rec.message.empty()) rec.message = r.ec.message();
  rec.type = r.details.type;
  rec.code = r.details.code;
  return rec;
}

// Where the records go, and what has been written so far.
struct record_writer {
  std::ostream& out;
  batch_tally tally;

  void write(const batch_record& r) {
    out << format_record(r) << '\n';
    out.flush();  // one record per finished line, on disk at once: --resume relies on it
    if (!out) throw std::runtime_error("cannot write the output records");
    tally.add(r);
  }
};

// Lines of a pipe or terminal, read without blocking the thread: while no input arrives, the
// updates in flight still complete and a signal is still handled.
struct async_lines {
  asio::posix::stream_descriptor fd;
  std::string buffer;
  bool eof = false;

  // False at the end of the input (or once reading is cancelled).
  asio::awaitable<bool> next(std::string& line) {
    if (eof) co_return false;
    auto [ec, n] =
        co_await asio::async_read_until(fd, asio::dynamic_buffer(buffer, std::size_t(1) << 26),
                                        '\n', asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::eof) {
      eof = true;
      if (buffer.empty()) co_return false;
      line = std::move(buffer);
      buffer.clear();
      co_return true;
    }
    if (ec == asio::error::operation_aborted) co_return false;
    if (ec) throw boost::system::system_error(ec, "cannot read the input");
    line.assign(buffer, 0, n - 1);
    buffer.erase(0, n);
    co_return true;
  }
};

// The update_source: the next update of the input, reading lazily.
struct line_reader {
  std::istream* in;   // a regular file: plain buffered reads never wait long
  async_lines* pipe;  // anything else
  const openai::metadata& set;
  const line_set& done;
  record_writer& writer;
  const bool& stopping;
  std::uint64_t line_no = 0;
  std::string text;

  asio::awaitable<bool> read_line() {
    if (in) co_return static_cast<bool>(std::getline(*in, text));
    co_return co_await pipe->next(text);
  }

  asio::awaitable<std::optional<openai::update_item>> next() {
    while (!stopping && co_await read_line()) {
      ++line_no;
      if (is_blank_line(text)) continue;
      if (done.contains(line_no)) {
        ++writer.tally.skipped;
        continue;
      }
      parsed_line p = parse_update_line(text, set);
      if (p.what == parsed_line::outcome::update)
        co_return openai::update_item{std::move(p.completion_id), std::move(p.metadata), line_no};
      batch_record r;
      r.line = line_no;
      if (!p.completion_id.empty()) r.completion_id = std::move(p.completion_id);
      r.kind = p.what == parsed_line::outcome::input ? "input" : "validation";
      r.message = std::move(p.message);
      writer.write(r);
    }
    co_return std::nullopt;
  }
};

}  // namespace

int run_update_many(const invocation& inv, openai::client_options options, std::ostream& out,
                    std::ostream& err) {
  const std::string& key = inv.global.api_key;
  auto usage = [&](const std::string& message) {
    err << redact("openai: " + message, key) << '\n';
    return exit_usage;
  };

  // Everything that can fail without the network fails here, before anything is sent.
  openai::metadata set;
  try {
    set = parse_set_pairs(inv.set_pairs);
  } catch (const usage_error& e) {
    return usage(e.what());
  }
  if (auto v = openai::metadata_violations(set); !v.empty()) {
    openai::diagnostics d;
    d.violations = std::move(v);
    err << redact(format_error(openai::errc::invalid_argument, d), key) << " (in --set)\n";
    return exit_usage;
  }

  // A regular file is read with plain buffered reads; a pipe or a terminal asynchronously.
  std::ifstream input_file;
  std::istream* in = nullptr;
  int input_fd = -1;
  if (inv.input == "-") {
    if (is_regular_fd(STDIN_FILENO))
      in = &std::cin;
    else
      input_fd = ::dup(STDIN_FILENO);
  } else if (is_regular_file(inv.input)) {
    input_file.open(inv.input, std::ios::binary);
    if (!input_file) return usage("cannot read --input '" + inv.input + "'");
    in = &input_file;
  } else {
    input_fd = ::open(inv.input.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (!in && input_fd < 0) return usage("cannot read --input '" + inv.input + "'");

  line_set done;
  std::ofstream output_file;
  std::ostream* dest = &out;
  const bool to_file = !inv.output.empty() && inv.output != "-";
  if (to_file) {
    bool ends_with_newline = true, exists = false;
    if (inv.resume) done = read_done_lines(inv.output, ends_with_newline, exists);
    output_file.open(inv.output, inv.resume ? std::ios::binary | std::ios::app
                                            : std::ios::binary | std::ios::trunc);
    if (!output_file) return usage("cannot write --output '" + inv.output + "'");
    if (!ends_with_newline) output_file << '\n';  // after a torn record: start a fresh line
    dest = &output_file;
  }

  const bool stderr_tty = ::isatty(STDERR_FILENO) == 1;
  const bool show_progress = inv.progress.value_or(stderr_tty);
  std::optional<std::uint64_t> total;
  if (show_progress && inv.input != "-" && is_regular_file(inv.input))
    total = count_lines_to_do(inv.input, done);

  const std::size_t concurrency = inv.concurrency.value_or(64);
  options.max_connections = std::max(options.max_connections, concurrency);
  std::mutex debug_mutex;
  if (inv.global.debug)
    options.debug_log = [&err, &debug_mutex, key](std::string_view line) {
      std::lock_guard lock(debug_mutex);
      err << redact("openai: debug: " + std::string(line), key) << '\n';
    };

  record_writer writer{*dest, {}};
  bool stopping = false;  // SIGINT/SIGTERM: read no further
  bool gave_up = false;   // the grace period ran out (or a second signal came)
  bool finished = false;
  std::exception_ptr failure;
  const auto started = clock::now();

  try {
    asio::io_context io;
    openai::client client{io.get_executor(), options};
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer grace(io), ticker(io);
    asio::cancellation_signal cancel;
    std::optional<async_lines> pipe;
    if (input_fd >= 0) {
      try {
        pipe.emplace(async_lines{asio::posix::stream_descriptor(io, input_fd), {}});
      } catch (const boost::system::system_error&) {
        // Not pollable (/dev/null and other devices): plain reads then.
        ::close(input_fd);
        if (inv.input == "-") {
          in = &std::cin;
        } else {
          input_file.open(inv.input, std::ios::binary);
          if (!input_file) return usage("cannot read --input '" + inv.input + "'");
          in = &input_file;
        }
      }
    }
    line_reader reader{in, pipe ? &*pipe : nullptr, set, done, writer, stopping, 0, {}};
    auto progress = std::make_shared<openai::batch_progress>();

    const std::size_t width = terminal_width();
    std::size_t bar_length = 0;
    // The rate over the last few seconds, from our own samples: records include the input
    // errors the library never sees, and a window that short follows slowdowns (429s) quickly.
    std::deque<std::pair<clock::time_point, std::uint64_t>> samples;
    auto draw = [&] {
      const auto now = clock::now();
      samples.emplace_back(now, writer.tally.records);
      while (samples.size() > 2 && now - samples[1].first >= std::chrono::seconds(3))
        samples.pop_front();
      const double window = std::chrono::duration<double>(now - samples.front().first).count();
      progress_view v;
      v.rate = window > 0.2
                   ? static_cast<double>(writer.tally.records - samples.front().second) / window
                   : progress->rate();
      v.done = writer.tally.records;
      v.total = total;
      v.failed = writer.tally.failed();
      v.retries = writer.tally.retries;
      v.in_flight = progress->in_flight();
      v.elapsed_seconds = std::chrono::duration<double>(clock::now() - started).count();
      const std::string line = format_progress(v, width);
      if (stderr_tty) {
        err << '\r' << line << "\033[K" << std::flush;
        bar_length = line.size();
      } else {
        err << line << '\n' << std::flush;
      }
    };
    const auto tick = stderr_tty ? std::chrono::milliseconds(250) : std::chrono::milliseconds(1000);
    std::function<void()> schedule = [&] {
      ticker.expires_after(tick);
      ticker.async_wait([&](boost::system::error_code ec) {
        if (ec || finished) return;
        draw();
        schedule();
      });
    };

    std::function<void()> on_signal = [&] {
      signals.async_wait([&](boost::system::error_code ec, int) {
        if (ec || finished) return;
        if (stopping) {  // a second signal: do not wait any longer
          gave_up = true;
          io.stop();
          return;
        }
        stopping = true;
        if (show_progress && stderr_tty) err << '\n';
        err << "openai: interrupted: starting no new lines, waiting for " << progress->in_flight()
            << " in flight (" << grace_period.count() << " s at most; again to quit now)"
            << std::endl;
        cancel.emit(asio::cancellation_type::terminal);
        if (pipe) pipe->fd.cancel();  // a read waiting for input ends the input
        grace.expires_after(grace_period);
        grace.async_wait([&](boost::system::error_code gec) {
          if (gec || finished) return;
          gave_up = true;
          io.stop();
        });
        on_signal();
      });
    };
    on_signal();

    openai::batch_options bo;
    bo.concurrency = concurrency;
    if (inv.max_rps) bo.max_requests_per_second = *inv.max_rps;
    bo.cancel_in_flight = false;
    // Lines never started get no record: the input may be endless, and --resume does them.
    bo.report_unattempted = false;
    bo.progress = progress;
    bo.request.extra_headers = inv.global.headers;  // -H, OPENAI_CUSTOM_HEADERS

    client.async_update_many([&reader] { return reader.next(); },
                             [&writer](openai::update_result r) { writer.write(record_of(r)); },
                             std::move(bo),
                             asio::bind_cancellation_slot(
                                 cancel.slot(), [&](std::exception_ptr e, openai::batch_summary) {
                                   finished = true;
                                   failure = e;
                                   signals.cancel();
                                   grace.cancel();
                                   ticker.cancel();
                                   io.stop();  // idle keep-alive connections would keep run() going
                                 }));
    if (show_progress) {
      draw();
      schedule();
    }
    io.run();

    if (show_progress) {
      if (finished && !stopping) draw();
      if (stderr_tty) err << '\r' << std::string(bar_length, ' ') << '\r' << std::flush;
    }
    const double elapsed = std::chrono::duration<double>(clock::now() - started).count();
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        err << redact(std::string("openai: error: ") + e.what(), key) << '\n';
      }
    }
    err << redact(format_summary(writer.tally, elapsed, stopping), key) << std::endl;
    if (gave_up) {
      // Updates still in flight: leave without tearing down the client under them.
      err << "openai: interrupted: gave up waiting for the updates in flight" << std::endl;
      dest->flush();
      std::fflush(nullptr);
      std::_Exit(exit_interrupted);
    }
  } catch (const openai::error& e) {
    err << redact(format_error(e.kind(), e.details(), e.what()), key) << '\n';
    return exit_status_for(e.kind());
  } catch (const std::exception& e) {
    err << redact(std::string("openai: error: ") + e.what(), key) << '\n';
    return exit_failure;
  }
  if (stopping) return exit_interrupted;
  if (failure) return exit_failure;
  return writer.tally.failed() == 0 ? exit_ok : exit_failure;
}

}  // namespace openai_cli

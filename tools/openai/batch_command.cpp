// update-many: setup (batch_setup), then the batch itself: the input pulled line by line as
// client::update_many asks (batch_input), one record per result, the progress bar
// (batch_progress_bar) and the signal handling (batch_signals) beside it. Everything runs on
// one thread (the io_context's), so the source, the sink, the progress timer and the signal
// handler never race.
#include "batch_command.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <openai/client.hpp>
#include <utility>

#include "batch_input.hpp"
#include "batch_progress_bar.hpp"
#include "batch_setup.hpp"
#include "batch_signals.hpp"
#include "client_setup.hpp"
#include "output.hpp"

namespace openai_cli {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

batch_record record_of(const openai::update_result& r, unsigned max_retries,
                       std::optional<boost::json::value> previous = std::nullopt) {
  batch_record rec;
  rec.line = r.tag;
  rec.completion_id = r.completion_id;
  rec.ok = r.ok();
  rec.attempts = r.details.attempts;
  rec.elapsed = r.elapsed;
  rec.request_id = r.details.request_id;
  if (rec.ok) {
    rec.status = r.details.status ? r.details.status : 200;
    rec.previous = std::move(previous);
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
  rec.retries_exhausted = exhausted_retries(rec, max_retries);
  return rec;
}

// --dry-run: the record the item would get, as the library would judge it before sending.
batch_record dry_record(const openai::update_item& item, std::optional<boost::json::value> previous,
                        const invocation& inv) {
  batch_record rec;
  rec.line = item.tag;
  rec.completion_id = item.completion_id;
  rec.dry_run = true;
  rec.metadata = item.metadata;
  const std::vector<std::string> v =
      dry_run_violations(item.completion_id, item.metadata, inv.global.headers);
  if (v.empty()) {
    rec.ok = true;
    rec.previous = std::move(previous);
    return rec;
  }
  rec.kind = "validation";
  for (const std::string& m : v) rec.message += (rec.message.empty() ? "" : "; ") + m;
  return rec;
}

// --resume found records that do not fit the input: say so before the summary.
void warn_about_resume(const batch_source& source, const resume_index& done, std::ostream& err) {
  if (source.changed_lines())
    err << "openai: warning: --resume: " << source.changed_lines()
        << " lines name another completion than the earlier record of their line number (the "
           "input changed since): updated them\n";
  if (!source.read_to_the_end()) return;
  if (const std::uint64_t n = done.beyond(source.lines_read()))
    err << "openai: warning: --resume: " << n << " ok records name a line after the input's "
        << "last line (" << source.lines_read() << "): ignored\n";
}

}  // namespace

int run_update_many(const invocation& inv, openai::client_options options, std::ostream& out,
                    std::ostream& err) {
  // Never printed: the API key and any proxy password.
  auto hide = [&](std::string text) { return redact_secrets(std::move(text), inv.global.client); };
  batch_plan plan;
  // Everything that can fail without the network fails here, before anything is sent.
  if (int status = prepare_batch(inv, options, out, err, plan)) return status;

  record_writer writer{*plan.records, {}, inv.dry_run};
  bool finished = false;
  std::exception_ptr failure;
  const auto started = clock::now();
  bool interrupted = false, gave_up = false;

  try {
    asio::io_context io(1);  // one thread runs it: calls need no strand of their own
    openai::client client{io.get_executor(), options};
    asio::cancellation_signal cancel;
    input_lines input(io, std::exchange(plan.input_fd, -1));
    const unsigned max_retries = plan.max_retries;
    source_mode mode;
    mode.undo = !inv.undo_records.empty();
    if (inv.undoable && !inv.dry_run) mode.retrieve_with = &client;
    mode.failed = [&writer, max_retries](openai::update_result r) {
      writer.write(record_of(r, max_retries));
    };
    batch_source source(input, plan.set, plan.resumed, writer, std::move(mode));
    auto progress = std::make_shared<openai::batch_progress>();
    progress_bar bar(io, err, writer.tally, plan.total, plan.stderr_tty, progress);

    interrupt_handler signals(
        io,
        [&] {
          source.stop();
          if (plan.show_progress) bar.break_line();
          err << "openai: interrupted: starting no new lines, waiting for " << progress->in_flight()
              << " in flight (" << interrupt_grace_period.count()
              << " s at most; again to quit now)" << std::endl;
          cancel.emit(asio::cancellation_type::terminal);
          input.cancel();  // a read waiting for input ends the input
        },
        [&] { io.stop(); });
    signals.start();

    openai::batch_options bo;
    bo.concurrency = plan.concurrency;
    if (inv.max_rps) bo.max_requests_per_second = *inv.max_rps;
    bo.cancel_in_flight = false;
    // Lines never started get no record: the input may be endless, and --resume does them.
    bo.report_unattempted = false;
    bo.progress = progress;
    bo.request.extra_headers = inv.global.headers;  // -H, OPENAI_CUSTOM_HEADERS

    auto done = [&](std::exception_ptr e) {
      finished = true;
      failure = e;
      signals.cancel();
      bar.stop();
      io.stop();  // idle keep-alive connections would keep run() going
    };
    if (inv.dry_run) {
      // Every line read and judged as the batch would, its record written; nothing sent.
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            while (std::optional<openai::update_item> item = co_await source.next())
              writer.write(dry_record(*item, source.take_previous(item->tag), inv));
          },
          [&](std::exception_ptr e) { done(e); });
    } else {
      client.async_update_many(
          [&source] { return source.next(); },
          [&writer, &source, max_retries](openai::update_result r) {
            writer.write(record_of(r, max_retries, source.take_previous(r.tag)));
          },
          std::move(bo),
          asio::bind_cancellation_slot(
              cancel.slot(), [&](std::exception_ptr e, openai::batch_summary) { done(e); }));
    }
    if (plan.show_progress) bar.start();
    io.run();
    interrupted = signals.interrupted();
    gave_up = signals.gave_up();

    if (plan.show_progress) bar.finish(finished && !interrupted);
    const double elapsed = std::chrono::duration<double>(clock::now() - started).count();
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        err << hide(std::string("openai: error: ") + e.what()) << '\n';
      }
    }
    if (inv.resume) warn_about_resume(source, plan.resumed, err);
    err << hide(format_summary(writer.tally, elapsed, interrupted, inv.dry_run)) << std::endl;
    if (gave_up) {
      // Updates still in flight: leave without tearing down the client under them.
      err << "openai: interrupted: gave up waiting for the updates in flight" << std::endl;
      plan.records->flush();
      std::fflush(nullptr);
      std::_Exit(exit_interrupted);
    }
  } catch (const openai::error& e) {
    err << hide(format_error(e.kind(), e.details(), e.what())) << '\n';
    return exit_status_for(e.kind());
  } catch (const std::exception& e) {
    err << hide(std::string("openai: error: ") + e.what()) << '\n';
    return exit_failure;
  }
  if (interrupted) return exit_interrupted;
  if (failure) return exit_failure;
  return writer.tally.failed() == 0 ? exit_ok : exit_failure;
}

}  // namespace openai_cli

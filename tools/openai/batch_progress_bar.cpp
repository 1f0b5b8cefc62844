#include "batch_progress_bar.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace openai_cli {

namespace {

std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col - 1;
  return 100;
}

}  // namespace

progress_bar::progress_bar(boost::asio::io_context& io, std::ostream& err, const batch_tally& tally,
                           std::optional<std::uint64_t> total, bool terminal,
                           std::shared_ptr<const openai::batch_progress> progress)
    : ticker_(io),
      err_(err),
      tally_(tally),
      total_(total),
      terminal_(terminal),
      progress_(std::move(progress)),
      width_(terminal_width()) {}

void progress_bar::draw() {
  const auto now = clock::now();
  samples_.emplace_back(now, tally_.records);
  while (samples_.size() > 2 && now - samples_[1].first >= std::chrono::seconds(3))
    samples_.pop_front();
  const double window = std::chrono::duration<double>(now - samples_.front().first).count();
  progress_view v;
  v.rate = window > 0.2 ? static_cast<double>(tally_.records - samples_.front().second) / window
                        : progress_->rate();
  v.done = tally_.records;
  v.total = total_;
  v.failed = tally_.failed();
  v.retries = tally_.retries;
  v.in_flight = progress_->in_flight();
  v.elapsed_seconds = std::chrono::duration<double>(clock::now() - started_).count();
  const std::string line = format_progress(v, width_);
  if (terminal_) {
    err_ << '\r' << line << "\033[K" << std::flush;
    bar_length_ = line.size();
  } else {
    err_ << line << '\n' << std::flush;
  }
}

void progress_bar::schedule() {
  ticker_.expires_after(terminal_ ? std::chrono::milliseconds(250)
                                  : std::chrono::milliseconds(1000));
  ticker_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    draw();
    schedule();
  });
}

void progress_bar::start() {
  draw();
  schedule();
}

void progress_bar::stop() {
  stopped_ = true;
  ticker_.cancel();
}

void progress_bar::break_line() {
  if (terminal_) err_ << '\n';
}

void progress_bar::finish(bool final_draw) {
  if (final_draw) draw();
  if (terminal_) err_ << '\r' << std::string(bar_length_, ' ') << '\r' << std::flush;
}

}  // namespace openai_cli

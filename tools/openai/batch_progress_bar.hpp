// update-many's progress bar on stderr: redrawn in place on a terminal (4 times a second), one
// line a second otherwise (--progress into a file or pipe).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <openai/batch.hpp>
#include <optional>
#include <ostream>
#include <utility>

#include "batch_lines.hpp"

namespace openai_cli {

class progress_bar {
 public:
  progress_bar(boost::asio::io_context& io, std::ostream& err, const batch_tally& tally,
               std::optional<std::uint64_t> total, bool terminal,
               std::shared_ptr<const openai::batch_progress> progress);

  // Draws now, then on every tick until stop().
  void start();
  void stop();
  // Before another message on stderr: ends the bar's line on a terminal.
  void break_line();
  // After the batch: the last state (when final_draw), then the bar is wiped on a terminal so
  // the summary stands alone.
  void finish(bool final_draw);

 private:
  using clock = std::chrono::steady_clock;
  void draw();
  void schedule();

  boost::asio::steady_timer ticker_;
  std::ostream& err_;
  const batch_tally& tally_;
  std::optional<std::uint64_t> total_;
  bool terminal_;
  std::shared_ptr<const openai::batch_progress> progress_;
  std::size_t width_;
  std::size_t bar_length_ = 0;
  bool stopped_ = false;
  clock::time_point started_ = clock::now();
  // The rate over the last few seconds, from our own samples: records include the input
  // errors the library never sees, and a window that short follows slowdowns (429s) quickly.
  std::deque<std::pair<clock::time_point, std::uint64_t>> samples_;
};

}  // namespace openai_cli

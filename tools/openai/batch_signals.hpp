// SIGINT/SIGTERM during update-many: the first one starts no new lines and lets the updates in
// flight finish (for a grace period at most); a second one, or the end of the grace period,
// gives up on them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace openai_cli {

// How long in-flight updates may take to finish after SIGINT/SIGTERM before we leave anyway.
inline constexpr auto interrupt_grace_period = std::chrono::seconds(10);

class interrupt_handler {
 public:
  // on_interrupt: the first signal. on_give_up: the second, or the grace period ran out.
  interrupt_handler(boost::asio::io_context& io, std::function<void()> on_interrupt,
                    std::function<void()> on_give_up);

  void start();
  // The batch finished: no more signals are awaited, the grace period ends.
  void cancel();
  bool interrupted() const noexcept { return interrupted_; }
  bool gave_up() const noexcept { return gave_up_; }

 private:
  void wait();
  void give_up();

  boost::asio::signal_set signals_;
  boost::asio::steady_timer grace_;
  std::function<void()> on_interrupt_, on_give_up_;
  bool interrupted_ = false;
  bool gave_up_ = false;
  bool cancelled_ = false;
};

}  // namespace openai_cli

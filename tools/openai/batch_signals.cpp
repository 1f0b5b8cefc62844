#include "batch_signals.hpp"

#include <csignal>

namespace openai_cli {

interrupt_handler::interrupt_handler(boost::asio::io_context& io,
                                     std::function<void()> on_interrupt,
                                     std::function<void()> on_give_up)
    : signals_(io, SIGINT, SIGTERM),
      grace_(io),
      on_interrupt_(std::move(on_interrupt)),
      on_give_up_(std::move(on_give_up)) {}

void interrupt_handler::start() { wait(); }

void interrupt_handler::cancel() {
  cancelled_ = true;
  signals_.cancel();
  grace_.cancel();
}

void interrupt_handler::give_up() {
  gave_up_ = true;
  on_give_up_();
}

void interrupt_handler::wait() {
  signals_.async_wait([this](boost::system::error_code ec, int) {
    if (ec || cancelled_) return;
    if (interrupted_) {  // a second signal: do not wait any longer
      give_up();
      return;
    }
    interrupted_ = true;
    on_interrupt_();
    grace_.expires_after(interrupt_grace_period);
    grace_.async_wait([this](boost::system::error_code gec) {
      if (gec || cancelled_) return;
      give_up();
    });
    wait();
  });
}

}  // namespace openai_cli

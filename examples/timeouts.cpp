// Deadlines and cancellation of one call: a per-call timeout, a timer raced with `||`, and a
// cancellation slot. A cancelled or timed-out call closes its connection (never reused) and
// frees its place in the pool; the next call is unaffected.
//
//   OPENAI_API_KEY=sk-... ./timeouts SLOW_ID FAST_ID
//
// SLOW_ID is a completion the server is slow to answer (with openai-mock, script "delay"
// steps for it: --fault-script '{"SLOW_ID": [{"action": "delay", "ms": 5000}, ...]}'); FAST_ID
// is any other stored completion. Reads OPENAI_BASE_URL too.
#include <openai/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <variant>

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

asio::awaitable<void> run(openai::client& client, std::string slow_id, std::string fast_id) {
  const openai::metadata md{{"deadline", "demo"}};

  // 1. request_options::timeout bounds each attempt (connect, TLS, write, read); no retries
  // here, so the first expiry is the answer.
  std::cout << "== per-call timeout of 300 ms\n";
  openai::request_options quick;
  quick.timeout = 300ms;
  quick.max_retries = 0;
  try {
    co_await client.update_completion(slow_id, md, quick);
    std::cout << "  updated (the server was fast after all)\n";
  } catch (const openai::timeout_error& e) {
    std::cout << "  timeout_error: " << e.what() << "\n  kind \"" << e.kind().message()
              << "\", attempts " << e.attempts() << '\n';
  }

  // 2. Race the call against a timer: whichever finishes first cancels the other.
  std::cout << "== cancelled by a timer with ||\n";
  asio::steady_timer timer(client.get_executor(), 300ms);
  std::variant<openai::chat_completion, std::monostate> winner =
      co_await (client.update_completion(slow_id, md) || timer.async_wait(asio::use_awaitable));
  if (winner.index() == 1)
    std::cout << "  the timer won; the update was cancelled\n";
  else
    std::cout << "  the update won: " << std::get<0>(winner).id() << '\n';

  // 3. A cancellation slot: anything holding the signal may cancel the call, here a timer.
  std::cout << "== cancelled through a cancellation slot\n";
  asio::cancellation_signal cancel;
  asio::steady_timer canceller(client.get_executor(), 300ms);
  canceller.async_wait(
      [&cancel](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  auto [ec, completion] = co_await client.async_update_completion(
      slow_id, md,
      asio::bind_cancellation_slot(cancel.slot(), asio::as_tuple(asio::use_awaitable)));
  std::cout << "  error_code: " << ec.message()
            << (ec == asio::error::operation_aborted ? " (operation_aborted)" : "") << '\n';

  // The pool is fine: the next call gets a fresh connection.
  std::cout << "== a normal call afterwards\n";
  openai::request_options patient;
  patient.timeout = 10s;
  openai::chat_completion c = co_await client.update_completion(fast_id, md, patient);
  std::cout << "  updated " << c.id() << ", deadline=" << c.metadata().at("deadline") << '\n';
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: timeouts SLOW_ID FAST_ID\n";
    return 2;
  }
  asio::io_context io;
  openai::client client(io.get_executor(), openai::client_options::from_env());
  asio::co_spawn(io, run(client, argv[1], argv[2]), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
}

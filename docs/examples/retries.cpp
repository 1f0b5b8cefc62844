// Retries: what the client retries by itself, how to tune it, and how to tell the errors apart
// when retrying is over. Reads OPENAI_API_KEY and OPENAI_BASE_URL.
//
//   retries FLAKY_ID BUSY_ID
//
// FLAKY_ID answers 503 twice before succeeding; BUSY_ID answers 429 more often than the
// client retries (with openai-mock: a --fault-script for both, see docs/errors-and-retries.md).
#include <openai/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <string>

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> run(openai::client& client, std::string flaky_id, std::string busy_id) {
  const openai::metadata md{{"retried", "yes"}};

  // 503s (and 408, 409, 429, other 5xx, resets, timeouts) are retried with back-off; the
  // result says how many requests it took.
  openai::chat_completion c = co_await client.update_completion(flaky_id, md);
  std::cout << "flaky: updated after " << c.attempts() << " attempts\n";

  // Per call: no retries at all, so the first 429 is the answer.
  openai::request_options once;
  once.max_retries = 0;
  try {
    co_await client.update_completion(busy_id, md, once);
  } catch (const openai::rate_limit_error& e) {
    std::cout << "busy, no retries: " << e.status() << " after " << e.attempts()
              << " attempt; retry later\n";
  }

  // Without exceptions: the error_code is an openai::errc, the diagnostics hold the rest.
  openai::diagnostics diag;
  auto [ec, ignored] = co_await client.async_update_completion(
      busy_id, md, openai::request_options{}, diag, asio::as_tuple(asio::use_awaitable));
  if (ec == openai::errc::rate_limited)
    std::cout << "busy, default retries: " << openai::to_string(openai::errc::rate_limited)
              << " after " << diag.attempts << " attempts, " << diag.rate_limited
              << " of them 429\n";

  // 4xx other than 408/409/429 are not retried: fix the request instead.
  try {
    co_await client.update_completion("chatcmpl-does-not-exist", md);
  } catch (const openai::not_found_error& e) {
    std::cout << "not found: " << e.attempts() << " attempt, kind "
              << openai::to_string(openai::errc::not_found) << '\n';
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: retries FLAKY_ID BUSY_ID\n";
    return 2;
  }
  openai::client_options options = openai::client_options::from_env();
  options.max_retries = 2;                   // after the first attempt (the default)
  options.initial_retry_delay = 50ms;        // then 100 ms, 200 ms ... (default 0.5 s)
  options.max_retry_delay = 1s;              // cap of the exponential back-off (default 8 s)
  options.max_retry_after = 30s;             // a server asking to wait longer: fail at once
  asio::io_context io;
  openai::client client{io.get_executor(), options};
  asio::co_spawn(io, run(client, argv[1], argv[2]), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
}

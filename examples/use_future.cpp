// Plain synchronous code, no coroutine: the io_context runs on a thread of its own and each
// call returns a std::future (asio::use_future). Several futures may be in flight at once.
//
//   OPENAI_API_KEY=sk-... ./use_future chatcmpl-abc123 chatcmpl-def456 ...
//
// Reads OPENAI_BASE_URL too, so it runs against openai-mock as well as the real API.
#include <openai/client.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <iostream>
#include <thread>
#include <vector>

namespace asio = boost::asio;

int main(int argc, char** argv) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);  // keeps run() going while we are between calls
  std::thread runner([&io] { io.run(); });

  int failures = 0;
  {
    openai::client client(io.get_executor(), openai::client_options::from_env());

    // Start every update first, then wait for each: they run concurrently on the pool.
    std::vector<std::future<openai::chat_completion>> updates;
    for (int i = 1; i < argc; ++i)
      updates.push_back(client.async_update_completion(
          argv[i], openai::metadata{{"via", "use_future"}}, asio::use_future));
    for (auto& update : updates) {
      try {
        openai::chat_completion c = update.get();
        std::cout << "updated " << c.id() << " via=" << c.metadata().at("via") << '\n';
      } catch (const boost::system::system_error& e) {
        // use_future reports the error_code only: e.code() is the openai::errc. (Pass an
        // openai::diagnostics to async_update_completion for the status, message, request id.)
        std::cout << "failed: " << e.code().message() << '\n';
        ++failures;
      }
    }

    // A failure arrives from get() as a system_error carrying the openai::errc.
    std::future<openai::chat_completion> missing = client.async_update_completion(
        "chatcmpl-does-not-exist", openai::metadata{{"via", "use_future"}}, asio::use_future);
    try {
      missing.get();
    } catch (const boost::system::system_error& e) {
      std::cout << "chatcmpl-does-not-exist: " << e.code().message()
                << (e.code() == openai::errc::not_found ? " (errc::not_found)" : "") << '\n';
    }
  }  // the client is gone before the io thread stops

  work.reset();
  runner.join();
  return failures == 0 ? 0 : 1;
}

// Embedding the client in an async server: one client shared by four threads, state kept on a
// strand, a call cancelled on its own, and a clean shutdown on SIGTERM or SIGINT that cancels
// what is still in flight. Reads OPENAI_API_KEY and OPENAI_BASE_URL.
//
//   async_server SLOW_ID ID...   (SLOW_ID: a completion the server is slow to answer)
#include <openai/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace asio = boost::asio;

// Request handlers run on any of the threads; what they share is touched on this strand only.
struct server_state {
  server_state(asio::io_context& io, int calls) : strand(asio::make_strand(io)), calls(calls) {}
  asio::strand<asio::io_context::executor_type> strand;
  int calls, updated = 0, failed = 0;
  std::vector<asio::cancellation_signal*> in_flight;  // calls to cancel on shutdown
};

// What a request handler of the server would do: one update, its outcome recorded on the strand.
asio::awaitable<void> handle(openai::client& client, server_state& state, std::string id) {
  asio::cancellation_signal cancel;
  co_await asio::post(state.strand, asio::use_awaitable);
  state.in_flight.push_back(&cancel);

  // The call itself runs on the client's strands; its cancellation slot is ours to trigger.
  openai::diagnostics diag;
  auto [ec, completion] = co_await client.async_update_completion(
      id, openai::metadata{{"served_by", "async_server"}}, openai::request_options{}, diag,
      asio::bind_cancellation_slot(cancel.slot(), asio::as_tuple(asio::use_awaitable)));

  co_await asio::post(state.strand, asio::use_awaitable);  // back to the shared state
  std::erase(state.in_flight, &cancel);
  if (!ec) {
    ++state.updated;
    std::cout << "updated " << completion.id() << std::endl;
  } else {
    ++state.failed;
    std::cout << id << ": " << ec.message()
              << (ec == asio::error::operation_aborted ? " (cancelled)" : "") << std::endl;
  }
  if (state.updated + state.failed == state.calls - 1)
    std::cout << "waiting for the slow call; send SIGTERM to shut down" << std::endl;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: async_server SLOW_ID ID...\n";
    return 2;
  }
  asio::io_context io;
  openai::client client{io.get_executor(), openai::client_options::from_env()};
  server_state state{io, argc - 1};

  // The slow call first, then the others; all run concurrently.
  for (int i = 1; i < argc; ++i)
    asio::co_spawn(io, handle(client, state, argv[i]), asio::detached);

  // Shutdown: stop accepting work, cancel the calls in flight (each reports operation_aborted
  // and its connection is closed), then let io.run() return once nothing is left.
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) {
    asio::post(state.strand, [&] {
      std::cout << "shutting down: cancelling " << state.in_flight.size() << " call(s)"
                << std::endl;
      for (asio::cancellation_signal* s : state.in_flight)
        s->emit(asio::cancellation_type::terminal);
    });
  });

  // Four threads run the same io_context; the client is safe to share between them.
  asio::thread_pool threads(4);
  for (int i = 0; i < 4; ++i) asio::post(threads, [&io] { io.run(); });
  threads.join();

  std::cout << "done: " << state.updated << " updated, " << state.failed << " failed" << std::endl;
}

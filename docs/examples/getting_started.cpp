// Getting started: update the metadata of a stored completion, read it back, and find every
// completion carrying the tag. Reads OPENAI_API_KEY and OPENAI_BASE_URL.
#include <openai/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;

asio::awaitable<void> run(openai::client& client, std::string id) {
  // Replaces the completion's metadata; validated before anything is sent.
  openai::chat_completion updated =
      co_await client.update_completion(id, openai::metadata{{"experiment", "b7"}});
  std::cout << "updated " << updated.id() << " (" << updated.model() << "), request id "
            << updated.request_id() << '\n';

  openai::chat_completion stored = co_await client.retrieve_completion(id);
  std::cout << "stored metadata: experiment=" << stored.metadata().at("experiment") << '\n';

  // Every completion with the tag, one page in memory at a time.
  openai::list_completions_params filter;
  filter.metadata = openai::metadata{{"experiment", "b7"}};
  openai::completion_pager tagged = client.list_all_completions(filter);
  while (std::optional<openai::chat_completion> c = co_await tagged.next())
    std::cout << "tagged: " << c->id() << '\n';
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: getting_started COMPLETION_ID\n";
    return 2;
  }
  asio::io_context io;
  openai::client client{io.get_executor(), openai::client_options::from_env()};
  int status = 0;
  asio::co_spawn(io, run(client, argv[1]), [&status](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const openai::error& error) {  // API, network and validation errors alike
      std::cerr << "failed: " << error.what() << '\n';
      status = 1;
    }
  });
  io.run();
  return status;
}

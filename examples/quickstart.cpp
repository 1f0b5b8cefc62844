// The headline: update the metadata of one stored chat completion.
//   OPENAI_API_KEY=sk-... ./quickstart chatcmpl-abc123
// Reads OPENAI_BASE_URL too, so it runs against openai-mock as well as the real API.
#include <openai/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> tag(openai::client& client, std::string id) {
  try {
    openai::chat_completion c =
        co_await client.update_completion(id, openai::metadata{{"foo", "bar"}});
    std::cout << c.id() << ' ' << c.model() << ' ' << c.metadata().at("foo") << ' '
              << c.request_id() << '\n';
  } catch (const openai::error& e) {
    std::cerr << "update failed: " << e.what() << '\n';
  }
}

int main(int argc, char** argv) {
  asio::io_context io;
  openai::client client{io.get_executor(), openai::client_options::from_env()};
  asio::co_spawn(io, tag(client, argc > 1 ? argv[1] : "chatcmpl-abc123"), asio::detached);
  io.run();
}

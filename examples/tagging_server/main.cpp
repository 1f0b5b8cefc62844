// tagging_server: an HTTP service on 127.0.0.1 that tags stored chat completions.
//
//   OPENAI_API_KEY=sk-... ./tagging_server --port 8080
//   curl -X POST localhost:8080/tag/chatcmpl-abc123 -d '{"reviewed": "yes"}'
//
// Flags override the environment:
//   --port N        (default 0: an ephemeral port)
//   --base-url URL  OPENAI_BASE_URL (default https://api.openai.com/v1)
//   --ca-file PATH  OPENAI_CA_FILE: extra trust anchors (PEM), e.g. openai-mock's CA
// GET /metrics answers the client's request metrics (Prometheus text).
// OPENAI_API_KEY is required. Prints "listening on http://127.0.0.1:PORT" once it accepts
// connections; SIGINT or SIGTERM stop it. See tagging_server.hpp for the protocol.
#include "tagging_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;

int main(int argc, char** argv) try {
  openai::client_options options = openai::client_options::from_env();
  auto metrics = std::make_shared<tagging::request_metrics>();
  options.observer = metrics;
  if (const char* ca = std::getenv("OPENAI_CA_FILE")) options.ca_file = ca;
  tagging::server_options server_options;
  server_options.metrics = metrics;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 == argc) {
      std::cerr << "usage: tagging_server [--port N] [--base-url URL] [--ca-file PATH]\n";
      return 2;
    }
    const char* value = argv[++i];
    if (flag == "--port") {
      const unsigned long port = std::stoul(value);
      if (port > 65535) throw std::out_of_range("--port: above 65535");
      server_options.port = static_cast<unsigned short>(port);
    } else if (flag == "--base-url") {
      options.base_url = value;
    } else if (flag == "--ca-file") {
      options.ca_file = value;
    } else {
      std::cerr << "unknown flag " << flag << '\n';
      return 2;
    }
  }
  if (options.api_key.empty()) {
    std::cerr << "OPENAI_API_KEY is not set\n";
    return 2;
  }

  constexpr int threads = 4;
  asio::io_context io(threads);
  // One client for every connection and every thread: they share its pool of connections.
  openai::client client(io.get_executor(), options);
  tagging::server server(io.get_executor(), client, server_options);

  // Requests still in flight when the signal arrives are dropped: their updates may or may not
  // have reached the API.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    server.stop();
    io.stop();
  });

  std::cout << "listening on http://127.0.0.1:" << server.port() << std::endl;
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& t : pool) t.join();
  std::cout << "stopped" << std::endl;
} catch (const std::exception& e) {  // a bad flag value, bad client_options, a taken port
  std::cerr << "tagging_server: " << e.what() << '\n';
  return 1;
}

// Trusting a private CA, and a plain http:// base URL such as a local proxy.
//
//   export OPENAI_BASE_URL=https://gateway.internal/v1 OPENAI_CA_FILE=internal-ca.pem
//   export OPENAI_PROXY_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=sk-...
//   ./custom_ca chatcmpl-abc123
//
// OPENAI_CA_FILE: PEM certificates trusted in addition to the system store (ca_file).
// OPENAI_PROXY_URL: an http:// URL; plaintext is allowed to loopback only, unless
// allow_insecure_http is set (the API key would cross the network in the clear).
#include <openai/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

asio::awaitable<void> update(std::string_view title, openai::client_options options,
                             std::string id) {
  std::cout << "== " << title << " (" << options.base_url << ")\n";
  openai::client client(co_await asio::this_coro::executor, options);
  try {
    openai::chat_completion c =
        co_await client.update_completion(id, openai::metadata{{"via", "custom_ca"}});
    std::cout << "  updated " << c.id() << " via=" << c.metadata().at("via") << '\n';
  } catch (const openai::connection_error& e) {  // an untrusted certificate ends up here
    std::cout << "  connection_error: " << e.what() << '\n';
  } catch (const openai::error& e) {
    std::cout << "  error: " << e.what() << '\n';
  }
}

asio::awaitable<void> run(std::string id) {
  const openai::client_options defaults = openai::client_options::from_env();

  openai::client_options with_ca = defaults;
  with_ca.ca_file = env("OPENAI_CA_FILE");
  co_await update("https, trusting OPENAI_CA_FILE", with_ca, id);

  // The same server with the system store only: a private CA is not trusted.
  openai::client_options without_ca = defaults;
  without_ca.max_retries = 0;
  co_await update("https, system trust store only", without_ca, id);

  if (const std::string proxy = env("OPENAI_PROXY_URL"); !proxy.empty()) {
    openai::client_options via_proxy = defaults;
    via_proxy.base_url = proxy;
    co_await update("plain http to a local proxy", via_proxy, id);
  }

  // Plaintext to another machine is refused when the client is made, before any I/O.
  std::cout << "== plain http to a remote host\n";
  openai::client_options remote = defaults;
  remote.base_url = "http://proxy.example:8080/v1";
  try {
    openai::client refused(co_await asio::this_coro::executor, remote);
  } catch (const openai::configuration_error& e) {
    std::cout << "  configuration_error: " << e.what() << '\n';
  }
  remote.allow_insecure_http = true;  // only where the network path is trusted
  openai::client allowed(co_await asio::this_coro::executor, remote);
  std::cout << "  accepted with allow_insecure_http\n";
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: custom_ca ID\n";
    return 2;
  }
  asio::io_context io;
  asio::co_spawn(io, run(argv[1]), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
}

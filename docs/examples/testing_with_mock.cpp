// Testing your own code offline: a function of yours that uses the client, and a test of it
// that runs against openai-mock (started by testing_with_mock.sh). Plain checks here; the
// same works with any test framework.
#include <openai/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;

// The code under test: tags a completion unless it already carries the pair; true when it
// sent an update.
asio::awaitable<bool> ensure_tag(openai::client& client, std::string id, std::string key,
                                 std::string value) {
  openai::chat_completion c = co_await client.retrieve_completion(id);
  openai::metadata md = c.metadata();
  auto found = md.find(key);
  if (found != md.end() && found->second == value) co_return false;
  md.insert_or_assign(key, value);
  co_await client.update_completion(id, std::move(md));
  co_return true;
}

int main() {
  // from_env: OPENAI_BASE_URL points at the mock and SSL_CERT_FILE at its CA (the script sets
  // both), so the code under test runs unchanged, over real TLS.
  asio::io_context io;
  openai::client client{io.get_executor(), openai::client_options::from_env()};
  auto call = [&](asio::awaitable<bool> op) {
    std::future<bool> result = asio::co_spawn(io, std::move(op), asio::use_future);
    io.restart();
    io.run();
    return result.get();
  };

  int failures = 0;
  auto check = [&failures](bool ok, const char* what) {
    std::cout << (ok ? "ok: " : "FAILED: ") << what << '\n';
    failures += ok ? 0 : 1;
  };

  check(call(ensure_tag(client, "chatcmpl-mock-000001", "reviewed", "yes")),
        "an untagged completion is updated");
  check(!call(ensure_tag(client, "chatcmpl-mock-000001", "reviewed", "yes")),
        "a tagged completion is left alone");
  bool not_found = false;
  try {
    call(ensure_tag(client, "chatcmpl-unknown", "reviewed", "yes"));
  } catch (const openai::not_found_error&) {
    not_found = true;
  }
  check(not_found, "an unknown id throws not_found_error");
  return failures == 0 ? 0 : 1;
}

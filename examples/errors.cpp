// Every kind of failure, and how to tell them apart: by exception class in a coroutine, by
// e.kind() (an openai::errc) anywhere, and by error_code plus openai::diagnostics with the
// completion-token form.
//
//   OPENAI_API_KEY=sk-... ./errors chatcmpl-abc123 [BUSY_ID]
//
// ID is a stored completion. BUSY_ID, when given, is one the server answers with 429 (with
// openai-mock: script it, e.g. --fault-script '{"BUSY_ID": [{"status": 429}, ...]}').
// Reads OPENAI_BASE_URL too, so it runs against openai-mock as well as the real API.
#include <openai/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;

// What a program can do about each kind: e.kind() works for every exception and error_code.
std::string_view advice(boost::system::error_code kind) {
  using openai::errc;
  if (kind == errc::invalid_argument) return "fix the input: nothing was sent";
  if (kind == errc::authentication) return "fix the API key";
  if (kind == errc::not_found) return "check the completion id";
  if (kind == errc::rate_limited) return "slow down, retry later";
  if (kind == errc::network || kind == errc::timeout) return "check the network, retry later";
  return "read the message";
}

void print(std::string_view name, const openai::error& e) {
  const openai::diagnostics& d = e.details();
  std::cout << "  caught " << name << ": kind \"" << e.kind().message() << "\" -> "
            << advice(e.kind()) << '\n'
            << "  status " << d.status << ", attempts " << d.attempts << ", type '" << d.type
            << "', code '" << d.code << "', request id '" << d.request_id << "'\n"
            << "  what(): " << e.what() << '\n';
  for (const std::string& v : d.violations) std::cout << "  violation: " << v << '\n';
}

// One update, every exception class in the order of the most specific first.
asio::awaitable<void> try_update(std::string_view title, openai::client& client, std::string id,
                                 openai::metadata md) {
  std::cout << "== " << title << '\n';
  try {
    openai::chat_completion c = co_await client.update_completion(id, std::move(md));
    std::cout << "  updated " << c.id() << '\n';
  } catch (const openai::validation_error& e) {
    print("validation_error", e);
  } catch (const openai::authentication_error& e) {
    print("authentication_error", e);
  } catch (const openai::not_found_error& e) {
    print("not_found_error", e);
  } catch (const openai::rate_limit_error& e) {
    print("rate_limit_error", e);
  } catch (const openai::api_error& e) {  // any other status
    print("api_error", e);
  } catch (const openai::timeout_error& e) {
    print("timeout_error", e);
  } catch (const openai::connection_error& e) {
    print("connection_error", e);
  } catch (const openai::error& e) {  // bad_response_error, configuration_error, cancellation
    print("error", e);
  }
}

asio::awaitable<void> run(openai::client& client, openai::client_options options, std::string id,
                          std::string busy_id) {
  co_await try_update("not found", client, "chatcmpl-does-not-exist", openai::metadata{{"a", "b"}});

  // Checked before anything is sent: 17 pairs and a 65-character key.
  openai::metadata too_much;
  for (int i = 0; i < 16; ++i) too_much.insert_or_assign("k" + std::to_string(i), "v");
  too_much.insert_or_assign(std::string(65, 'x'), "v");
  co_await try_update("invalid metadata", client, id, std::move(too_much));

  openai::client_options wrong_key = options;
  wrong_key.api_key = "sk-not-a-valid-key";
  openai::client unauthorized(client.get_executor(), wrong_key);
  co_await try_update("wrong API key", unauthorized, id, openai::metadata{{"a", "b"}});

  if (busy_id.empty()) {
    std::cout << "== rate limited\n  (skipped: pass a BUSY_ID the server answers 429 for)\n";
  } else {
    // Retried max_retries times (2) after the server's retry-after, then thrown.
    co_await try_update("rate limited", client, busy_id, openai::metadata{{"a", "b"}});
  }

  // Port 1 on loopback: nothing listens there. No retries, so it fails at once.
  openai::client_options closed_port = options;
  closed_port.base_url = "https://127.0.0.1:1/v1";
  closed_port.max_retries = 0;
  openai::client unreachable(client.get_executor(), closed_port);
  co_await try_update("connection refused", unreachable, id, openai::metadata{{"a", "b"}});

  // The completion-token form reports an error_code; diagnostics carries the rest.
  std::cout << "== not found, without exceptions\n";
  openai::diagnostics diag;
  openai::request_options defaults;
  auto [ec, completion] = co_await client.async_update_completion(
      "chatcmpl-does-not-exist", openai::metadata{{"a", "b"}}, defaults, diag,
      asio::as_tuple(asio::use_awaitable));
  std::cout << "  error_code " << ec << " \"" << ec.message()
            << "\", is not_found: " << std::boolalpha << (ec == openai::errc::not_found) << '\n'
            << "  diagnostics: status " << diag.status << ", message '" << diag.message
            << "', request id '" << diag.request_id << "'\n";
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: errors ID [BUSY_ID]\n";
    return 2;
  }
  asio::io_context io;
  const openai::client_options options = openai::client_options::from_env();
  openai::client client(io.get_executor(), options);
  asio::co_spawn(io, run(client, options, argv[1], argc > 2 ? argv[2] : ""),
                 [](std::exception_ptr e) {
                   if (e) std::rethrow_exception(e);
                 });
  io.run();
}

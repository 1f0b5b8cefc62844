// A running openai-mock (real TLS on 127.0.0.1) and a client configured to trust it.
#pragma once

#include "server.hpp"

#include <openai/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

inline const std::string api_key = "sk-test-0123456789abcdef";

// The HTTP version the integration suites speak, from OPENAI_ASIO_TEST_HTTP: "h1" (the
// default: the suites mean HTTP/1.1 unless told), "h2" (client_options::http_version::http2,
// so a server that does not pick h2 fails loudly) or "auto". test/CMakeLists.txt runs the
// suites that apply a second time with h2, as integration.h2.<suite>.
inline openai::http_version tested_http_version() {
  const char* v = std::getenv("OPENAI_ASIO_TEST_HTTP");
  const std::string value = v ? v : "";
  if (value.empty() || value == "h1") return openai::http_version::http1;
  if (value == "h2") return openai::http_version::http2;
  if (value == "auto") return openai::http_version::automatic;
  throw std::invalid_argument("OPENAI_ASIO_TEST_HTTP must be h1, h2 or auto, not '" + value + "'");
}

inline bool testing_h2() { return tested_http_version() == openai::http_version::http2; }

// For BOOST_AUTO_TEST_CASE(..., *boost::unit_test::precondition(http1_specific{"why"})):
// a case about HTTP/1.1 itself (its wire framing, keep-alive, one request per connection)
// skips itself, saying why, when the suites run over h2.
struct http1_specific {
  const char* why;
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(!testing_h2());
    r.message() << "HTTP/1.1-specific (" << why << "): skipped under OPENAI_ASIO_TEST_HTTP=h2";
    return r;
  }
};

class mock_fixture {
 public:
  explicit mock_fixture(std::size_t seed = 20, openai_mock::fault_decider faults = {})
      : mock_fixture(make_options(seed, std::move(faults))) {}
  // Full control: fault scripts, random faults, certificate variants. api_key is forced to
  // test_support::api_key so options() works; start with default_options().
  explicit mock_fixture(openai_mock::server_options o) : mock_(with_key(std::move(o))) {
    mock_.start();
    ca_path_ = std::filesystem::temp_directory_path() /
               ("openai-asio-test-ca-" + std::to_string(::getpid()) + "-" +
                std::to_string(counter()++) + ".pem");
    mock_.write_ca_file(ca_path_.string());
  }
  ~mock_fixture() {
    mock_.stop();
    std::error_code ignored;
    std::filesystem::remove(ca_path_, ignored);
  }

  openai_mock::server& mock() { return mock_; }
  std::string ca_file() const { return ca_path_.string(); }

  openai::client_options options() const {
    openai::client_options o;
    o.api_key = api_key;
    o.base_url = mock_.https_base_url();
    o.ca_file = ca_path_.string();
    o.max_connections = 8;
    o.http_version = tested_http_version();
    return o;
  }

  static std::string id(std::size_t i) { return openai_mock::server::completion_id(i); }

  // What the two-argument constructor uses: api_key, 2 threads, `seed` stored completions.
  static openai_mock::server_options default_options(std::size_t seed = 20) {
    return make_options(seed, {});
  }

 private:
  static openai_mock::server_options make_options(std::size_t seed,
                                                  openai_mock::fault_decider faults) {
    openai_mock::server_options o;
    o.api_key = api_key;
    o.seed_completions = seed;
    o.threads = 2;
    o.faults = std::move(faults);
    return o;
  }
  static openai_mock::server_options with_key(openai_mock::server_options o) {
    o.api_key = api_key;
    return o;
  }
  static int& counter() {
    static int n = 0;
    return n;
  }

  openai_mock::server mock_;
  std::filesystem::path ca_path_;
};

// Runs the coroutine on io (with `threads` threads) until it finishes; rethrows its exception.
template <typename T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> op, int threads = 1) {
  auto future = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  std::vector<std::thread> extra;
  for (int i = 1; i < threads; ++i) extra.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : extra) t.join();
  io.restart();
  return future.get();
}

// Records the headers of every request the mock sees (through its fault hook).
struct request_recorder {
  std::mutex mutex;
  std::vector<openai_mock::request> requests;

  openai_mock::fault_decider decider() {
    return [this](const openai_mock::request& r) {
      std::lock_guard lock(mutex);
      requests.push_back(r);
      return openai_mock::fault_plan{};
    };
  }
};

}  // namespace test_support

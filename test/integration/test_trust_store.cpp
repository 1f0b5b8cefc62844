// The system trust store in its bundle-only layout: SSL_CERT_FILE names a CA bundle (holding
// openai-mock's CA) and SSL_CERT_DIR an empty directory, no ca_file or ca_pem. The bundle is
// read on the first handshake that needs it; a read that fails must be reported (file, errno)
// and tried again, never remembered for the client's life.
//
// Its own executable: the variables are process-wide and every client reads them, so they are
// set once here, before any thread starts, and no other test shares the process.
#define BOOST_TEST_MODULE openai_asio trust store tests
#include "fault_helpers.hpp"
#include "mock_fixture.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/x509_vfy.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using test_support::failure;
using test_support::mock_fixture;
using test_support::run;

namespace {

// A temporary directory with the bundle path (not yet written) and an empty certificate
// directory, named by the variables for the whole process.
struct system_trust_layout {
  fs::path root = fs::temp_directory_path() / ("openai-asio-trust-" + std::to_string(::getpid()));
  fs::path bundle = root / "ca-bundle.pem";
  fs::path empty_dir = root / "certs";

  system_trust_layout() {
    fs::remove_all(root);
    fs::create_directories(empty_dir);
    ::setenv("SSL_CERT_FILE", bundle.c_str(), 1);
    ::setenv("SSL_CERT_DIR", empty_dir.c_str(), 1);
  }
  ~system_trust_layout() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
};

const system_trust_layout* layout = nullptr;

struct layout_fixture {
  system_trust_layout value;
  layout_fixture() { layout = &value; }
  ~layout_fixture() { layout = nullptr; }
};

BOOST_TEST_GLOBAL_FIXTURE(layout_fixture);

// Calls of the library that change a store's list of lookups, counted: test/CMakeLists.txt links
// this executable with --wrap for each. Verifications on other threads walk that list without a
// lock, so none may come after the context is built.
std::atomic<int> lookup_list_changes{0};

}  // namespace

extern "C" {
X509_LOOKUP* __real_X509_STORE_add_lookup(X509_STORE* store, X509_LOOKUP_METHOD* method);
int __real_X509_STORE_load_file(X509_STORE* store, const char* file);
int __real_X509_STORE_load_locations(X509_STORE* store, const char* file, const char* dir);

X509_LOOKUP* __wrap_X509_STORE_add_lookup(X509_STORE* store, X509_LOOKUP_METHOD* method) {
  ++lookup_list_changes;
  return __real_X509_STORE_add_lookup(store, method);
}
int __wrap_X509_STORE_load_file(X509_STORE* store, const char* file) {
  ++lookup_list_changes;  // adds a file lookup unless the store has one
  return __real_X509_STORE_load_file(store, file);
}
int __wrap_X509_STORE_load_locations(X509_STORE* store, const char* file, const char* dir) {
  ++lookup_list_changes;
  return __real_X509_STORE_load_locations(store, file, dir);
}
}

namespace {

// A bundle as a system has one: the distribution's CAs (when installed) and the mock's CA.
std::string bundle_text(mock_fixture& f) {
  std::string text;
  if (std::ifstream system("/etc/ssl/certs/ca-certificates.crt"); system)
    text.assign(std::istreambuf_iterator<char>(system), {});
  return text + f.mock().ca_pem();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  BOOST_REQUIRE(out.good());
}

// The mock's base URL with the system store as the only trust: no ca_file, no ca_pem.
openai::client_options system_trust_options(const mock_fixture& f) {
  auto o = f.options();
  o.ca_file.clear();
  o.ca_pem.clear();
  o.max_retries = 0;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trust_store)

BOOST_AUTO_TEST_CASE(a_bundle_only_system_store_verifies_the_first_call) {
  mock_fixture f(3);
  write_file(layout->bundle, bundle_text(f));
  asio::io_context io;
  openai::client client(io.get_executor(), system_trust_options(f));
  auto c = run(io, client.update_completion(f.id(1), {{"trust", "bundle"}}));
  BOOST_TEST(c.metadata().at("trust") == "bundle");
}

BOOST_AUTO_TEST_CASE(the_handshake_that_reads_the_bundle_adds_no_lookup_to_the_store) {
  mock_fixture f(3);
  write_file(layout->bundle, bundle_text(f));
  asio::io_context io;
  const int before_client = lookup_list_changes.load();
  openai::client client(io.get_executor(), system_trust_options(f));
  const int built = lookup_list_changes.load();
  BOOST_TEST(built > before_client);  // the bundle's lookup, added when the context is built
  auto c = run(io, client.update_completion(f.id(1), {{"trust", "bundle"}}));
  BOOST_TEST(c.metadata().at("trust") == "bundle");
  BOOST_TEST(lookup_list_changes.load() == built);
}

BOOST_AUTO_TEST_CASE(a_bundle_missing_at_the_first_handshake_is_reported_and_read_again) {
  mock_fixture f(3);
  write_file(layout->bundle, bundle_text(f));
  asio::io_context io;
  openai::client client(io.get_executor(), system_trust_options(f));
  // Being replaced: gone for a moment, after the client was built, before its first handshake.
  const fs::path away = layout->bundle.string() + ".away";
  fs::rename(layout->bundle, away);

  const auto e = failure<openai::connection_error>(io, client, f.id(1));
  BOOST_TEST_MESSAGE(e.what());
  const auto& cause = e.details().cause;
  BOOST_TEST((cause == boost::system::errc::no_such_file_or_directory), cause.message());
  BOOST_TEST(cause.value() == ENOENT);
  BOOST_TEST(cause.message().find(layout->bundle.string()) != std::string::npos, cause.message());
  BOOST_TEST(e.details().message.find(layout->bundle.string()) != std::string::npos,
             e.details().message);
  BOOST_TEST(e.details().message.find("No such file or directory") != std::string::npos,
             e.details().message);

  fs::rename(away, layout->bundle);
  auto c = run(io, client.update_completion(f.id(2), {{"trust", "again"}}));
  BOOST_TEST(c.metadata().at("trust") == "again");
}

BOOST_AUTO_TEST_CASE(a_bundle_caught_half_written_is_reported_and_read_again) {
  mock_fixture f(3);
  const std::string full = f.mock().ca_pem();
  write_file(layout->bundle, full.substr(0, full.size() / 2));
  asio::io_context io;
  openai::client client(io.get_executor(), system_trust_options(f));

  const auto e = failure<openai::connection_error>(io, client, f.id(1));
  const auto& cause = e.details().cause;
  BOOST_TEST((cause == boost::system::errc::bad_message), cause.message());
  BOOST_TEST(cause.message().find(layout->bundle.string()) != std::string::npos, cause.message());

  write_file(layout->bundle, bundle_text(f));
  auto c = run(io, client.update_completion(f.id(2), {{"trust", "whole"}}));
  BOOST_TEST(c.metadata().at("trust") == "whole");
}

BOOST_AUTO_TEST_CASE(a_bundle_path_that_cannot_be_read_reports_the_read_error_and_is_read_again) {
  mock_fixture f(3);
  write_file(layout->bundle, bundle_text(f));
  asio::io_context io;
  openai::client client(io.get_executor(), system_trust_options(f));
  // Opens, but every read fails: a directory where the file was.
  const fs::path away = layout->bundle.string() + ".away";
  fs::rename(layout->bundle, away);
  fs::create_directory(layout->bundle);

  const auto e = failure<openai::connection_error>(io, client, f.id(1));
  const auto& cause = e.details().cause;
  BOOST_TEST((cause == boost::system::errc::is_a_directory), cause.message());
  BOOST_TEST(cause.message().find(layout->bundle.string()) != std::string::npos, cause.message());

  fs::remove(layout->bundle);
  fs::rename(away, layout->bundle);
  auto c = run(io, client.update_completion(f.id(2), {{"trust", "readable"}}));
  BOOST_TEST(c.metadata().at("trust") == "readable");
}

BOOST_AUTO_TEST_CASE(concurrent_first_handshakes_on_four_threads_share_one_bundle_read,
                     *boost::unit_test::label("tsan")) {
  mock_fixture f(64);
  write_file(layout->bundle, bundle_text(f));
  asio::io_context io;
  auto options = system_trust_options(f);
  options.max_connections = 16;
  openai::client client(io.get_executor(), options);
  // Sixteen handshakes at once need the bundle: one reads it while the others wait for it, and
  // all verify with the same store.
  std::atomic<int> ok{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  for (std::size_t i = 1; i <= 64; ++i)
    asio::co_spawn(io, client.update_completion(f.id(i), {{"n", "x"}}),
                   [&](std::exception_ptr failure, const openai::chat_completion&) {
                     if (!failure) {
                       ++ok;
                       return;
                     }
                     std::lock_guard lock(failures_mutex);
                     try {
                       std::rethrow_exception(failure);
                     } catch (const std::exception& e) {
                       failures.push_back(e.what());
                     }
                   });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&io] { io.run(); });
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() == 64);
  for (const auto& text : failures) BOOST_TEST_MESSAGE(text);
  BOOST_TEST(f.mock().stats().tls_handshakes <= 16u);
}

BOOST_AUTO_TEST_SUITE_END()

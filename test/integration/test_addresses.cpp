// Addresses end to end against real listeners on loopback: IPv6 literals, a host with an
// address on each family (RFC 8305 Happy Eyeballs and the address remembered), and name
// resolution bounded by the connect timeout and by cancellation.
//
// Its own executable: it wraps getaddrinfo and connect with the linker (test/CMakeLists.txt),
// so that `localhost` can resolve to ::1 and 127.0.0.1 (this machine's /etc/hosts gives only
// 127.0.0.1, and tests never edit system files), a lookup can be held inside getaddrinfo, and
// every connect() the library makes is seen. No other test shares the process.
#define BOOST_TEST_MODULE openai_asio address tests
#include "fault_helpers.hpp"
#include "mock_fixture.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using openai_mock::fault_action;
using test_support::failure;
using test_support::mock_fixture;
using test_support::quick;
using test_support::run;
using test_support::step;

namespace {

// How getaddrinfo answers for "localhost" at the moment; every other name goes to the system.
enum class lookup { system, both_families, held };

struct lookup_script {
  std::mutex mutex;
  std::condition_variable changed;
  lookup mode = lookup::system;
  bool inside = false;    // a held lookup is blocked in getaddrinfo right now
  bool released = false;  // lets a held lookup return (EAI_AGAIN)
};
lookup_script script;

// Every address the process passed to connect(), in order.
std::mutex connects_mutex;
std::vector<tcp::endpoint> connects;

void set_lookup(lookup mode) {
  std::lock_guard lock(script.mutex);
  script.mode = mode;
  script.released = false;
}

void forget_connects() {
  std::lock_guard lock(connects_mutex);
  connects.clear();
}

std::vector<tcp::endpoint> connects_to(unsigned short port) {
  std::lock_guard lock(connects_mutex);
  std::vector<tcp::endpoint> out;
  for (const auto& e : connects)
    if (e.port() == port) out.push_back(e);
  return out;
}

tcp::endpoint v6(unsigned short port) { return {asio::ip::make_address("::1"), port}; }
tcp::endpoint v4(unsigned short port) { return {asio::ip::make_address("127.0.0.1"), port}; }

// Each test leaves the resolver as the system's, whatever it asserted.
struct restore_lookup {
  restore_lookup() { forget_connects(); }
  ~restore_lookup() {
    std::lock_guard lock(script.mutex);
    script.mode = lookup::system;
    script.released = true;
    script.changed.notify_all();
  }
};

}  // namespace

extern "C" {
int __real_getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                       struct addrinfo** res);
int __real_connect(int fd, const struct sockaddr* address, socklen_t length);

int __wrap_getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                       struct addrinfo** res) {
  if (node != nullptr && std::strcmp(node, "localhost") == 0) {
    std::unique_lock lock(script.mutex);
    if (script.mode == lookup::held) {
      script.inside = true;
      script.changed.notify_all();
      script.changed.wait_for(lock, 30s, [] { return script.released; });
      script.inside = false;
      script.changed.notify_all();
      return EAI_AGAIN;
    }
    if (script.mode == lookup::both_families) {
      // ::1 first, as glibc orders them for a name with both (RFC 6724), then 127.0.0.1: two
      // numeric answers chained into one list, which freeaddrinfo frees node by node.
      addrinfo numeric{};
      numeric.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
      numeric.ai_socktype = SOCK_STREAM;
      addrinfo *first = nullptr, *second = nullptr;
      if (int rc = __real_getaddrinfo("::1", service, &numeric, &first)) return rc;
      if (int rc = __real_getaddrinfo("127.0.0.1", service, &numeric, &second)) {
        freeaddrinfo(first);
        return rc;
      }
      addrinfo* last = first;
      while (last->ai_next) last = last->ai_next;
      last->ai_next = second;
      *res = first;
      return 0;
    }
  }
  return __real_getaddrinfo(node, service, hints, res);
}

int __wrap_connect(int fd, const struct sockaddr* address, socklen_t length) {
  if (address->sa_family == AF_INET || address->sa_family == AF_INET6) {
    tcp::endpoint e;
    std::memcpy(e.data(), address, length);
    e.resize(length);
    std::lock_guard lock(connects_mutex);
    connects.push_back(e);
  }
  return __real_connect(fd, address, length);
}
}

namespace {

openai_mock::server_options on_both_loopbacks() {
  auto o = mock_fixture::default_options(5);
  o.listen_addresses = {"127.0.0.1", "::1"};
  return o;
}

std::string localhost_url(unsigned short port) {
  return "https://localhost:" + std::to_string(port) + "/v1";
}

// Two updates on one client, the first answer closing its connection so that the second needs
// a new one: every connect() to the mock's port the two connections made.
std::vector<tcp::endpoint> connects_of_two_connections(mock_fixture& f,
                                                       const openai::client_options& options) {
  f.mock().script_faults(f.id(1), {step(fault_action::close_after_response)});
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  run(io, client.update_completion(f.id(1), {{"n", "1"}}));
  run(io, client.update_completion(f.id(2), {{"n", "2"}}));
  return connects_to(f.mock().https_port());
}

// A port nothing listens on, on either loopback address (checked by binding both).
unsigned short closed_port() {
  asio::io_context io;
  for (;;) {
    tcp::acceptor a4(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = a4.local_endpoint().port();
    tcp::acceptor a6(io);
    a6.open(tcp::v6());
    a6.set_option(asio::ip::v6_only(true));
    boost::system::error_code ec;
    a6.bind(v6(port), ec);
    if (!ec) return port;  // both closed when they go out of scope, never listened on
  }
}

// A listener on [::1]:port that never completes a handshake: its backlog of one is taken by a
// connection nobody accepts, so the kernel drops every later SYN and a connect() stays pending.
struct unanswering_listener {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::socket filler{io};

  explicit unanswering_listener(unsigned short port) {
    acceptor.open(tcp::v6());
    acceptor.set_option(asio::ip::v6_only(true));
    acceptor.bind(v6(port));
    acceptor.listen(0);
    filler.connect(v6(port));
    // The client's connect() returns on the SYN-ACK; the queue is full only once the
    // listener has the connection queued, which makes it readable.
    pollfd queued{acceptor.native_handle(), POLLIN, 0};
    ::poll(&queued, 1, 10000);
  }
  // Checked, not assumed: on a kernel that queues more, the test would prove nothing.
  bool drops_connections() {
    const int probe = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const tcp::endpoint target = v6(acceptor.local_endpoint().port());
    const int rc = ::connect(probe, target.data(), static_cast<socklen_t>(target.size()));
    bool pending = rc < 0 && errno == EINPROGRESS;
    if (pending) {
      pollfd p{probe, POLLOUT, 0};
      pending = ::poll(&p, 1, 1000) == 0;  // still unanswered after a second
    }
    ::close(probe);
    return pending;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_listeners)

BOOST_AUTO_TEST_CASE(listens_on_both_loopbacks_with_one_port_and_names_each_base_url) {
  openai_mock::server mock(on_both_loopbacks());
  mock.start();
  const auto port = std::to_string(mock.https_port());
  BOOST_TEST(mock.https_base_url() == "https://127.0.0.1:" + port + "/v1");
  BOOST_TEST(mock.https_base_url("127.0.0.1") == mock.https_base_url());
  BOOST_TEST(mock.https_base_url("::1") == "https://[::1]:" + port + "/v1");
  BOOST_TEST(mock.http_base_url("::1") ==
             "http://[::1]:" + std::to_string(mock.http_port()) + "/v1");
  BOOST_TEST(mock.https_base_url("127.0.0.2").empty());  // not one it listens on
  asio::io_context io;
  tcp::socket s(io);
  s.connect(v6(mock.https_port()));
  s.close();
  s.connect(v4(mock.https_port()));
}

BOOST_AUTO_TEST_CASE(listens_on_ipv4_loopback_only_by_default) {
  openai_mock::server mock(mock_fixture::default_options(1));
  mock.start();
  BOOST_TEST(mock.https_base_url("::1").empty());
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(v6(mock.https_port()), ec);
  BOOST_TEST((ec == asio::error::connection_refused));
}

BOOST_AUTO_TEST_CASE(refuses_to_listen_on_an_address_other_machines_reach) {
  for (const char* address : {"0.0.0.0", "::", "192.0.2.1", "localhost", ""}) {
    auto o = mock_fixture::default_options(1);
    o.listen_addresses = {address};
    openai_mock::server mock(o);
    BOOST_CHECK_THROW(mock.start(), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipv6_literals)

BOOST_AUTO_TEST_CASE(an_ipv6_literal_base_url_reaches_the_mock_verified_without_sni) {
  restore_lookup restore;
  test_support::request_recorder recorder;
  auto o = on_both_loopbacks();
  o.faults = recorder.decider();
  mock_fixture f(o);
  const auto port = f.mock().https_port();
  auto options = f.options();
  options.base_url = f.mock().https_base_url("::1");
  BOOST_TEST(options.base_url == "https://[::1]:" + std::to_string(port) + "/v1");
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  const auto c = run(io, client.update_completion(f.id(1), {{"via", "ipv6"}}));
  BOOST_TEST(c.metadata().at("via") == "ipv6");
  BOOST_TEST_REQUIRE(recorder.requests.size() == 1u);
  BOOST_TEST(*recorder.requests[0].header("host") == "[::1]:" + std::to_string(port));
  const auto stats = f.mock().stats();
  BOOST_TEST(stats.tls_handshakes == 1u);
  // The one handshake sent no server name: RFC 6066 allows none for an IP literal.
  BOOST_TEST(stats.tls_server_names.size() == 1u);
  BOOST_TEST(stats.tls_server_names.count("") == 1u);
  const std::vector<tcp::endpoint> expected{v6(port)};
  BOOST_TEST(connects_to(port) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_ipv6_literal_the_certificate_does_not_name_fails_verification) {
  auto o = on_both_loopbacks();
  o.certificates.subject_alt_names = {"DNS:localhost", "IP:127.0.0.1"};  // no IP:::1
  mock_fixture f(o);
  auto options = quick(f.options(), 0);
  options.base_url = f.mock().https_base_url("::1");
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  const auto e = failure<openai::error>(io, client, f.id(1));
  BOOST_TEST(std::string(e.what()).find("TLS handshake with ::1:") != std::string::npos,
             e.what());
  BOOST_TEST(f.mock().stats().tls_handshakes == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(happy_eyeballs)

BOOST_AUTO_TEST_CASE(a_refused_address_costs_one_refusal_and_the_answering_one_is_reused) {
  restore_lookup restore;
  set_lookup(lookup::both_families);
  mock_fixture f(mock_fixture::default_options(5));  // 127.0.0.1 only: ::1 refuses
  const auto port = f.mock().https_port();
  auto options = quick(f.options(), 0);
  options.base_url = localhost_url(port);
  // ::1 tried once and refused, 127.0.0.1 connected; the second connection went straight to
  // the address that answered.
  const std::vector<tcp::endpoint> expected{v6(port), v4(port), v4(port)};
  BOOST_TEST(connects_of_two_connections(f, options) == expected,
             boost::test_tools::per_element());
  const auto stats = f.mock().stats();
  BOOST_TEST(stats.connections_accepted == 2u);
  BOOST_TEST(stats.tls_server_names.at("localhost") == 2u);
}

BOOST_AUTO_TEST_CASE(an_address_that_never_answers_gets_the_next_one_started_beside_it) {
  restore_lookup restore;
  mock_fixture f(mock_fixture::default_options(5));
  const auto port = f.mock().https_port();
  unanswering_listener black_hole(port);  // [::1]:port, same port as the mock's 127.0.0.1
  BOOST_TEST_REQUIRE(black_hole.drops_connections());
  forget_connects();
  set_lookup(lookup::both_families);
  auto options = f.options();
  options.base_url = localhost_url(port);
  options.max_retries = 0;
  // Far beyond the attempt delay: without Happy Eyeballs the update would wait on ::1 until
  // this passed and fail.
  options.connect_timeout = 60s;
  options.timeout = 120s;
  const std::vector<tcp::endpoint> expected{v6(port), v4(port), v4(port)};
  BOOST_TEST(connects_of_two_connections(f, options) == expected,
             boost::test_tools::per_element());
  BOOST_TEST(f.mock().stats().connections_accepted == 2u);
}

BOOST_AUTO_TEST_CASE(every_address_refused_names_the_host_and_what_each_did) {
  restore_lookup restore;
  set_lookup(lookup::both_families);
  mock_fixture f(mock_fixture::default_options(1));
  const auto port = closed_port();
  auto options = quick(f.options(), 0);
  options.base_url = localhost_url(port);
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  const auto e = failure<openai::connection_error>(io, client, f.id(1));
  const std::string what = e.what();
  const std::string p = std::to_string(port);
  BOOST_TEST(what.find("cannot connect to localhost:" + p + ": Connection refused") !=
                 std::string::npos,
             what);
  BOOST_TEST(what.find("[::1]:" + p + ": Connection refused") != std::string::npos, what);
  BOOST_TEST(what.find("127.0.0.1:" + p + ": Connection refused") != std::string::npos, what);
  const std::vector<tcp::endpoint> expected{v6(port), v4(port)};
  BOOST_TEST(connects_to(port) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(name_resolution)

// The lookup stays blocked in getaddrinfo until the test releases it, which it does only after
// the call has finished: so the call cannot have waited for the resolver.
struct held_lookup {
  restore_lookup restore;
  held_lookup() { set_lookup(lookup::held); }
  bool still_inside() {
    std::lock_guard lock(script.mutex);
    return script.inside;
  }
  void wait_until_inside() {
    std::unique_lock lock(script.mutex);
    script.changed.wait_for(lock, 30s, [] { return script.inside; });
  }
  void release() {
    std::lock_guard lock(script.mutex);
    script.released = true;
    script.changed.notify_all();
  }
};

BOOST_AUTO_TEST_CASE(a_lookup_that_does_not_return_ends_at_the_connect_timeout) {
  held_lookup held;
  mock_fixture f(mock_fixture::default_options(1));
  auto options = quick(f.options(), 0);
  options.base_url = localhost_url(f.mock().https_port());
  options.connect_timeout = 300ms;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto result = asio::co_spawn(io, client.update_completion(f.id(1), {{"k", "v"}}),
                               asio::use_future);
  std::thread runner([&io] { io.run(); });  // runs until the abandoned lookup returns
  bool timed_out = false;
  std::string what;
  try {
    result.get();
  } catch (const openai::error& e) {
    timed_out = e.kind() == openai::errc::timeout;
    what = e.what();
  }
  const bool waited_for_the_resolver = !held.still_inside();
  held.release();
  runner.join();
  BOOST_TEST(timed_out, what);
  BOOST_TEST(what.find("cannot resolve localhost: timed out") != std::string::npos, what);
  BOOST_TEST(!waited_for_the_resolver);
  BOOST_TEST(f.mock().stats().connections_accepted == 0u);
}

BOOST_AUTO_TEST_CASE(cancelling_a_call_ends_its_wait_for_the_lookup) {
  held_lookup held;
  mock_fixture f(mock_fixture::default_options(1));
  auto options = f.options();
  options.base_url = localhost_url(f.mock().https_port());
  options.connect_timeout = 60s;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  asio::cancellation_signal cancel;
  std::promise<boost::system::error_code> result;
  client.async_update_completion(
      f.id(1), {{"k", "v"}},
      asio::bind_cancellation_slot(cancel.slot(),
                                   [&](boost::system::error_code ec, openai::chat_completion) {
                                     result.set_value(ec);
                                   }));
  std::thread runner([&io] { io.run(); });
  held.wait_until_inside();
  asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
  const auto ec = result.get_future().get();
  const bool waited_for_the_resolver = !held.still_inside();
  held.release();
  runner.join();
  BOOST_TEST((ec == asio::error::operation_aborted), ec.message());
  BOOST_TEST(!waited_for_the_resolver);
}

BOOST_AUTO_TEST_SUITE_END()

// Proxies for the proxy tests, all on 127.0.0.1: a real tinyproxy started as a child process,
// and a tiny scripted proxy that answers CONNECT as told (a fixed answer, or a real tunnel to
// a port, optionally behind TLS) for what tinyproxy cannot be made to do.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace test_support {

namespace proxy_detail {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

inline unsigned short free_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

inline bool accepts_connections(unsigned short port) {
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}

inline int& counter() {
  static int n = 0;
  return n;
}
}  // namespace proxy_detail

inline const char* const tinyproxy_path = "/usr/bin/tinyproxy";

// For BOOST_AUTO_TEST_CASE(..., *boost::unit_test::precondition(tinyproxy_installed{})):
// the test is skipped, with this message, where the Debian package is absent.
struct tinyproxy_installed {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(std::filesystem::exists(tinyproxy_path));
    r.message() << tinyproxy_path << " is absent (apt-get install tinyproxy): skipped";
    return r;
  }
};

// tinyproxy on 127.0.0.1:<free port>, allowed to CONNECT to connect_port only; with
// `basic_auth` ("user password") it demands those credentials. Killed by the destructor.
class tinyproxy {
 public:
  explicit tinyproxy(unsigned short connect_port, std::string basic_auth = {}) {
    dir_ = std::filesystem::temp_directory_path() /
           ("openai-asio-tinyproxy-" + std::to_string(::getpid()) + "-" +
            std::to_string(proxy_detail::counter()++));
    std::filesystem::create_directories(dir_);
    port_ = proxy_detail::free_port();
    const auto conf = dir_ / "tinyproxy.conf";
    {
      std::ofstream out(conf);
      out << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\n"
          << "ConnectPort " << connect_port << "\nLogLevel Connect\nLogFile \""
          << (dir_ / "tinyproxy.log").string() << "\"\nMaxClients 64\n";
      if (!basic_auth.empty()) out << "BasicAuth " << basic_auth << "\n";
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execl(tinyproxy_path, "tinyproxy", "-d", "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
    // Until it listens (or gives up: then the test fails on its first call, saying so).
    for (int i = 0; i < 200 && !proxy_detail::accepts_connections(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!proxy_detail::accepts_connections(port_))
      throw std::runtime_error("tinyproxy did not start listening on port " +
                               std::to_string(port_) + ": " + log());
  }
  ~tinyproxy() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  tinyproxy(const tinyproxy&) = delete;
  tinyproxy& operator=(const tinyproxy&) = delete;

  unsigned short port() const { return port_; }
  // "http://[userinfo@]127.0.0.1:<port>"
  std::string url(const std::string& userinfo = {}) const {
    return "http://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" +
           std::to_string(port_);
  }
  std::string log() const {
    std::ifstream in(dir_ / "tinyproxy.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Log lines containing `what`: "Request (file descriptor" is one per request it was asked
  // ("): CONNECT " one per tunnel). Its "Connect" lines also count the start-up probes.
  std::size_t lines_with(const std::string& what) const {
    std::istringstream in(log());
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(what) != std::string::npos;
    return n;
  }

 private:
  std::filesystem::path dir_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

// A scripted proxy on 127.0.0.1:<ephemeral>. Each connection: read a request head, then either
// write `answer` and close, or (tunnel_to != 0) answer 200 and relay bytes both ways to
// 127.0.0.1:tunnel_to. With a certificate and key it speaks TLS first, as an https:// proxy.
class scripted_proxy {
 public:
  struct options {
    std::string answer;
    unsigned short tunnel_to = 0;
    std::string cert_pem, key_pem;
  };

  explicit scripted_proxy(options o)
      : options_(std::move(o)),
        acceptor_(io_, proxy_detail::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    if (!options_.cert_pem.empty()) {
      tls_.use_certificate_chain(boost::asio::buffer(options_.cert_pem));
      tls_.use_private_key(boost::asio::buffer(options_.key_pem), boost::asio::ssl::context::pem);
    }
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~scripted_proxy() {
    io_.stop();
    thread_.join();
  }
  scripted_proxy(const scripted_proxy&) = delete;
  scripted_proxy& operator=(const scripted_proxy&) = delete;

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const {
    return std::string(options_.cert_pem.empty() ? "http" : "https") + "://127.0.0.1:" +
           std::to_string(port());
  }
  std::size_t connections() const { return connections_.load(); }
  std::vector<std::string> heads() const {
    std::lock_guard lock(mutex_);
    return heads_;
  }

 private:
  using tcp = proxy_detail::tcp;
  template <typename T>
  using awaitable = boost::asio::awaitable<T>;

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(proxy_detail::use_tuple);
      if (ec) co_return;
      ++connections_;
      boost::asio::co_spawn(io_, serve(std::move(socket)), boost::asio::detached);
    }
  }

  awaitable<void> serve(tcp::socket socket) {
    if (options_.cert_pem.empty()) {
      co_await serve_on(socket);
      co_return;
    }
    boost::asio::ssl::stream<tcp::socket> tls(std::move(socket), tls_);
    auto [ec] = co_await tls.async_handshake(boost::asio::ssl::stream_base::server,
                                             proxy_detail::use_tuple);
    if (!ec) co_await serve_on(tls);
  }

  template <typename Stream>
  awaitable<void> serve_on(Stream& client) {
    std::string head;
    auto [ec, n] = co_await boost::asio::async_read_until(client, boost::asio::dynamic_buffer(head),
                                                          "\r\n\r\n", proxy_detail::use_tuple);
    if (ec) co_return;
    {
      std::lock_guard lock(mutex_);
      heads_.push_back(head.substr(0, n));
    }
    if (options_.tunnel_to == 0) {
      co_await boost::asio::async_write(client, boost::asio::buffer(options_.answer),
                                        proxy_detail::use_tuple);
      co_return;
    }
    tcp::socket upstream(io_);
    auto [connect_ec] = co_await upstream.async_connect(
        tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), options_.tunnel_to),
        proxy_detail::use_tuple);
    if (connect_ec) co_return;
    static const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
    co_await boost::asio::async_write(client, boost::asio::buffer(established),
                                      proxy_detail::use_tuple);
    using namespace boost::asio::experimental::awaitable_operators;
    co_await (pump(client, upstream) || pump(upstream, client));
  }

  template <typename From, typename To>
  static awaitable<void> pump(From& from, To& to) {
    char data[16 * 1024];
    for (;;) {
      auto [ec, n] = co_await from.async_read_some(boost::asio::buffer(data), proxy_detail::use_tuple);
      if (ec) co_return;
      auto [write_ec, written] =
          co_await boost::asio::async_write(to, boost::asio::buffer(data, n), proxy_detail::use_tuple);
      if (write_ec) co_return;
    }
  }

  options options_;
  // Before io_: the TLS streams of connections still open when io_ is destroyed use it.
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_server};
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
};

}  // namespace test_support

// The tagging_server example (examples/tagging_server) end to end: HTTP clients in front, the
// server on a four-thread io_context sharing one openai::client, and that client over real
// TLS to openai-mock behind. Every answer is checked, and the mock's store with it.
// Labelled "tsan": scripts/sanitizers.sh runs this suite under ThreadSanitizer.
#include "mock_fixture.hpp"
#include "tagging_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/resource.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using test_support::mock_fixture;

namespace {

struct answer {
  boost::system::error_code ec;  // the HTTP exchange itself failed
  unsigned status = 0;
  std::string body;
};

// One request on a connection of its own, then the connection is closed.
asio::awaitable<answer> send(unsigned short port, http::verb method, std::string target,
                             std::string body) {
  answer a;
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(std::chrono::minutes(2));  // generous: TSan makes everything slow
  const tcp::endpoint server(asio::ip::make_address_v4("127.0.0.1"), port);
  std::tie(a.ec) = co_await stream.async_connect(server, asio::as_tuple(asio::use_awaitable));
  if (a.ec) co_return a;
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  std::size_t bytes = 0;
  std::tie(a.ec, bytes) =
      co_await http::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
  if (a.ec) co_return a;
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  std::tie(a.ec, bytes) =
      co_await http::async_read(stream, buffer, response, asio::as_tuple(asio::use_awaitable));
  a.status = response.result_int();
  a.body = std::move(response.body());
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return a;
}

// The tagging server as main.cpp runs it: one client and the server on one io_context run by
// four threads; requests are sent from the test thread's own io_context.
class tagging_setup {
 public:
  explicit tagging_setup(openai::client_options options)
      : metrics_(std::make_shared<tagging::request_metrics>()),
        client_(io_.get_executor(), with_observer(std::move(options), metrics_)),
        server_(io_.get_executor(), client_, serving(metrics_)) {
    for (int t = 0; t < 4; ++t) threads_.emplace_back([this] { io_.run(); });
  }
  // Stops accepting; the threads return once the sessions have seen their clients close.
  ~tagging_setup() {
    server_.stop();
    for (auto& t : threads_) t.join();
  }

  openai::client& client() { return client_; }

  answer request(http::verb method, std::string target, std::string body = "") {
    asio::io_context io;
    return test_support::run(io, send(server_.port(), method, std::move(target), std::move(body)));
  }
  answer post(std::string target, std::string body = "") {
    return request(http::verb::post, std::move(target), std::move(body));
  }
  unsigned short port() const { return server_.port(); }

 private:
  static tagging::server_options serving(std::shared_ptr<tagging::request_metrics> m) {
    tagging::server_options o;
    o.metrics = std::move(m);
    return o;
  }
  static openai::client_options with_observer(openai::client_options o,
                                              std::shared_ptr<tagging::request_metrics> m) {
    o.observer = std::move(m);
    return o;
  }

  asio::io_context io_{4};
  std::shared_ptr<tagging::request_metrics> metrics_;
  openai::client client_;
  tagging::server server_;
  std::vector<std::thread> threads_;
};

json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  BOOST_TEST_REQUIRE(!ec, "not JSON: " << body);
  BOOST_TEST_REQUIRE(v.is_object(), "not a JSON object: " << body);
  return std::move(v.get_object());
}

std::string text(const json::value& v) { return json::value_to<std::string>(v); }

// The "error" object of an error answer.
json::object error_of(const answer& a) {
  json::object body = parse_object(a.body);
  BOOST_TEST_REQUIRE(body.contains("error"), a.body);
  return body.at("error").as_object();
}

// Every request below holds two sockets in this process (ours and the server's).
void allow_open_files(rlim_t wanted) {
  rlimit limit{};
  BOOST_TEST_REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
  }
  BOOST_TEST_REQUIRE(limit.rlim_cur >= wanted,
                     "the hard limit of open files (" << limit.rlim_max << ") is below " << wanted);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tagging_server, *boost::unit_test::label("tsan"))

BOOST_AUTO_TEST_CASE(two_thousand_requests_at_once_each_get_their_own_completion_tagged) {
  constexpr int n = 2000;
  allow_open_files(2 * n + 256);
  mock_fixture f(n);
  std::vector<answer> answers(n + 1);
  {
    tagging_setup server(f.options());
    asio::io_context io;
    // On one thread, every send() starts (and connects) before any answer is read: all 2,000
    // requests are in flight at once, queued at the server for the client's 8 connections.
    for (int i = 1; i <= n; ++i) {
      std::string body = R"({"request":")" + std::to_string(i) + R"(","via":"tagging_server"})";
      asio::co_spawn(io, send(server.port(), http::verb::post, "/tag/" + f.id(i), std::move(body)),
                     [&answers, i](std::exception_ptr e, answer a) {
                       if (e) std::rethrow_exception(e);
                       answers[i] = std::move(a);
                     });
    }
    io.run();
    BOOST_TEST(server.client().pool_stats().opened_total <= 8u);  // one shared pool

    // The client's observer, scraped as Prometheus would: every update counted once, timed
    // once, on at most 8 opened (or resumed) connections; the rest waited for the pool.
    const answer scrape = server.request(http::verb::get, "/metrics");
    BOOST_TEST(scrape.status == 200u);
    const std::string& m = scrape.body;
    BOOST_TEST(m.find("openai_attempts_total{operation=\"update\",outcome=\"ok\"} 2000\n") !=
                   std::string::npos,
               m.substr(0, 600));
    BOOST_TEST(m.find("openai_attempt_duration_seconds_count{operation=\"update\"} 2000\n") !=
                   std::string::npos);
    BOOST_TEST(m.find("openai_attempt_duration_seconds_bucket{operation=\"update\",le=\"+Inf\"} "
                      "2000\n") != std::string::npos);
    BOOST_TEST(m.find("openai_attempt_connections_total{connection=\"reused\"}") !=
               std::string::npos);
    BOOST_TEST(m.find("openai_pool_waits_total ") != std::string::npos);
    BOOST_TEST(m.find("openai_pool_waits_total 0\n") == std::string::npos);  // 2000 for 8
    BOOST_TEST(m.find("openai_pool_waits_failed_total 0\n") != std::string::npos);
    BOOST_TEST(m.find(f.id(1)) == std::string::npos);  // no completion id in any label
  }

  int wrong = 0;  // the first few reported in full, the rest counted
  for (int i = 1; i <= n; ++i) {
    const answer& a = answers[i];
    const std::map<std::string, std::string> expected{{"request", std::to_string(i)},
                                                      {"via", "tagging_server"}};
    bool ok = !a.ec && a.status == 200;
    if (ok) {
      json::object c = parse_object(a.body);
      ok = c.contains("id") && c.at("id") == json::value(f.id(i)) && c.contains("metadata") &&
           c.at("metadata") ==
               json::value{{"request", std::to_string(i)}, {"via", "tagging_server"}};
    }
    const auto stored = f.mock().metadata_of(f.id(i));
    ok = ok && stored && *stored == expected;
    if (!ok && ++wrong <= 5)
      BOOST_ERROR("request " << i << ": " << a.ec.message() << ", status " << a.status << ", body "
                             << a.body.substr(0, 300));
  }
  BOOST_TEST(wrong == 0);
  BOOST_TEST(f.mock().stats().by_route["POST updateChatCompletion"] == std::uint64_t(n));
}

BOOST_AUTO_TEST_CASE(an_empty_body_sets_the_default_tag) {
  mock_fixture f(3);
  tagging_setup server(f.options());
  answer a = server.post("/tag/" + f.id(2));
  BOOST_TEST(a.status == 200u);
  BOOST_TEST(parse_object(a.body).at("metadata") == (json::value{{"tagged_by", "tagging_server"}}));
  const auto stored = f.mock().metadata_of(f.id(2));
  BOOST_TEST_REQUIRE(stored.has_value());
  BOOST_TEST(stored->at("tagged_by") == "tagging_server");
}

BOOST_AUTO_TEST_CASE(refuses_bad_routes_ids_and_bodies_without_calling_the_api) {
  mock_fixture f(3);
  tagging_setup server(f.options());
  const std::string id = f.id(1);
  BOOST_TEST(server.request(http::verb::get, "/tag/" + id).status == 405u);
  BOOST_TEST(server.post("/untag/" + id).status == 404u);
  BOOST_TEST(server.post("/").status == 404u);
  BOOST_TEST(server.post("/tag/").status == 400u);
  BOOST_TEST(server.post("/tag/a%2Fb").status == 400u);
  BOOST_TEST(server.post("/tag/" + id + "/x").status == 400u);
  BOOST_TEST(server.post("/tag/" + id, "[1, 2]").status == 400u);
  BOOST_TEST(server.post("/tag/" + id, "{not json").status == 400u);

  answer number = server.post("/tag/" + id, R"({"n": 1})");
  BOOST_TEST(number.status == 400u);
  BOOST_TEST(text(error_of(number).at("message")).find("'n'") != std::string::npos);

  // Over the API's limits: the client refuses it, so the answer lists its violations.
  json::object seventeen;
  for (int i = 0; i < 17; ++i) seventeen["k" + std::to_string(i)] = "v";
  answer too_many = server.post("/tag/" + id, json::serialize(seventeen));
  BOOST_TEST(too_many.status == 400u);
  json::object error = error_of(too_many);
  BOOST_TEST(error.at("kind") == "invalid_argument");
  BOOST_TEST(error.at("violations").as_array().size() == 1u);
  BOOST_TEST(!error.contains("upstream_status"));

  BOOST_TEST(f.mock().stats().requests == 0u);
  BOOST_TEST(!f.mock().metadata_of(id)->contains("k0"));
}

BOOST_AUTO_TEST_CASE(passes_api_errors_on_with_kind_status_and_request_id) {
  mock_fixture f(3);
  f.mock().script_faults(f.id(2), {openai_mock::fault_plan::error(429, "rate_limit_exceeded")});
  f.mock().script_faults(f.id(3), {openai_mock::fault_plan::error(500)});
  openai::client_options options = f.options();
  options.max_retries = 0;  // the first answer is the result
  tagging_setup server(options);

  answer missing = server.post("/tag/chatcmpl-not-stored", R"({"a": "b"})");
  BOOST_TEST(missing.status == 404u);
  json::object error = error_of(missing);
  BOOST_TEST(error.at("kind") == "not_found");
  BOOST_TEST(error.at("upstream_status") == 404);
  BOOST_TEST(text(error.at("request_id")).starts_with("req_"));
  BOOST_TEST(!text(error.at("message")).empty());

  answer limited = server.post("/tag/" + f.id(2), R"({"a": "b"})");
  BOOST_TEST(limited.status == 429u);
  BOOST_TEST(error_of(limited).at("kind") == "rate_limited");

  // The API's own failure is not the caller's: a bad gateway, with the API's status inside.
  answer broken = server.post("/tag/" + f.id(3), R"({"a": "b"})");
  BOOST_TEST(broken.status == 502u);
  BOOST_TEST(error_of(broken).at("upstream_status") == 500);

  const openai::client_options wrong_key = [&] {
    openai::client_options o = f.options();
    o.api_key = "sk-wrong";
    return o;
  }();
  tagging_setup unauthorized(wrong_key);
  answer denied = unauthorized.post("/tag/" + f.id(1), R"({"a": "b"})");
  BOOST_TEST(denied.status == 502u);
  BOOST_TEST(error_of(denied).at("kind") == "authentication");
  BOOST_TEST(error_of(denied).at("upstream_status") == 401);
  BOOST_TEST(denied.body.find("sk-wrong") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

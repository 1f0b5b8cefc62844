// openai-mock's --rate-limit and --latency on a real socket (plain HTTP/1.1 on 127.0.0.1, one
// keep-alive connection per test): the x-ratelimit-* headers on every API answer, the 429 once
// the burst is spent, /__mock/rate-limit, no headers without a limit, and a lower bound of the
// latency. Over HTTP/2, and with many connections, the real client checks them
// (test/integration/test_mock_network.cpp).
#define BOOST_TEST_MODULE test_mock_network
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <regex>
#include <string>

#include "go_duration.hpp"
#include "server.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

const std::string key = "sk-mock-key";

openai_mock::server_options options(std::optional<openai_mock::rate_limit> limit = std::nullopt,
                                    std::chrono::nanoseconds latency = {}) {
  openai_mock::server_options o;
  o.api_key = key;
  o.seed_completions = 5;
  o.enable_https = false;
  o.rate_limit = std::move(limit);
  o.latency = latency;
  return o;
}

openai_mock::rate_limit limit(const char* text, std::optional<double> burst = std::nullopt) {
  auto l = openai_mock::parse_rate_limit(text);
  l.burst = burst;
  return l;
}

// One keep-alive connection to the mock's plain port.
class connection {
 public:
  explicit connection(openai_mock::server& mock) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), mock.http_port()});
  }
  void write(http::verb verb, const std::string& target, const std::string& body = {},
             const std::string& api_key = key) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!api_key.empty()) req.set(http::field::authorization, "Bearer " + api_key);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
  }
  http::response<http::string_body> read() {
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }
  http::response<http::string_body> send(http::verb verb, const std::string& target,
                                         const std::string& body = {},
                                         const std::string& api_key = key) {
    write(verb, target, body, api_key);
    return read();
  }
  http::response<http::string_body> get(const std::string& target) {
    return send(http::verb::get, target);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string header(const http::response<http::string_body>& r, std::string_view name) {
  return std::string(r[name]);
}

double seconds_of(const std::string& go) {
  const auto d = openai_mock::parse_go_duration(go);
  BOOST_TEST_REQUIRE(d.has_value(), "not a Go duration: '" << go << "'");
  return std::chrono::duration<double>(*d).count();
}

// The three headers are there, in the API's formats, and (limit - remaining) / reset is the
// rate (within what flooring the tokens and rounding the reset to milliseconds costs).
void check_ratelimit_headers(const http::response<http::string_body>& r, const std::string& limit,
                             double per_second) {
  const std::string l = header(r, "x-ratelimit-limit-requests");
  const std::string remaining = header(r, "x-ratelimit-remaining-requests");
  const std::string reset = header(r, "x-ratelimit-reset-requests");
  BOOST_TEST(l == limit);
  BOOST_TEST(std::regex_match(remaining, std::regex("[0-9]+")), remaining);
  // Go's time.Duration at ms precision: "905ms", "59.905s", "1m0.5s".
  BOOST_TEST(
      std::regex_match(
          reset, std::regex("0s|[1-9][0-9]{0,2}ms|([0-9]+h)?([0-9]+m)?[0-9]+(\\.[0-9]{1,3})?s")),
      reset);
  const double rate = (std::stod(l) - std::stod(remaining)) / seconds_of(reset);
  BOOST_TEST(std::abs(rate - per_second) <= 0.03 * per_second, "derived " << rate);
}

long long elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

std::string update_target(std::size_t i) {
  return "/v1/chat/completions/" + openai_mock::server::completion_id(i);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_network)

BOOST_AUTO_TEST_CASE(every_api_answer_carries_the_three_headers_in_the_apis_formats) {
  openai_mock::server mock(options(limit("200/s")));
  mock.start();
  connection c(mock);
  const auto ok = c.get("/v1/chat/completions?limit=2");
  BOOST_TEST(ok.result_int() == 200);
  check_ratelimit_headers(ok, "200", 200);
  const auto missing = c.get("/v1/chat/completions/chatcmpl-none");
  BOOST_TEST(missing.result_int() == 404);
  check_ratelimit_headers(missing, "200", 200);
  const auto unauthorized = c.send(http::verb::get, "/v1/chat/completions", {}, "sk-wrong");
  BOOST_TEST(unauthorized.result_int() == 401);
  check_ratelimit_headers(unauthorized, "200", 200);
  // The admin routes are no API request: no token, no headers.
  const auto stats = c.get("/__mock/stats");
  BOOST_TEST(stats["x-ratelimit-limit-requests"].empty());
}

BOOST_AUTO_TEST_CASE(a_per_minute_limit_is_announced_as_given_at_its_per_second_rate) {
  openai_mock::server mock(options(limit("12000/m")));
  mock.start();
  connection c(mock);
  const auto r = c.get("/v1/chat/completions?limit=1");
  check_ratelimit_headers(r, "12000", 200);
  // The bucket holds 20 (100 ms worth): 19 left, and (12000 - 19) / 200 s to refill the limit.
  BOOST_TEST(header(r, "x-ratelimit-remaining-requests") == "19");
  BOOST_TEST(seconds_of(header(r, "x-ratelimit-reset-requests")) >= 59.9);
}

BOOST_AUTO_TEST_CASE(burst_plus_five_requests_at_once_get_429s_with_the_apis_body) {
  // 120/m refills one token per 500 ms, and 25 requests on loopback take milliseconds. (A
  // burst below the limit, as the API's: its reset (limit - tokens) / rate is then above 0.)
  openai_mock::server mock(options(limit("120/m", 20)));
  mock.start();
  connection c(mock);
  unsigned refused = 0;
  for (int i = 0; i < 25; ++i) {
    const auto r = c.send(http::verb::post, update_target(1),
                          R"({"metadata":{"n":")" + std::to_string(i) + "\"}}");
    check_ratelimit_headers(r, "120", 2);
    if (i < 20) BOOST_TEST(r.result_int() == 200, "request " << i << " of the burst");
    if (r.result_int() != 429) continue;
    ++refused;
    const auto err = json::parse(r.body()).as_object().at("error").as_object();
    BOOST_TEST(err.at("code").as_string() == "rate_limit_exceeded");
    BOOST_TEST(err.at("type").as_string() == "requests");
    BOOST_TEST(err.at("param").is_null());
    const std::string message(err.at("message").as_string());
    BOOST_TEST(message.starts_with("Rate limit reached for requests"), message);
    BOOST_TEST(
        message.find("Limit 120, Used 120, Requested 1. Please try again in ") != std::string::npos,
        message);
    BOOST_TEST(header(r, "x-ratelimit-remaining-requests") == "0");
    const long wait_ms = std::stol(header(r, "retry-after-ms"));
    BOOST_TEST(wait_ms >= 1);
    BOOST_TEST(std::stol(header(r, "retry-after")) == (wait_ms + 999) / 1000);
  }
  BOOST_TEST(refused >= 1u);  // 5 unless the 25 requests took seconds
  const auto st = mock.stats();
  BOOST_TEST(st.rate_limited == refused);
  BOOST_TEST(st.requests == 25u);
  BOOST_TEST(st.faults_injected == 0u);
  // A refused update never reached the store.
  BOOST_TEST(st.by_route.at("POST updateChatCompletion") == 25u - refused);
  const auto stats = json::parse(c.get("/__mock/stats").body()).as_object();
  BOOST_TEST(stats.at("rate_limited").as_int64() == static_cast<std::int64_t>(refused));
}

BOOST_AUTO_TEST_CASE(the_admin_route_shows_and_changes_the_limit_at_run_time) {
  openai_mock::server mock(options(limit("200/s")));
  mock.start();
  connection c(mock);
  auto now = json::parse(c.get("/__mock/rate-limit").body()).as_object();
  BOOST_TEST(now.at("rate").as_string() == "200/s");
  BOOST_TEST(now.at("burst").to_number<double>() == 20.0);

  const auto set = c.send(http::verb::post, "/__mock/rate-limit", R"({"rate":"50/s","burst":5})");
  BOOST_TEST(set.result_int() == 200);
  now = json::parse(set.body()).as_object();
  BOOST_TEST(now.at("rate").as_string() == "50/s");
  BOOST_TEST(now.at("burst").to_number<double>() == 5.0);
  BOOST_TEST(now.at("tokens").to_number<double>() <= 5.0);
  const auto r = c.get("/v1/chat/completions?limit=1");
  check_ratelimit_headers(r, "50", 50);
  BOOST_TEST(std::stoi(header(r, "x-ratelimit-remaining-requests")) <= 4);

  BOOST_TEST(c.send(http::verb::post, "/__mock/rate-limit", R"({"rate":"0/s"})").result_int() ==
             400);
  BOOST_TEST(
      c.send(http::verb::post, "/__mock/rate-limit", R"({"rate":"9/s","burst":0})").result_int() ==
      400);
  BOOST_TEST(c.send(http::verb::post, "/__mock/rate-limit", "not json").result_int() == 400);
  BOOST_TEST(json::parse(c.get("/__mock/rate-limit").body()).as_object().at("rate").as_string() ==
             "50/s");

  BOOST_TEST(c.send(http::verb::delete_, "/__mock/rate-limit").result_int() == 200);
  BOOST_TEST(json::parse(c.get("/__mock/rate-limit").body()).as_object().at("rate").is_null());
  BOOST_TEST(c.get("/v1/chat/completions?limit=1")["x-ratelimit-limit-requests"].empty());
}

BOOST_AUTO_TEST_CASE(a_limit_set_at_run_time_on_a_server_started_without_one_applies) {
  openai_mock::server mock(options());
  mock.start();
  connection c(mock);
  BOOST_TEST(c.send(http::verb::post, "/__mock/rate-limit", R"({"rate":"12000/m"})").result_int() ==
             200);
  check_ratelimit_headers(c.get("/v1/chat/completions?limit=1"), "12000", 200);
}

BOOST_AUTO_TEST_CASE(without_a_limit_no_answer_carries_ratelimit_headers) {
  openai_mock::server mock(options());
  mock.start();
  connection c(mock);
  for (const auto& r : {c.get("/v1/chat/completions?limit=1"), c.get("/v1/chat/completions/x"),
                        c.send(http::verb::get, "/v1/chat/completions", {}, "sk-wrong")}) {
    BOOST_TEST(r["x-ratelimit-limit-requests"].empty());
    BOOST_TEST(r["x-ratelimit-remaining-requests"].empty());
    BOOST_TEST(r["x-ratelimit-reset-requests"].empty());
  }
  BOOST_TEST(mock.stats().rate_limited == 0u);
  BOOST_TEST(json::parse(c.get("/__mock/rate-limit").body()).as_object().at("rate").is_null());
}

BOOST_AUTO_TEST_CASE(an_answer_arrives_no_sooner_than_the_latency_and_admin_routes_wait_not) {
  openai_mock::server mock(options(std::nullopt, 200ms));
  mock.start();
  connection c(mock);
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(c.get("/v1/chat/completions?limit=1").result_int() == 200);
  BOOST_TEST(elapsed_ms(start) >= 200);  // a lower bound only
  BOOST_TEST(mock.stats().delayed_peak == 1u);
  c.get("/__mock/stats");
  BOOST_TEST(mock.stats().delayed_peak == 1u);  // the admin answer was not delayed
}

BOOST_AUTO_TEST_CASE(the_limit_is_decided_as_the_request_arrives_and_a_429_waits_out_the_latency) {
  // One token a second, burst 1, answers 1.5 s late. Two requests sent together (well within
  // a second of each other): the first takes the token, the second finds none. Were the limit
  // decided after the latency, the second would find the token refilled by then.
  openai_mock::server mock(options(limit("1/s", 1), 1500ms));
  mock.start();
  connection a(mock), b(mock);
  const auto start = std::chrono::steady_clock::now();
  a.write(http::verb::get, "/v1/chat/completions?limit=1");
  b.write(http::verb::get, "/v1/chat/completions?limit=1");
  const auto first = a.read(), second = b.read();
  BOOST_TEST(elapsed_ms(start) >= 1500);  // both waited, the 429 too
  BOOST_TEST(first.result_int() + second.result_int() == 200 + 429);
  BOOST_TEST(mock.stats().rate_limited == 1u);
  BOOST_TEST(mock.stats().delayed_peak == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

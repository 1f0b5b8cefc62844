#include "tagging_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <exception>
#include <optional>

namespace tagging {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(30);
constexpr std::size_t max_body_bytes = 64 * 1024;  // 16 pairs of the longest metadata fit

reply json_reply(unsigned status, const json::object& body) {
  return {status, json::serialize(body)};
}

reply error_reply(unsigned status, std::string_view kind, std::string_view message) {
  json::object error;
  error["kind"] = kind;
  error["message"] = message;
  json::object body;
  body["error"] = std::move(error);
  return json_reply(status, body);
}

// Which status our caller gets for a failed API call: the caller's own mistakes (input,
// unknown completion, conflicts, rate limits) are passed on; everything else is ours (502/504).
unsigned status_for(const openai::error& e) {
  using openai::errc;
  const boost::system::error_code kind = e.kind();
  if (kind == errc::invalid_argument || kind == errc::bad_request ||
      kind == errc::unprocessable_entity)
    return 400;
  if (kind == errc::not_found) return 404;
  if (kind == errc::conflict) return 409;
  if (kind == errc::rate_limited) return 429;
  if (kind == errc::timeout) return 504;
  return 502;
}

reply error_reply(const openai::error& e) {
  const openai::diagnostics& d = e.details();
  json::object error;
  // The errc's name ("not_found"), or the message of a kind outside the library's category.
  error["kind"] = e.kind().category() == openai::error_category()
                      ? std::string(openai::to_string(static_cast<openai::errc>(e.kind().value())))
                      : e.kind().message();
  error["message"] = d.message.empty() ? std::string(e.what()) : d.message;
  if (d.status != 0) error["upstream_status"] = d.status;
  if (!d.request_id.empty()) error["request_id"] = d.request_id;
  if (!d.violations.empty()) {
    json::array violations;
    for (const std::string& v : d.violations) violations.emplace_back(v);
    error["violations"] = std::move(violations);
  }
  json::object body;
  body["error"] = std::move(error);
  return json_reply(status_for(e), body);
}

// Completion ids are [A-Za-z0-9_.-]: anything else (percent escapes, slashes) is refused
// rather than guessed at.
bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The body as metadata: empty means the default tag; otherwise an object of strings.
// Limits (16 pairs, lengths) are left to the client, which checks them before sending.
std::optional<openai::metadata> metadata_from_body(std::string_view body,
                                                   const openai::metadata& default_tag,
                                                   std::string& problem) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return default_tag;
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    problem = "the body must be a JSON object of string values";
    return std::nullopt;
  }
  openai::metadata md;
  for (const auto& [key, v] : value.get_object()) {
    if (!v.is_string()) {
      problem = "metadata value of '" + std::string(key) + "' is not a string";
      return std::nullopt;
    }
    md.insert_or_assign(std::string(key), std::string(v.get_string()));
  }
  return md;
}

asio::awaitable<void> serve(beast::tcp_stream stream, std::shared_ptr<server_state> state);

}  // namespace

asio::awaitable<reply> handle(openai::client& client, std::string_view method,
                              std::string_view target, std::string_view body,
                              const openai::metadata& default_tag) {
  constexpr std::string_view prefix = "/tag/";
  const std::string_view path = target.substr(0, target.find('?'));
  if (!path.starts_with(prefix)) co_return error_reply(404, "not_found", "no such route");
  if (method != "POST") co_return error_reply(405, "method_not_allowed", "use POST");

  const std::string id(path.substr(prefix.size()));
  if (!valid_id(id)) co_return error_reply(400, "invalid_argument", "invalid completion id");
  std::string problem;
  std::optional<openai::metadata> md = metadata_from_body(body, default_tag, problem);
  if (!md) co_return error_reply(400, "invalid_argument", problem);

  reply answer;
  try {
    openai::chat_completion c = co_await client.update_completion(id, std::move(*md));
    answer = json_reply(200, c.json());
  } catch (const openai::error& e) {
    answer = error_reply(e);
  } catch (const std::exception& e) {
    answer = error_reply(500, "internal_error", e.what());
  }
  co_return answer;
}

struct server_state {
  server_state(asio::any_io_executor ex, openai::client& c, server_options o)
      : executor(ex),
        strand(asio::make_strand(ex)),
        acceptor(strand),
        client(c),
        options(std::move(o)) {}

  asio::any_io_executor executor;
  asio::strand<asio::any_io_executor> strand;  // the acceptor is used on this strand only
  tcp::acceptor acceptor;
  openai::client& client;
  const server_options options;
};

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<server_state> state) {
  for (;;) {
    // Each connection gets a strand of its own: its coroutine and its timer never run at once,
    // while different connections run on all the io_context's threads.
    auto [ec, socket] = co_await state->acceptor.async_accept(asio::make_strand(state->executor),
                                                              asio::as_tuple(asio::use_awaitable));
    if (!state->acceptor.is_open()) co_return;  // stop()
    if (ec) {
      // Out of file descriptors, most likely: back off instead of spinning.
      asio::steady_timer pause(state->strand, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    beast::tcp_stream stream(std::move(socket));
    auto executor = stream.get_executor();
    asio::co_spawn(executor, serve(std::move(stream), state), asio::detached);
  }
}

// One connection: requests one after another (HTTP/1.1 keep-alive) until the peer closes it,
// sends something that is not HTTP, or stays idle for idle_timeout.
asio::awaitable<void> serve(beast::tcp_stream stream, std::shared_ptr<server_state> state) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(max_body_bytes);
    stream.expires_after(idle_timeout);
    auto [read_ec, read_bytes] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (read_ec) break;
    const http::request<http::string_body>& request = parser.get();

    // No deadline while the API call runs: the client has its own per-attempt timeout.
    stream.expires_never();
    reply r;
    if (request.target() == "/metrics" && state->options.metrics) {
      r.body = state->options.metrics->prometheus_text() +
               tagging::pool_metrics_text(state->client.pool_stats());
      r.content_type = "text/plain; version=0.0.4";
    } else {
      r = co_await handle(state->client, request.method_string(), request.target(),
                          request.body(), state->options.default_tag);
    }

    http::response<http::string_body> response(static_cast<http::status>(r.status),
                                               request.version());
    response.set(http::field::content_type, r.content_type);
    response.keep_alive(request.keep_alive());
    response.body() = std::move(r.body);
    response.prepare_payload();
    stream.expires_after(idle_timeout);
    auto [write_ec, written] =
        co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
    if (write_ec || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

server::server(asio::any_io_executor executor, openai::client& client, server_options options)
    : state_(std::make_shared<server_state>(executor, client, std::move(options))) {
  // Loopback only: anyone who can reach this port can spend the API key.
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), state_->options.port);
  tcp::acceptor& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor.local_endpoint().port();
  asio::co_spawn(state_->strand, accept_loop(state_), asio::detached);
}

server::~server() { stop(); }

void server::stop() {
  asio::dispatch(state_->strand, [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
}

}  // namespace tagging

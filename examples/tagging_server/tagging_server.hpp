// A small HTTP service that tags stored chat completions: every POST /tag/{completion_id}
// becomes one update_completion call on a single openai::client shared by all connections and
// all threads, and the answer is the API's result as JSON.
//
//   asio::io_context io;
//   openai::client client(io.get_executor(), openai::client_options::from_env());
//   tagging::server server(io.get_executor(), client);  // 127.0.0.1, an ephemeral port
//   std::cout << "listening on port " << server.port() << '\n';
//   ... io.run() on as many threads as you like ...
//
// The protocol (bodies are JSON):
//   GET /metrics                the client's request metrics and its pool (connections,
//                               HTTP/2 connections and streams) in the Prometheus text format
//                               (when server_options::metrics is set)
//   POST /tag/{completion_id}   body: the new metadata as an object of strings, e.g.
//                               {"reviewed": "yes"}; an empty body sets the default tag
//                               {"tagged_by": "tagging_server"}. The update replaces the
//                               completion's metadata, as the API does.
//   200  the updated completion, exactly as the API returned it
//   4xx/5xx  {"error": {"kind", "message", "upstream_status", "request_id", "violations"}},
//        kind being openai::to_string of the error ("not_found", "rate_limited", ...):
//        400 bad id, body or metadata (nothing sent to the API); 404 unknown route or unknown
//        completion; 405 not a POST; 409 and 429 passed on; 504 the API timed out; 502 any
//        other failure of the API call (a bad key, a 5xx, the network): not the caller's fault.
#pragma once

#include "request_metrics.hpp"

#include <openai/client.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace tagging {

struct server_options {
  unsigned short port = 0;  // 0: an ephemeral port, see server::port()
  openai::metadata default_tag{{"tagged_by", "tagging_server"}};  // for an empty body
  // Set as the client's observer too: GET /metrics answers its counters (Prometheus text).
  std::shared_ptr<request_metrics> metrics;
};

// One HTTP answer: status, body and its type.
struct reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// The whole protocol without sockets: what one request gets back. Calls the API only for a
// well-formed POST /tag/{id}; never throws.
boost::asio::awaitable<reply> handle(openai::client& client, std::string_view method,
                                     std::string_view target, std::string_view body,
                                     const openai::metadata& default_tag);

struct server_state;  // defined in tagging_server.cpp

// Listens on 127.0.0.1 (never another address: the service has no authentication of its own)
// and serves each connection in its own coroutine on its own strand. `client` must outlive
// every connection; its executor may be the same io_context.
// Thread safety: port() and stop() may be called from any thread.
class server {
 public:
  // Binds and starts accepting; throws boost::system::system_error when the port is taken.
  server(boost::asio::any_io_executor executor, openai::client& client,
         server_options options = {});
  ~server();  // stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  unsigned short port() const noexcept { return port_; }
  // Stops accepting. Open connections finish their current request and end when the peer
  // closes them or after 30 s idle.
  void stop();

 private:
  std::shared_ptr<server_state> state_;
  unsigned short port_ = 0;
};

}  // namespace tagging

// One call, attempt after attempt: take a connection, exchange, and let the policy from above
// say whether to try again. Knows HTTP and connection reuse, nothing about the API.
//
// A template over the pool, so that unit tests drive the same loop with a fake pool and
// exchange, without sockets; lib/call.cpp instantiates it with connection_pool.
#pragma once

#include "http/message.hpp"
#include "http/render.hpp"
#include "support/saturating_time.hpp"
#include "transport/attempt_policy.hpp"
#include "transport/h2_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace openai::detail {

struct call_settings {
  std::chrono::milliseconds timeout{600000};  // per attempt: waiting for a connection included
  std::size_t max_response_bytes = 32 * 1024 * 1024;
  // One line per attempt and per outcome; empty = no logging. Lines carry no secrets: the key
  // lives only in the common headers, which are never logged.
  std::function<void(std::string_view)> log;
  // With log: also each request header line as sent, the request body, and the response
  // headers kept (client_options::debug_log_headers).
  bool log_headers = false;
};

// What the attempts came to. Lease: the pool's lease type.
template <typename Lease>
struct attempt_outcome_of {
  // Empty when a response arrived (whatever its status); otherwise the raw error of the last
  // attempt (socket, TLS, parser, asio::error::timed_out, operation_aborted).
  boost::system::error_code ec;
  std::string problem;     // readable detail of ec
  boost::system::error_code cause;  // the underlying error behind ec, when there was one
  http::response response;  // the last response, when ec is empty
  unsigned attempts = 0;   // requests tried, the stale-connection re-send not counted
  // The connection that brought the last answer, still leased: the caller checks that the
  // answer is for its request before the connection serves another (close() it when it is
  // not), then resets the lease. Empty after a failure.
  Lease connection;
};

namespace attempt_log {

inline void request_line(const call_settings& s, const http::request& r, unsigned attempt) {
  if (!s.log) return;
  std::string line = "openai-asio: -> ";
  line.append(boost::beast::http::to_string(r.method)).append(" ").append(r.target);
  line.append(" attempt ").append(std::to_string(attempt));
  s.log(line);
}

inline void outcome_line(const call_settings& s, const http::request& r, unsigned attempt,
                         boost::system::error_code ec, std::string_view problem,
                         unsigned status, std::string_view response_id,
                         std::chrono::steady_clock::time_point started) {
  if (!s.log) return;
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  std::string line = "openai-asio: <- ";
  line.append(boost::beast::http::to_string(r.method)).append(" ").append(r.target);
  line.append(" attempt ").append(std::to_string(attempt)).append(": ");
  if (ec)
    line.append(ec.message()).append(" (").append(problem).append(")");
  else
    line.append(std::to_string(status));
  if (!ec && !response_id.empty()) line.append(" request id ").append(response_id);
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, " in %.1f ms", ms.count());
  line.append(elapsed);
  s.log(line);
}

// The request's header lines exactly as they go on the wire (the same renderer), then its
// body; neither the Authorization nor a Proxy-Authorization value is ever logged.
inline void request_details(const call_settings& s, const http::request& r) {
  std::string wire;
  http::render_request(r, wire);
  std::string_view head = std::string_view(wire).substr(0, wire.find("\r\n\r\n"));
  head.remove_prefix(std::min(head.size(), head.find("\r\n") + 2));  // the request line
  while (!head.empty()) {
    const std::size_t eol = head.find("\r\n");
    const std::string_view h = head.substr(0, eol);
    const std::string_view name = h.substr(0, h.find(':'));
    std::string line = "openai-asio:    ";
    if (boost::beast::iequals(name, "authorization"))
      line.append(name).append(": Bearer <REDACTED>");
    else if (boost::beast::iequals(name, "proxy-authorization"))
      line.append(name).append(": <REDACTED>");
    else
      line.append(h);
    s.log(line);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  }
  // The body is the request's JSON (metadata): small, and redacted like every log line.
  if (!r.body.empty()) s.log("openai-asio:    body: " + r.body);
}

// The response headers the client kept, one line each.
inline void response_headers(const call_settings& s, const http::response_header_names& names,
                             const http::response& r) {
  for (std::size_t i = 0; i < names.count; ++i)
    if (!r.kept[i].empty())
      s.log(std::string("openai-asio:    ").append(names.names[i]).append(": ").append(r.kept[i]));
}

}  // namespace attempt_log

// Cancellation: terminal; aborts the current exchange or wait and reports operation_aborted.
template <typename Pool, typename Outcome>
boost::asio::awaitable<void> run_attempts(Pool& pool, const http::request& request,
                                          const call_settings& settings, attempt_policy& policy,
                                          Outcome& out) {
  namespace asio = boost::asio;
  using clock = std::chrono::steady_clock;
  const auto aborted = make_error_code(asio::error::operation_aborted);
  bool resent_after_stale = false;
  bool prefer_new = false;
  // HTTP/2 requests the server did not process (REFUSED_STREAM, above a GOAWAY's
  // last-stream-id) are sent again without counting an attempt; a server that refuses every
  // time still ends the call.
  constexpr unsigned max_unprocessed_resends = 16;
  unsigned unprocessed_resends = 0;

  // A cancellation emitted while this coroutine was between operations reaches no operation;
  // the state remembers it, so it is checked before each step.
  const auto cancellation = co_await asio::this_coro::cancellation_state;
  auto cancelled = [&cancellation] {
    return cancellation.cancelled() != asio::cancellation_type::none;
  };

  for (;;) {
    if (cancelled()) {
      out.ec = aborted;
      out.problem = "cancelled";
      co_return;
    }
    ++out.attempts;
    out.response.clear();
    out.problem.clear();
    out.cause.clear();
    const auto started = clock::now();
    const auto deadline = saturating_add(started, settings.timeout);  // max(): none
    attempt_log::request_line(settings, request, out.attempts);
    if (settings.log && settings.log_headers) attempt_log::request_details(settings, request);

    typename Pool::acquired acquired;
    if (!prefer_new) acquired.conn = pool.try_acquire_idle();  // no coroutine frame when idle
    if (!acquired.conn) acquired = co_await pool.acquire(deadline, prefer_new);
    prefer_new = false;
    boost::system::error_code ec = acquired.ec;
    out.problem = std::move(acquired.problem);
    out.cause = acquired.cause;
    if (!ec && cancelled()) ec = aborted;
    attempt_record record;  // filled only when the policy records attempts
    if (!ec) {
      ec = co_await acquired.conn->exchange(request, out.response, deadline,
                                            settings.max_response_bytes, policy.kept_headers(),
                                            out.problem);
      out.cause = ec ? acquired.conn->last_cause() : boost::system::error_code{};
      if (policy.records_attempts()) {
        record.had_connection = true;
        record.fresh_connection = acquired.conn.fresh();
        record.resumed_session = acquired.conn.fresh() && acquired.conn->resumed();
        record.bytes_sent = acquired.conn->bytes_sent();
        record.bytes_received = acquired.conn->bytes_received();
      }
      // A kept-alive connection the server closed while idle fails before any response byte.
      // That is not the request's fault: send it again, once, on a new connection. Not an
      // HTTP/2 stream whose connection another stream broke: the server had it and may have
      // processed it, so its re-send is an attempt, as the policy decides.
      const bool stale = ec && ec != aborted && ec != asio::error::timed_out &&
                         ec != h2_errc::connection_failed && !acquired.conn.fresh() &&
                         !acquired.conn->received_any();
      if (ec)
        acquired.conn.reset();
      else
        out.connection = std::move(acquired.conn);
      if (ec == h2_errc::unprocessed && unprocessed_resends < max_unprocessed_resends) {
        if (settings.log)
          settings.log("openai-asio: " + out.problem +
                       "; sending it again, not counted as an attempt");
        ++unprocessed_resends;
        --out.attempts;
        continue;
      }
      if (stale && !resent_after_stale) {
        if (settings.log)
          settings.log(
              "openai-asio: kept-alive connection was closed by the server; re-sending once on "
              "a new one");
        resent_after_stale = true;
        prefer_new = true;
        --out.attempts;
        continue;
      }
    }
    if (ec) out.response.clear();
    if (policy.records_attempts()) {
      record.attempt = out.attempts;
      record.failure = ec;
      record.status = out.response.status;
      record.duration = clock::now() - started;
      policy.record(record);
    }
    if (settings.log)
      attempt_log::outcome_line(settings, request, out.attempts, ec, out.problem,
                                out.response.status, policy.response_id(out.response), started);
    if (!ec && settings.log && settings.log_headers)
      attempt_log::response_headers(settings, policy.kept_headers(), out.response);
    if (ec == aborted) {
      out.ec = ec;
      co_return;
    }
    const attempt_verdict verdict = policy.judge(ec, out.response);
    if (verdict.done) {
      out.ec = ec;
      co_return;
    }
    out.connection.reset();  // not kept across the wait
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_at(saturating_add(asio::steady_timer::clock_type::now(), verdict.wait));
    auto [wait_ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (wait_ec) {
      out.ec = aborted;
      out.problem = "cancelled while waiting to retry";
      co_return;
    }
  }
}

}  // namespace openai::detail

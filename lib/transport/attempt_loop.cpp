#include "transport/attempt_loop.hpp"

#include "model/parse.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <random>

namespace openai::detail {

namespace asio = boost::asio;

namespace {

double random_fraction() {
  thread_local std::minstd_rand engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

bool is_2xx(unsigned status) { return status >= 200 && status <= 299; }

std::string_view method_name(http_method m) {
  switch (m) {
    case http_method::get: return "GET";
    case http_method::post: return "POST";
    case http_method::delete_: return "DELETE";
  }
  return "?";
}

// The request's header lines exactly as they go on the wire (from the same renderer), one log
// line each, then its body; the Authorization value is never logged.
void log_request_headers(const call_settings& settings, const http_request& request) {
  std::string wire;
  render_request(request, wire);
  const std::size_t head_end = wire.find("\r\n\r\n");
  std::string_view head = std::string_view(wire).substr(0, head_end);
  head.remove_prefix(std::min(head.size(), head.find("\r\n") + 2));  // the request line
  while (!head.empty()) {
    const std::size_t eol = head.find("\r\n");
    const std::string_view h = head.substr(0, eol);
    std::string line = "openai-asio:    ";
    const std::size_t colon = h.find(':');
    const std::string_view name = h.substr(0, colon);
    const bool secret = name.size() == 13 && std::equal(name.begin(), name.end(), "authorization",
                                                        [](char a, char b) {
                                                          return (a | 0x20) == b;
                                                        });
    if (secret)
      line.append(name).append(": Bearer <REDACTED>");
    else
      line.append(h);
    settings.log(line);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  }
  // The body is the request's JSON (metadata): small, and redacted like every log line.
  if (!request.body.empty()) settings.log("openai-asio:    body: " + request.body);
}

// The response headers the client acts on, one log line each.
void log_response_headers(const call_settings& settings, const http_response& r) {
  const std::pair<std::string_view, const std::string*> kept[] = {
      {"x-request-id", &r.request_id},
      {"x-should-retry", &r.should_retry},
      {"retry-after-ms", &r.retry_after_ms},
      {"retry-after", &r.retry_after},
      {"x-ratelimit-remaining-requests", &r.ratelimit_remaining_requests},
      {"x-ratelimit-reset-requests", &r.ratelimit_reset_requests}};
  for (const auto& [name, value] : kept)
    if (!value->empty())
      settings.log(std::string("openai-asio:    ").append(name).append(": ").append(*value));
}

void log_outcome(const call_settings& settings, const http_request& request, unsigned attempt,
                 boost::system::error_code ec, const call_outcome& out,
                 connection::clock::time_point started) {
  if (!settings.log) return;
  const auto ms = std::chrono::duration<double, std::milli>(connection::clock::now() - started);
  std::string line = "openai-asio: <- ";
  line.append(method_name(request.method)).append(" ").append(request.target);
  line.append(" attempt ").append(std::to_string(attempt)).append(": ");
  if (ec) {
    line.append(ec.message()).append(" (").append(out.problem).append(")");
  } else {
    line.append(std::to_string(out.response.status));
    if (!out.response.request_id.empty()) line.append(" request id ").append(out.response.request_id);
  }
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, " in %.1f ms", ms.count());
  line.append(elapsed);
  settings.log(line);
  if (!ec && settings.log_headers) log_response_headers(settings, out.response);
}

}  // namespace

asio::awaitable<void> run_attempts(connection_pool& pool, const http_request& request,
                                   const call_settings& settings, call_outcome& out) {
  const auto aborted = make_error_code(asio::error::operation_aborted);
  unsigned retries = 0;
  bool resent_after_stale = false;
  bool prefer_new = false;

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
    const auto started = connection::clock::now();
    const auto deadline = started + settings.timeout;
    if (settings.log) {
      std::string line = "openai-asio: -> ";
      line.append(method_name(request.method)).append(" ").append(request.target);
      line.append(" attempt ").append(std::to_string(out.attempts));
      settings.log(line);
      if (settings.log_headers) log_request_headers(settings, request);
    }

    connection_pool::acquired acquired;
    if (!prefer_new) acquired.conn = pool.try_acquire_idle();  // no coroutine frame when idle
    if (!acquired.conn) acquired = co_await pool.acquire(deadline, prefer_new);
    prefer_new = false;
    boost::system::error_code ec = acquired.ec;
    out.problem = std::move(acquired.problem);
    out.cause = acquired.cause;
    if (!ec && cancelled()) ec = aborted;
    if (!ec) {
      ec = co_await acquired.conn->exchange(request, out.response, deadline,
                                            settings.max_response_bytes, out.problem);
      out.cause = ec ? acquired.conn->last_cause() : boost::system::error_code{};
      // A kept-alive connection the server closed while idle fails before any response byte.
      // That is not the request's fault: send it again, once, on a new connection.
      const bool stale = ec == make_error_code(errc::network) && !acquired.conn.fresh() &&
                         !acquired.conn->received_any();
      if (!ec && is_2xx(out.response.status))
        out.connection = std::move(acquired.conn);
      else
        acquired.conn.reset();
      if (stale && !resent_after_stale) {
        if (settings.log) settings.log("openai-asio: kept-alive connection was closed by the server; re-sending once on a new one");
        resent_after_stale = true;
        prefer_new = true;
        --out.attempts;
        continue;
      }
    }
    if (ec) out.response.clear();
    log_outcome(settings, request, out.attempts, ec, out, started);
    if (ec == aborted) {
      out.ec = ec;
      co_return;
    }
    if (!ec && is_2xx(out.response.status)) {
      out.ec = {};
      co_return;
    }

    attempt_outcome outcome;
    std::string error_code_text;
    if (ec) {
      outcome.transport_failure = ec != make_error_code(errc::bad_response);
    } else {
      outcome.status = out.response.status;
      outcome.should_retry = out.response.should_retry;
      outcome.retry_after_ms = out.response.retry_after_ms;
      outcome.retry_after = out.response.retry_after;
      if (outcome.status == 429) {
        ++out.rate_limited;
        error_code_text = parse_error_body(out.response.body).code;
        outcome.error_code = error_code_text;
      }
    }
    const auto decision = decide_retry(settings.retry, retries, outcome, std::chrono::system_clock::now(),
                                       random_fraction());
    if (!decision.retry) {
      out.ec = ec;
      co_return;
    }
    ++retries;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(decision.wait);
    auto [wait_ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (wait_ec) {
      out.ec = aborted;
      out.problem = "cancelled while waiting to retry";
      co_return;
    }
  }
}

}  // namespace openai::detail

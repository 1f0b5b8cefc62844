#include "client_impl.hpp"

#include "api/endpoints.hpp"
#include "support/redact.hpp"
#include "transport/client_certificate.hpp"
#include "transport/tls_context.hpp"

#include <openai/error.hpp>

#include <boost/asio/detail/concurrency_hint.hpp>
#include <boost/asio/detail/scheduler.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>

#include <optional>

namespace openai::detail {

namespace asio = boost::asio;

namespace {

// The key is taken out: a key pasted where a URL belongs would be echoed otherwise.
[[noreturn]] void configuration_problem(std::string problem, const secrets& secret) {
  redact_all(problem, secret);
  diagnostics d;
  d.message = std::move(problem);
  throw configuration_error(make_error_code(errc::invalid_configuration), std::move(d));
}

}  // namespace

client_impl::client_impl(asio::any_io_executor executor, client_options options)
    : executor_(std::move(executor)), options_(std::move(options)) {
  secrets_ = secrets(options_.api_key);
  std::string problem;
  auto url = parse_base_url(options_.base_url, problem);
  if (!url) configuration_problem(problem, secrets_);
  url_ = *url;
  if (!url_.tls && !url_.host_is_loopback && !options_.allow_insecure_http)
    configuration_problem("base_url '" + echoable_url(options_.base_url) +
                              "' is plain http:// to a host other than loopback: the API key "
                              "would travel unencrypted; set allow_insecure_http to allow it",
                          secrets_);
  // These go into header lines: a CR or LF would end the line and smuggle in another header.
  // The key itself is never quoted in the message.
  const std::pair<const char*, const std::string*> header_values[] = {
      {"api_key", &options_.api_key},
      {"organization", &options_.organization},
      {"project", &options_.project}};
  for (const auto& [name, value] : header_values) {
    if (value->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      configuration_problem(std::string(name) + " contains a CR, LF or NUL character",
                            secrets_);
  }
  const client_identity identity{options_.client_cert_file, options_.client_cert_pem,
                                 options_.client_key_file, options_.client_key_pem,
                                 options_.client_key_passphrase};
  if (!url_.tls && !identity.empty())
    configuration_problem("a client certificate is set but base_url '" +
                              echoable_url(options_.base_url) +
                              "' is plain http://: mutual TLS needs https://",
                          secrets_);
  std::shared_ptr<asio::ssl::context> tls;
  if (url_.tls) {
    tls = make_tls_context(options_.ca_file, options_.ca_pem, problem);
    if (!tls || !use_client_identity(*tls, identity, problem))
      configuration_problem(problem, secrets_);
  }
  choose_route();
  common_headers_ = make_common_headers(options_, url_);
  pool_settings pool;
  pool.max_connections = options_.max_connections;
  pool.connect_timeout = options_.connect_timeout;
  pool.idle_timeout = options_.idle_timeout;
  if (options_.max_streams_per_connection == 0)
    configuration_problem("max_streams_per_connection must be at least 1", secrets_);
  pool.offer_http2 = options_.http_version != http_version::http1;
  pool.require_http2 = options_.http_version == http_version::http2;
  pool.max_streams = options_.max_streams_per_connection;
  // An h2 connection's session is touched by every call on it: on one thread, the io_context
  // itself serializes them; otherwise a strand of the connection's own.
  pool.http2_executor = [executor = executor_] { return executor_for_call(executor); };
  if (options_.observer) {
    // The observer is shared with the pool: it outlives every wait.
    pool.on_wait = [observer = options_.observer](std::chrono::nanoseconds waited, bool ok) {
      observer->on_pool_wait({waited, ok});
    };
  }
  pool_ = std::make_shared<connection_pool>(executor_, url_, std::move(tls), std::move(pool),
                                           proxy_);
}

void client_impl::choose_route() {
  const auto& env = options_.proxy_env;
  const std::string chosen = choose_proxy(
      {options_.proxy, env.https_proxy, env.http_proxy, env.all_proxy, env.no_proxy}, url_);
  if (chosen.empty()) return;
  std::string problem;
  auto parsed = parse_proxy_url(chosen, problem);
  if (!parsed) configuration_problem(problem, secrets_);
  auto hop = std::make_shared<proxy_hop>();
  hop->url = std::move(*parsed);
  secrets_ = secrets(options_.api_key, hop->url.password, hop->url.authorization);
  // An http:// target's requests go to the proxy as they are: the key would cross the network
  // in clear to a plain proxy elsewhere. (The proxy's name is a valid base URL.)
  if (!url_.tls && !hop->url.tls && !options_.allow_insecure_http) {
    std::string ignored;
    const auto proxy_as_url = parse_base_url(hop->url.name, ignored);
    if (!proxy_as_url || !proxy_as_url->host_is_loopback)
      configuration_problem("plain http:// requests would go to proxy " + hop->url.name +
                                " unencrypted, the API key with them; set allow_insecure_http to "
                                "allow it",
                            secrets_);
  }
  if (hop->url.tls) {
    // The same trust store as the API host's, in a context of its own (proxy_hop::tls).
    hop->tls = make_tls_context(options_.ca_file, options_.ca_pem, problem);
    if (!hop->tls) configuration_problem(problem, secrets_);
  }
  proxy_ = std::move(hop);
}

asio::any_io_executor executor_for_call(const asio::any_io_executor& client_executor) {
  // Over the io_context's own executor type when that is what the client runs on: it fits in
  // any_io_executor's small buffer, where a strand<any_io_executor> does not, and every copy or
  // prefer() of the call's executor would then allocate.
  if (const auto* io = client_executor.target<asio::io_context::executor_type>()) {
    // Concurrency hint 1 is the io_context's promise that one thread runs it (Asio builds its
    // own single-thread shortcuts on it), as does a hint that turns off its locking. Then
    // nothing of a call can run in parallel with anything else: a strand would only cost a
    // lock, a queue and two allocations per call.
    const int hint =
        asio::use_service<asio::detail::scheduler>(io->context()).concurrency_hint();
    if (hint == 1 || !BOOST_ASIO_CONCURRENCY_HINT_IS_LOCKING(SCHEDULER, hint))
      return client_executor;
    return asio::make_strand(*io);
  }
  return asio::make_strand(client_executor);
}

std::shared_ptr<client_impl::running_call> client_impl::register_call() {
  asio::any_io_executor strand = executor_for_call(executor_);
  auto call = std::make_shared<running_call>(std::move(strand));
  std::lock_guard lock(calls_mutex_);
  if (shut_down_) return nullptr;
  calls_.insert(call);
  return call;
}

void client_impl::unregister_call(const std::shared_ptr<running_call>& call) {
  std::lock_guard lock(calls_mutex_);
  calls_.erase(call);
}

void client_impl::shutdown() {
  std::unordered_set<std::shared_ptr<running_call>> running;
  {
    std::lock_guard lock(calls_mutex_);
    shut_down_ = true;
    running.swap(calls_);
  }
  for (const auto& call : running)
    asio::dispatch(call->strand, [call] { call->signal.emit(asio::cancellation_type::terminal); });
  pool_->shutdown();
}

void client_impl::redact(std::string& text) const { detail::redact_all(text, secrets_); }

call_settings client_impl::settings_for(const request_options& options) const {
  call_settings settings;
  settings.timeout = options.timeout.value_or(options_.timeout);
  settings.max_response_bytes = options_.max_response_bytes;
  if (options_.debug_log) {
    // The key never reaches a log line: redact() guards against ids or servers echoing it.
    settings.log_headers = options_.debug_log_headers;
    settings.log = [this](std::string_view line) {
      std::string text(line);
      redact(text);
      options_.debug_log(text);
    };
  }
  return settings;
}

retry_config client_impl::retry_for(const request_options& options) const {
  retry_config retry;
  retry.max_retries = options.max_retries.value_or(options_.max_retries);
  retry.initial_backoff = options_.initial_retry_delay;
  retry.max_backoff = options_.max_retry_delay;
  retry.max_server_wait = options_.max_retry_after;
  retry.retry_announced_rate_limits = options.retry_announced_rate_limits;
  return retry;
}

}  // namespace openai::detail

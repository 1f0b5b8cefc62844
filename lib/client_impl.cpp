#include "client_impl.hpp"

#include "model/parse.hpp"
#include "redact.hpp"
#include "transport/tls_context.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>

#include <optional>

namespace openai::detail {

namespace asio = boost::asio;

namespace {

// The key is taken out: a key pasted where a URL belongs would be echoed otherwise.
[[noreturn]] void configuration_problem(std::string problem, std::string_view api_key) {
  redact(problem, api_key);
  diagnostics d;
  d.message = std::move(problem);
  throw configuration_error(make_error_code(errc::invalid_configuration), std::move(d));
}

}  // namespace

client_impl::client_impl(asio::any_io_executor executor, client_options options)
    : executor_(std::move(executor)), options_(std::move(options)) {
  std::string problem;
  auto url = parse_base_url(options_.base_url, problem);
  if (!url) configuration_problem(problem, options_.api_key);
  url_ = *url;
  if (!url_.tls && !url_.host_is_loopback && !options_.allow_insecure_http)
    configuration_problem("base_url '" + echoable_url(options_.base_url) +
                              "' is plain http:// to a host other than loopback: the API key "
                              "would travel unencrypted; set allow_insecure_http to allow it",
                          options_.api_key);
  // These go into header lines: a CR or LF would end the line and smuggle in another header.
  // The key itself is never quoted in the message.
  const std::pair<const char*, const std::string*> header_values[] = {
      {"api_key", &options_.api_key},
      {"organization", &options_.organization},
      {"project", &options_.project}};
  for (const auto& [name, value] : header_values) {
    if (value->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      configuration_problem(std::string(name) + " contains a CR, LF or NUL character",
                            options_.api_key);
  }
  std::shared_ptr<asio::ssl::context> tls;
  if (url_.tls) {
    tls = make_tls_context(options_.ca_file, options_.ca_pem, problem);
    if (!tls) configuration_problem(problem, options_.api_key);
  }
  common_headers_ = make_common_headers(options_, url_);
  pool_ = std::make_shared<connection_pool>(
      executor_, url_, std::move(tls),
      pool_settings{options_.max_connections, options_.connect_timeout, options_.idle_timeout});
}

std::shared_ptr<client_impl::running_call> client_impl::register_call() {
  // A strand over the io_context's own executor type when that is what the client runs on: it
  // fits in any_io_executor's small buffer, where a strand<any_io_executor> does not, and every
  // copy or prefer() of the call's executor would then allocate.
  asio::any_io_executor strand;
  if (const auto* io = executor_.target<asio::io_context::executor_type>())
    strand = asio::make_strand(*io);
  else
    strand = asio::make_strand(executor_);
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

void client_impl::redact(std::string& text) const { detail::redact(text, options_.api_key); }

call_settings client_impl::settings_for(const request_options& options) const {
  call_settings settings;
  settings.timeout = options.timeout.value_or(options_.timeout);
  settings.retry.max_retries = options.max_retries.value_or(options_.max_retries);
  settings.max_response_bytes = options_.max_response_bytes;
  settings.retry.initial_backoff = options_.initial_retry_delay;
  settings.retry.max_backoff = options_.max_retry_delay;
  settings.retry.max_server_wait = options_.max_retry_after;
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

call_settings client_impl::prepare(http_request& request, const request_options& options) const {
  request.common_headers = common_headers_;
  return settings_for(options);
}

std::pair<boost::system::error_code, raw_result> client_impl::finish(call_outcome& outcome,
                                                                     diagnostics* diag) const {
  diagnostics d;
  d.attempts = outcome.attempts;
  d.rate_limited = outcome.rate_limited;
  d.request_id = outcome.response.request_id;  // copied: the result carries it too
  d.ratelimit_remaining_requests = outcome.response.ratelimit_remaining_requests;
  d.ratelimit_reset_requests = outcome.response.ratelimit_reset_requests;
  boost::system::error_code ec = outcome.ec;
  // Emplaced, never assigned: the result must keep the parsed object's arena (see parse.hpp).
  std::optional<boost::json::object> json;

  if (ec) {
    d.message = std::move(outcome.problem);
    d.cause = outcome.cause ? outcome.cause : ec;
  } else if (outcome.response.status < 200 || outcome.response.status > 299) {
    ec = make_error_code(errc_for_status(outcome.response.status));
    d.status = outcome.response.status;
    auto body = parse_error_body(outcome.response.body, options_.api_key);
    d.message = std::move(body.message);
    d.type = std::move(body.type);
    d.code = std::move(body.code);
    d.param = std::move(body.param);
  } else {
    d.status = outcome.response.status;
    std::string problem;
    json.emplace(parse_object_body(outcome.response.body, problem, options_.api_key));
    if (!problem.empty()) {
      ec = make_error_code(errc::bad_response);
      d.message = std::move(problem);
    }
  }
  for (std::string* text : {&d.message, &d.type, &d.code, &d.param, &d.request_id}) redact(*text);
  if (diag) *diag = std::move(d);
  return std::pair{ec, raw_result{json ? std::move(*json) : boost::json::object{},
                                  std::move(outcome.response.request_id), outcome.attempts}};
}

}  // namespace openai::detail

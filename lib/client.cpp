#include <openai/client.hpp>

#include "client_impl.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>

namespace openai {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

std::optional<std::string> process_variable(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Sets `into` from the variable when it is set and not empty; returns whether it did.
bool read_env(const env_lookup& lookup, std::string_view name, std::string& into) {
  std::optional<std::string> value = lookup(name);
  if (!value || value->empty()) return false;
  into = std::move(*value);
  return true;
}

}  // namespace

proxy_environment proxy_environment::from_env() { return from_env(process_variable); }

proxy_environment proxy_environment::from_env(const env_lookup& lookup) {
  proxy_environment env;
  auto either = [&](std::string_view upper, std::string_view lower, std::string& into) {
    if (!read_env(lookup, upper, into)) read_env(lookup, lower, into);
  };
  either("HTTPS_PROXY", "https_proxy", env.https_proxy);
  either("HTTP_PROXY", "http_proxy", env.http_proxy);
  either("ALL_PROXY", "all_proxy", env.all_proxy);
  either("NO_PROXY", "no_proxy", env.no_proxy);
  return env;
}

client_options client_options::from_env() { return from_env(process_variable); }

client_options client_options::from_env(const env_lookup& lookup) {
  client_options options;
  read_env(lookup, "OPENAI_API_KEY", options.api_key);
  read_env(lookup, "OPENAI_BASE_URL", options.base_url);
  read_env(lookup, "OPENAI_ORG_ID", options.organization);
  read_env(lookup, "OPENAI_PROJECT_ID", options.project);
  read_env(lookup, "OPENAI_MTLS_CLIENT_CERT_FILE", options.client_cert_file);
  read_env(lookup, "OPENAI_MTLS_CLIENT_KEY_FILE", options.client_key_file);
  options.proxy_env = proxy_environment::from_env(lookup);
  return options;
}

client::client(executor_type executor, client_options options)
    : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(options))) {}

client::~client() {
  if (impl_) impl_->shutdown();
}

client::executor_type client::get_executor() const noexcept { return impl_->executor(); }

pool_stats client::pool_stats() const { return impl_->pool_stats(); }

void client::close_idle_connections() { impl_->close_idle_connections(); }

namespace {

// The coroutine form of any operation: the token form with diagnostics, thrown as an
// exception. A coroutine of its own, so that its arguments are copied when the caller calls,
// not when the returned awaitable first runs (a string_view could dangle by then).
template <typename Op>
asio::awaitable<typename Op::result_type> await_operation(
    std::shared_ptr<detail::client_impl> impl, Op op, request_options options) {
  diagnostics diag;
  auto token = asio::as_tuple(asio::use_awaitable);
  auto [ec, result] = co_await asio::async_initiate<decltype(token), detail::operation_signature<Op>>(
      detail::operation_initiation(impl), token, std::move(op), std::move(options), &diag);
  if (ec) throw_error(ec, std::move(diag));
  co_return std::move(result);
}

}  // namespace

asio::awaitable<chat_completion> client::update_completion(std::string_view completion_id,
                                                           metadata md,
                                                           request_options options) {
  return await_operation(impl_, detail::update_op{std::string(completion_id), std::move(md)},
                         std::move(options));
}

asio::awaitable<chat_completion> client::retrieve_completion(std::string_view completion_id,
                                                             request_options options) {
  return await_operation(impl_, detail::retrieve_op{std::string(completion_id)},
                         std::move(options));
}

asio::awaitable<deletion_status> client::delete_completion(std::string_view completion_id,
                                                           request_options options) {
  return await_operation(impl_, detail::delete_op{std::string(completion_id)},
                         std::move(options));
}

asio::awaitable<completion_page> client::list_completions(list_completions_params params,
                                                          request_options options) {
  return await_operation(impl_, detail::list_op{std::move(params)}, std::move(options));
}

asio::awaitable<message_page> client::list_completion_messages(std::string_view completion_id,
                                                               list_messages_params params,
                                                               request_options options) {
  return await_operation(impl_,
                         detail::list_messages_op{std::string(completion_id), std::move(params)},
                         std::move(options));
}

completion_pager client::list_all_completions(list_completions_params params,
                                              request_options options) {
  return completion_pager(*this, {}, std::move(params), std::move(options));
}

message_pager client::list_all_completion_messages(std::string_view completion_id,
                                                   list_messages_params params,
                                                   request_options options) {
  list_completions_params page;
  page.after = std::move(params.after);
  page.limit = params.limit;
  page.order = std::move(params.order);
  return message_pager(*this, std::string(completion_id), std::move(page), std::move(options));
}

}  // namespace openai

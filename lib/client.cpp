#include <openai/client.hpp>

#include "client_impl.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>

namespace openai {

namespace asio = boost::asio;
using boost::system::error_code;

client_options client_options::from_env() {
  client_options options;
  auto read = [](const char* name, std::string& into) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') into = value;
  };
  read("OPENAI_API_KEY", options.api_key);
  read("OPENAI_BASE_URL", options.base_url);
  read("OPENAI_ORG_ID", options.organization);
  read("OPENAI_PROJECT_ID", options.project);
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

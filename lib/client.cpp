#include <openai/client.hpp>

#include "client_impl.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/strand.hpp>
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

namespace {

// The update as a coroutine: perform the request, then make the response a chat_completion.
asio::awaitable<std::pair<error_code, chat_completion>> run_update(
    std::shared_ptr<detail::client_impl> impl, detail::http_request request,
    request_options options, diagnostics* diag) {
  diagnostics local;
  diagnostics& d = diag ? *diag : local;
  auto [ec, raw] = co_await impl->perform(std::move(request), options, &d);
  if (!ec && !raw.json.contains("id")) {
    ec = make_error_code(errc::bad_response);
    d.message = "response to an update is a JSON object without an id";
  }
  if (ec) co_return std::pair{ec, chat_completion{}};
  co_return std::pair{ec, chat_completion(std::move(raw.json), std::move(raw.request_id),
                                          raw.attempts)};
}

// Runs op on its own strand and completes `handler` on the handler's executor, connecting the
// handler's cancellation slot to the coroutine.
template <typename Result>
void spawn_call(const asio::any_io_executor& executor,
                asio::awaitable<std::pair<error_code, Result>> op,
                asio::any_completion_handler<void(error_code, Result)> handler) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  auto handler_executor = asio::get_associated_executor(handler, executor);
  asio::co_spawn(
      asio::make_strand(executor), std::move(op),
      asio::bind_cancellation_slot(
          slot, asio::bind_executor(handler_executor,
                                    [handler = std::move(handler)](
                                        std::exception_ptr failure,
                                        std::pair<error_code, Result> result) mutable {
                                      // Only allocation failure can throw in there.
                                      if (failure)
                                        result.first = make_error_code(
                                            boost::system::errc::not_enough_memory);
                                      std::move(handler)(result.first, std::move(result.second));
                                    })));
}

}  // namespace

void client::initiate_update(asio::any_completion_handler<update_signature> handler,
                             std::string completion_id, metadata md, request_options options,
                             diagnostics* diag) {
  std::vector<std::string> violations;
  auto request =
      detail::make_update_request(impl_->url(), completion_id, md, options, violations);
  if (!request) {
    impl_->reject(std::move(handler), std::move(violations), diag);
    return;
  }
  spawn_call<chat_completion>(impl_->executor(),
                              run_update(impl_, std::move(*request), std::move(options), diag),
                              std::move(handler));
}

namespace {

// A coroutine of its own so that the id is copied when update_completion is called, not when
// the returned awaitable first runs (a string_view parameter could dangle by then).
asio::awaitable<chat_completion> update_and_throw(client& c, std::string completion_id,
                                                  metadata md, request_options options) {
  diagnostics diag;
  auto [ec, completion] = co_await c.async_update_completion(
      completion_id, std::move(md), std::move(options), diag, asio::as_tuple(asio::use_awaitable));
  if (ec) throw_error(ec, std::move(diag));
  co_return std::move(completion);
}

}  // namespace

asio::awaitable<chat_completion> client::update_completion(std::string_view completion_id,
                                                           metadata md,
                                                           request_options options) {
  return update_and_throw(*this, std::string(completion_id), std::move(md), std::move(options));
}

}  // namespace openai

// The API's operations as parameter types: what each one sends and what it completes with.
// One initiation object starts any of them, through one out-of-line start (lib/call.cpp,
// compiled once per operation), so a user's program compiles neither Beast nor the call path.
// Adding an operation: a params type here, its endpoint (lib/api/endpoints.cpp), one explicit
// instantiation (lib/call.cpp) and the client's member functions.
// Internal: use the member functions of openai::client.
#pragma once

#include <openai/chat_completion.hpp>
#include <openai/error.hpp>
#include <openai/metadata.hpp>
#include <openai/options.hpp>
#include <openai/pagination.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <string>
#include <utility>

namespace openai::detail {

class client_impl;

// POST /chat/completions/{completion_id} with {"metadata": md}.
struct update_op {
  using result_type = chat_completion;
  std::string completion_id;
  metadata md;
};

// GET /chat/completions/{completion_id}.
struct retrieve_op {
  using result_type = chat_completion;
  std::string completion_id;
};

// DELETE /chat/completions/{completion_id}.
struct delete_op {
  using result_type = deletion_status;
  std::string completion_id;
};

// GET /chat/completions.
struct list_op {
  using result_type = completion_page;
  list_completions_params params;
};

// GET /chat/completions/{completion_id}/messages.
struct list_messages_op {
  using result_type = message_page;
  std::string completion_id;
  list_messages_params params;
};

template <typename Op>
using operation_signature = void(boost::system::error_code, typename Op::result_type);

template <typename Op>
using operation_handler = boost::asio::any_completion_handler<operation_signature<Op>>;

// Checks op (nothing is sent when it is invalid), then runs it. The handler is called once,
// through its associated executor, never inline. diag, when not null, receives the details
// and must outlive the call.
template <typename Op>
void start_operation(const std::shared_ptr<client_impl>& impl, operation_handler<Op> handler,
                     Op op, request_options options, diagnostics* diag);

boost::asio::any_io_executor executor_of(const client_impl& impl) noexcept;

// The initiation of every operation. It refers to the client's state for the duration of the
// initiating call only; get_executor() lets Asio's adapters find the client's executor.
class operation_initiation {
 public:
  using executor_type = boost::asio::any_io_executor;

  explicit operation_initiation(const std::shared_ptr<client_impl>& impl) noexcept
      : impl_(&impl) {}

  executor_type get_executor() const noexcept { return executor_of(**impl_); }

  template <typename Handler, typename Op>
  void operator()(Handler&& handler, Op op, request_options options, diagnostics* diag) const {
    start_operation<Op>(*impl_, operation_handler<Op>(std::forward<Handler>(handler)),
                        std::move(op), std::move(options), diag);
  }

 private:
  const std::shared_ptr<client_impl>* impl_;
};

}  // namespace openai::detail

// A stored chat completion as the API returned it: typed accessors over the Boost.JSON object,
// which is kept whole (unknown fields included) and reachable through json().
//
//   openai::chat_completion c = co_await client.update_completion(id, md);
//   std::cout << c.id() << ' ' << c.model() << ' ' << c.metadata().at("foo") << '\n';
//   for (const auto& choice : c.choices()) std::cout << choice.message().content().value_or("");
//
// Accessors never throw on a missing, null or mistyped field: strings come back empty and
// optionals empty. Views (choice, message, tool_call) point into the completion; keep it alive.
#pragma once

#include <openai/metadata.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openai {

/// Token counts of a completion (its `usage` object).
struct usage {
  std::int64_t prompt_tokens = 0;      ///< Tokens of the prompt.
  std::int64_t completion_tokens = 0;  ///< Tokens the model generated.
  std::int64_t total_tokens = 0;       ///< Both together.
};

/// A tool call the model made, viewing part of its completion's JSON (valid while the
/// chat_completion it came from lives).
class tool_call {
 public:
  /// A view of one element of `message.tool_calls`.
  explicit tool_call(const boost::json::object& o) noexcept : json_(&o) {}
  std::string_view id() const noexcept;  ///< The call's id ("call_...").
  std::string_view type() const noexcept;  ///< "function" or "custom".
  std::string_view function_name() const noexcept;  ///< The function called.
  std::string_view function_arguments() const noexcept;  ///< JSON text, as the model wrote it.
  const boost::json::object& json() const noexcept { return *json_; }  ///< The whole object.

 private:
  const boost::json::object* json_;
};

/// The message of a choice, viewing part of its completion's JSON (valid while the
/// chat_completion it came from lives).
class message {
 public:
  /// A view of a choice's `message` object.
  explicit message(const boost::json::object& o) noexcept : json_(&o) {}
  std::string_view role() const noexcept;  ///< "assistant".
  std::optional<std::string_view> content() const noexcept;  ///< Empty when null.
  std::optional<std::string_view> refusal() const noexcept;  ///< Empty when null.
  std::vector<tool_call> tool_calls() const;  ///< The tool calls, if the model made any.
  const boost::json::object& json() const noexcept { return *json_; }  ///< The whole object.

 private:
  const boost::json::object* json_;
};

/// One choice of a completion, viewing part of its JSON (valid while the chat_completion it
/// came from lives).
class choice {
 public:
  /// A view of one element of `choices`.
  explicit choice(const boost::json::object& o) noexcept : json_(&o) {}
  std::int64_t index() const noexcept;  ///< Its position among the choices.
  std::string_view finish_reason() const noexcept;  ///< "stop", "length", "tool_calls" ...
  openai::message message() const noexcept;  ///< The message generated.
  const boost::json::object& json() const noexcept { return *json_; }  ///< The whole object.

 private:
  const boost::json::object* json_;
};

/// A stored chat completion, as update, retrieve and list return it: typed accessors over the
/// response object, which is kept whole (unknown fields included) and reachable through json().
///
///     openai::chat_completion c = co_await client.retrieve_completion(id);
///     std::cout << c.id() << ' ' << c.model() << ' ' << c.choices().at(0).message().content().value_or("");
///
/// A value type: copies are independent. Accessors of a missing or mistyped field return an
/// empty value (empty string, 0, nullopt) rather than throw.
class chat_completion {
 public:
  chat_completion() = default;  ///< An empty object (no fields).
  /// The completion of a response: its JSON object, its x-request-id and the requests it took.
  chat_completion(boost::json::object json, std::string request_id, unsigned attempts = 1)
      : json_(std::move(json)), request_id_(std::move(request_id)), attempts_(attempts) {}

  std::string_view id() const noexcept;  ///< "chatcmpl-...".
  std::string_view object() const noexcept;  ///< "chat.completion".
  std::int64_t created() const noexcept;     ///< Unix seconds.
  std::string_view model() const noexcept;  ///< The model that generated it ("gpt-4o").
  std::vector<choice> choices() const;  ///< Views of the choices, in order.
  std::optional<openai::usage> usage() const noexcept;  ///< Token counts, when present.
  std::optional<std::string_view> service_tier() const noexcept;  ///< When present.
  std::optional<std::string_view> system_fingerprint() const noexcept;  ///< When present.
  /// String-valued pairs of the metadata object; empty when null or absent.
  openai::metadata metadata() const;

  /// The whole response object, nothing dropped.
  const boost::json::object& json() const noexcept { return json_; }
  /// x-request-id of the response: quote it when asking OpenAI about a request.
  const std::string& request_id() const noexcept { return request_id_; }
  /// Requests made for this result, retries included.
  unsigned attempts() const noexcept { return attempts_; }

 private:
  boost::json::object json_;
  std::string request_id_;
  unsigned attempts_ = 0;
};

}  // namespace openai

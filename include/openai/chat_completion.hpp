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

struct usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
};

class tool_call {
 public:
  explicit tool_call(const boost::json::object& o) noexcept : json_(&o) {}
  std::string_view id() const noexcept;
  std::string_view type() const noexcept;               // "function" or "custom"
  std::string_view function_name() const noexcept;
  std::string_view function_arguments() const noexcept;  // JSON text, as the model wrote it
  const boost::json::object& json() const noexcept { return *json_; }

 private:
  const boost::json::object* json_;
};

class message {
 public:
  explicit message(const boost::json::object& o) noexcept : json_(&o) {}
  std::string_view role() const noexcept;
  std::optional<std::string_view> content() const noexcept;  // empty when null
  std::optional<std::string_view> refusal() const noexcept;  // empty when null
  std::vector<tool_call> tool_calls() const;
  const boost::json::object& json() const noexcept { return *json_; }

 private:
  const boost::json::object* json_;
};

class choice {
 public:
  explicit choice(const boost::json::object& o) noexcept : json_(&o) {}
  std::int64_t index() const noexcept;
  std::string_view finish_reason() const noexcept;
  openai::message message() const noexcept;
  const boost::json::object& json() const noexcept { return *json_; }

 private:
  const boost::json::object* json_;
};

class chat_completion {
 public:
  chat_completion() = default;
  chat_completion(boost::json::object json, std::string request_id, unsigned attempts = 1)
      : json_(std::move(json)), request_id_(std::move(request_id)), attempts_(attempts) {}

  std::string_view id() const noexcept;
  std::string_view object() const noexcept;  // "chat.completion"
  std::int64_t created() const noexcept;     // Unix seconds
  std::string_view model() const noexcept;
  std::vector<choice> choices() const;
  std::optional<openai::usage> usage() const noexcept;
  std::optional<std::string_view> service_tier() const noexcept;
  std::optional<std::string_view> system_fingerprint() const noexcept;
  // String-valued pairs of the metadata object; empty when null or absent.
  openai::metadata metadata() const;

  // The whole response object, nothing dropped.
  const boost::json::object& json() const noexcept { return json_; }
  // x-request-id of the response: quote it when asking OpenAI about a request.
  const std::string& request_id() const noexcept { return request_id_; }
  // Requests made for this result, retries included.
  unsigned attempts() const noexcept { return attempts_; }

 private:
  boost::json::object json_;
  std::string request_id_;
  unsigned attempts_ = 0;
};

}  // namespace openai

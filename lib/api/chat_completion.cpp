#include <openai/chat_completion.hpp>

#include "api/json_access.hpp"

namespace openai {

using detail::array_field;
using detail::int_field;
using detail::object_field;
using detail::string_field;

namespace {
const boost::json::object& empty_object() {
  static const boost::json::object empty;
  return empty;
}
}  // namespace

std::string_view tool_call::id() const noexcept { return string_field(*json_, "id").value_or(""); }
std::string_view tool_call::type() const noexcept {
  return string_field(*json_, "type").value_or("");
}
std::string_view tool_call::function_name() const noexcept {
  const auto* fn = object_field(*json_, "function");
  return fn ? string_field(*fn, "name").value_or("") : "";
}
std::string_view tool_call::function_arguments() const noexcept {
  const auto* fn = object_field(*json_, "function");
  return fn ? string_field(*fn, "arguments").value_or("") : "";
}

std::string_view message::role() const noexcept {
  return string_field(*json_, "role").value_or("");
}
std::optional<std::string_view> message::content() const noexcept {
  return string_field(*json_, "content");
}
std::optional<std::string_view> message::refusal() const noexcept {
  return string_field(*json_, "refusal");
}
std::vector<tool_call> message::tool_calls() const {
  std::vector<tool_call> calls;
  if (const auto* array = array_field(*json_, "tool_calls")) {
    for (const auto& item : *array)
      if (item.is_object()) calls.emplace_back(item.get_object());
  }
  return calls;
}

std::int64_t choice::index() const noexcept { return int_field(*json_, "index").value_or(0); }
std::string_view choice::finish_reason() const noexcept {
  return string_field(*json_, "finish_reason").value_or("");
}
openai::message choice::message() const noexcept {
  const auto* m = object_field(*json_, "message");
  return openai::message(m ? *m : empty_object());
}

std::string_view chat_completion::id() const noexcept {
  return string_field(json_, "id").value_or("");
}
std::string_view chat_completion::object() const noexcept {
  return string_field(json_, "object").value_or("");
}
std::int64_t chat_completion::created() const noexcept {
  return int_field(json_, "created").value_or(0);
}
std::string_view chat_completion::model() const noexcept {
  return string_field(json_, "model").value_or("");
}
std::vector<choice> chat_completion::choices() const {
  std::vector<choice> result;
  if (const auto* array = array_field(json_, "choices")) {
    result.reserve(array->size());
    for (const auto& item : *array)
      if (item.is_object()) result.emplace_back(item.get_object());
  }
  return result;
}
std::optional<usage> chat_completion::usage() const noexcept {
  const auto* u = object_field(json_, "usage");
  if (u == nullptr) return std::nullopt;
  return openai::usage{int_field(*u, "prompt_tokens").value_or(0),
                       int_field(*u, "completion_tokens").value_or(0),
                       int_field(*u, "total_tokens").value_or(0)};
}
std::optional<std::string_view> chat_completion::service_tier() const noexcept {
  return string_field(json_, "service_tier");
}
std::optional<std::string_view> chat_completion::system_fingerprint() const noexcept {
  return string_field(json_, "system_fingerprint");
}
openai::metadata chat_completion::metadata() const {
  openai::metadata md;
  if (const auto* m = object_field(json_, "metadata")) {
    for (const auto& [key, value] : *m)
      if (value.is_string()) md.emplace(std::string(key), std::string(value.get_string()));
  }
  return md;
}

}  // namespace openai

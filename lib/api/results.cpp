#include "api/results.hpp"

#include "api/json_access.hpp"

namespace openai::detail {

namespace {

// Every list of this API has the same envelope: data, has_more, first_id, last_id.
template <typename Item, typename MakeItem>
page<Item> to_page(boost::json::object json, const response_context& context,
                   std::string& problem, MakeItem make_item) {
  auto* data = json.if_contains("data");
  if (data == nullptr || !data->is_array()) {
    problem = "list response has no data array";
    return {};
  }
  std::vector<Item> items;
  items.reserve(data->get_array().size());
  for (auto& entry : data->get_array()) {
    if (!entry.is_object()) {
      problem = "list response has an item that is not an object";
      return {};
    }
    items.push_back(make_item(std::move(entry.get_object())));
  }
  auto text = [&](std::string_view key) -> std::optional<std::string> {
    if (auto s = string_field(json, key)) return std::string(*s);
    return std::nullopt;
  };
  const auto* more = field(json, "has_more");
  return page<Item>(std::move(items), more != nullptr && more->is_bool() && more->get_bool(),
                    text("first_id"), text("last_id"), context.request_id);
}

}  // namespace

chat_completion to_chat_completion(boost::json::object json, const response_context& context,
                                   std::string& problem) {
  if (!string_field(json, "id")) {
    problem = "chat completion in the response has no id";
    return {};
  }
  return chat_completion(std::move(json), context.request_id, context.attempts);
}

deletion_status to_deletion_status(boost::json::object json, const response_context& context,
                                   std::string& problem) {
  if (!string_field(json, "id")) {
    problem = "deletion status in the response has no id";
    return {};
  }
  return deletion_status(std::move(json), context.request_id);
}

completion_page to_completion_page(boost::json::object json, const response_context& context,
                                   std::string& problem) {
  return to_page<chat_completion>(std::move(json), context, problem,
                                  [&](boost::json::object item) {
                                    return chat_completion(std::move(item), context.request_id,
                                                           context.attempts);
                                  });
}

message_page to_message_page(boost::json::object json, const response_context& context,
                             std::string& problem) {
  return to_page<completion_message>(
      std::move(json), context, problem,
      [](boost::json::object item) { return completion_message(std::move(item)); });
}

}  // namespace openai::detail

namespace openai {

using detail::field;
using detail::string_field;

std::string_view completion_message::id() const noexcept {
  return string_field(json_, "id").value_or("");
}
std::string_view completion_message::role() const noexcept {
  return string_field(json_, "role").value_or("");
}
std::optional<std::string_view> completion_message::content() const noexcept {
  return string_field(json_, "content");
}

std::string_view deletion_status::id() const noexcept {
  return string_field(json_, "id").value_or("");
}
std::string_view deletion_status::object() const noexcept {
  return string_field(json_, "object").value_or("");
}
bool deletion_status::deleted() const noexcept {
  const auto* v = field(json_, "deleted");
  return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace openai

// Turning a parsed 2xx body into the result type of each call. `problem` is set (and the result
// empty) when the object lacks what that result needs; the caller reports a bad response.
#pragma once

#include <openai/chat_completion.hpp>
#include <openai/pagination.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <type_traits>

namespace openai::detail {

struct response_context {
  std::string request_id;
  unsigned attempts = 0;
};

chat_completion to_chat_completion(boost::json::object json, const response_context& context,
                                   std::string& problem);
deletion_status to_deletion_status(boost::json::object json, const response_context& context,
                                   std::string& problem);
completion_page to_completion_page(boost::json::object json, const response_context& context,
                                   std::string& problem);
message_page to_message_page(boost::json::object json, const response_context& context,
                             std::string& problem);

// By result type, for generic callers. Returned, never assigned: the result is constructed
// from json by move, which keeps json's arena (see parse_object_body).
template <typename Result>
Result convert(boost::json::object json, const response_context& c, std::string& problem) {
  if constexpr (std::is_same_v<Result, chat_completion>)
    return to_chat_completion(std::move(json), c, problem);
  else if constexpr (std::is_same_v<Result, deletion_status>)
    return to_deletion_status(std::move(json), c, problem);
  else if constexpr (std::is_same_v<Result, completion_page>)
    return to_completion_page(std::move(json), c, problem);
  else
    return to_message_page(std::move(json), c, problem);
}

}  // namespace openai::detail

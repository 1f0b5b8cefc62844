// Turning a parsed 2xx body into the result type of each call. `problem` is set (and the result
// empty) when the object lacks what that result needs; the caller reports a bad response.
#pragma once

#include <openai/chat_completion.hpp>
#include <openai/pagination.hpp>

#include <boost/json/object.hpp>

#include <string>

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

// Overloads by result type, for generic callers.
inline void convert(boost::json::object json, const response_context& c, std::string& problem,
                    chat_completion& out) {
  out = to_chat_completion(std::move(json), c, problem);
}
inline void convert(boost::json::object json, const response_context& c, std::string& problem,
                    deletion_status& out) {
  out = to_deletion_status(std::move(json), c, problem);
}
inline void convert(boost::json::object json, const response_context& c, std::string& problem,
                    completion_page& out) {
  out = to_completion_page(std::move(json), c, problem);
}
inline void convert(boost::json::object json, const response_context& c, std::string& problem,
                    message_page& out) {
  out = to_message_page(std::move(json), c, problem);
}

}  // namespace openai::detail

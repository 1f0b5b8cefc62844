// The API's endpoints: method, path, query and body of each operation, and the headers every
// request carries. No I/O: an operation that cannot be turned into a request (bad id, bad
// metadata, a header that would smuggle another) never reaches a socket.
#pragma once

#include "http/message.hpp"
#include "http/url.hpp"

#include <openai/detail/operations.hpp>
#include <openai/options.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openai::detail {

// The headers of every request of a client with these options and this base URL.
std::shared_ptr<const http::header_list> make_common_headers(const client_options& options,
                                                             const base_url& url);

// The request of each operation. Empty when the operation's input is invalid, with every
// violation appended to `violations`. The request has no common headers yet.
std::optional<http::request> make_request(const base_url& url, const update_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations);
std::optional<http::request> make_request(const base_url& url, const retrieve_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations);
std::optional<http::request> make_request(const base_url& url, const delete_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations);
std::optional<http::request> make_request(const base_url& url, const list_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations);
std::optional<http::request> make_request(const base_url& url, const list_messages_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations);

// make_request for an update.
std::optional<http::request> make_update_request(const base_url& url, std::string_view id,
                                                 const metadata& md,
                                                 const request_options& options,
                                                 std::vector<std::string>& violations);

// The JSON body {"metadata": {...}}, written directly (no JSON DOM): md is already validated.
std::string serialize_metadata_body(const metadata& md);

// The id an operation's answer must carry ("" when its answer is a list).
inline std::string_view expected_id(const update_op& op) { return op.completion_id; }
inline std::string_view expected_id(const retrieve_op& op) { return op.completion_id; }
inline std::string_view expected_id(const delete_op& op) { return op.completion_id; }
inline std::string_view expected_id(const list_op&) { return {}; }
inline std::string_view expected_id(const list_messages_op&) { return {}; }

}  // namespace openai::detail

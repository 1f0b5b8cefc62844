#include "api/endpoints.hpp"

#include "support/text.hpp"

#include <boost/beast/core/string.hpp>

#include <openai/version.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace openai::detail {

std::shared_ptr<const http::header_list> make_common_headers(const client_options& options,
                                                             const base_url& url) {
  auto headers = std::make_shared<http::header_list>();
  headers->emplace_back("Host", url.host_header);
  headers->emplace_back("Authorization", "Bearer " + options.api_key);
  std::string user_agent = "openai-asio/";
  user_agent += openai::version;
  headers->emplace_back("User-Agent", std::move(user_agent));
  headers->emplace_back("Accept", "application/json");
  if (!options.organization.empty())
    headers->emplace_back("OpenAI-Organization", options.organization);
  if (!options.project.empty()) headers->emplace_back("OpenAI-Project", options.project);
  return headers;
}

namespace {

// Appends s as a JSON string. The metadata is valid UTF-8 by then (validated first), so only
// quotes, backslashes and control characters need escaping.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

// RFC 9110 token characters: what a header name may consist of.
bool is_token(std::string_view name) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || specials.find(ch) != specials.npos;
  });
}

// A value that would end the header line early (CR, LF) or that servers reject (NUL) could
// smuggle a header or a whole request onto the connection.
bool is_safe_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

std::string serialize_metadata_body(const metadata& md) {
  if (md.is_null()) return R"({"metadata":null})";
  std::string body;
  std::size_t size = 16;
  for (const auto& [key, value] : md) size += key.size() + value.size() + 8;
  body.reserve(size);
  body.append(R"({"metadata":{)");
  bool first = true;
  for (const auto& [key, value] : md) {
    if (!first) body.push_back(',');
    first = false;
    append_json_string(body, key);
    body.push_back(':');
    append_json_string(body, value);
  }
  body.append("}}");
  return body;
}

namespace {

void check_page_params(const std::optional<int>& limit, const std::optional<std::string>& order,
                       std::vector<std::string>& violations) {
  if (limit && (*limit < 1 || *limit > 100))
    violations.push_back("limit must be between 1 and 100, not " + std::to_string(*limit));
  if (order && *order != "asc" && *order != "desc")
    violations.push_back("order must be 'asc' or 'desc', not '" + *order + "'");
}

template <typename Params>
void append_page_params(std::string& target, const Params& p) {
  if (p.after) append_query(target, "after", *p.after);
  if (p.limit) append_query(target, "limit", std::to_string(*p.limit));
  if (p.order) append_query(target, "order", *p.order);
}

void append_all(std::vector<std::string>& to, std::vector<std::string> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// The completion's path segment, or a violation.
std::string segment_of(std::string_view id, std::vector<std::string>& violations) {
  std::string problem;
  std::string segment = encode_path_segment(id, problem);
  if (!problem.empty()) violations.push_back(std::move(problem));
  return segment;
}

void check_extra_headers(const request_options& options, std::vector<std::string>& violations) {
  using boost::beast::iequals;
  for (const auto& [name, value] : options.extra_headers) {
    if (!is_token(name))
      violations.push_back("extra header name '" + printable_excerpt(name, 64) +
                           "' is not an HTTP token");
    else if (!is_safe_header_value(value))
      violations.push_back("extra header " + name + " has a CR, LF or NUL in its value");
    else if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding"))
      // The client frames the body itself; a second framing is how requests get smuggled.
      violations.push_back("extra header " + name + " is set by the client itself");
  }
}

// What every endpoint shares: the violations found so far end it; otherwise the request gets
// its method, {base}/chat/completions{path}, the body, the caller's query and headers.
std::optional<http::request> finish_request(const base_url& url, http::verb method,
                                            std::string_view path, std::string body,
                                            const request_options& options,
                                            std::vector<std::string>& violations,
                                            std::size_t violations_before) {
  check_extra_headers(options, violations);
  if (violations.size() != violations_before) return std::nullopt;
  http::request request;
  request.method = method;
  request.target.reserve(url.path.size() + 32 + path.size());
  request.target.append(url.path).append("/chat/completions").append(path);
  request.body = std::move(body);
  for (const auto& [key, value] : options.extra_query) append_query(request.target, key, value);
  // Content-Type first: a caller's own extra header of the same name then replaces it.
  request.extra_headers.reserve(options.extra_headers.size() + 1);
  if (!request.body.empty()) request.extra_headers.emplace_back("Content-Type", "application/json");
  request.extra_headers.insert(request.extra_headers.end(), options.extra_headers.begin(),
                               options.extra_headers.end());
  return request;
}

}  // namespace

std::optional<http::request> make_request(const base_url& url, const update_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations) {
  const std::size_t before = violations.size();
  const std::string segment = segment_of(op.completion_id, violations);
  append_all(violations, metadata_violations(op.md));
  return finish_request(url, http::verb::post, "/" + segment,
                        violations.size() == before ? serialize_metadata_body(op.md) : "",
                        options, violations, before);
}

std::optional<http::request> make_request(const base_url& url, const retrieve_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations) {
  const std::size_t before = violations.size();
  const std::string segment = segment_of(op.completion_id, violations);
  return finish_request(url, http::verb::get, "/" + segment, {}, options, violations, before);
}

std::optional<http::request> make_request(const base_url& url, const delete_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations) {
  const std::size_t before = violations.size();
  const std::string segment = segment_of(op.completion_id, violations);
  return finish_request(url, http::verb::delete_, "/" + segment, {}, options, violations,
                        before);
}

std::optional<http::request> make_request(const base_url& url, const list_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations) {
  const std::size_t before = violations.size();
  // The metadata rules keep a filter the API would refuse from being sent.
  append_all(violations, metadata_violations(op.params.metadata));
  check_page_params(op.params.limit, op.params.order, violations);
  std::string query;
  if (op.params.model) append_query(query, "model", *op.params.model);
  for (const auto& [key, value] : op.params.metadata)
    append_query(query, "metadata[" + key + "]", value);
  append_page_params(query, op.params);
  return finish_request(url, http::verb::get, query, {}, options, violations, before);
}

std::optional<http::request> make_request(const base_url& url, const list_messages_op& op,
                                          const request_options& options,
                                          std::vector<std::string>& violations) {
  const std::size_t before = violations.size();
  std::string path = "/" + segment_of(op.completion_id, violations) + "/messages";
  check_page_params(op.params.limit, op.params.order, violations);
  append_page_params(path, op.params);
  return finish_request(url, http::verb::get, path, {}, options, violations, before);
}

std::optional<http::request> make_update_request(const base_url& url, std::string_view id,
                                                 const metadata& md,
                                                 const request_options& options,
                                                 std::vector<std::string>& violations) {
  return make_request(url, update_op{std::string(id), md}, options, violations);
}

}  // namespace openai::detail

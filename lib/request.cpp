#include "request.hpp"

#include "model/parse.hpp"

#include <openai/version.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace openai::detail {

std::shared_ptr<const header_list> make_common_headers(const client_options& options,
                                                       const base_url& url) {
  auto headers = std::make_shared<header_list>();
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

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
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

void append_header(std::string& wire, std::string_view name, std::string_view value) {
  wire.append(name).append(": ").append(value).append("\r\n");
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

void render_request(const http_request& request, std::string& wire) {
  wire.clear();
  switch (request.method) {
    case http_method::get: wire.append("GET "); break;
    case http_method::post: wire.append("POST "); break;
    case http_method::delete_: wire.append("DELETE "); break;
  }
  wire.append(request.target).append(" HTTP/1.1\r\n");
  auto overridden = [&](std::string_view name) {
    return std::any_of(request.extra_headers.begin(), request.extra_headers.end(),
                       [&](const header& h) { return equal_ignoring_case(h.first, name); });
  };
  if (request.common_headers) {
    for (const auto& [name, value] : *request.common_headers)
      if (!overridden(name)) append_header(wire, name, value);
  }
  // A later extra header of the same name replaces an earlier one.
  for (auto it = request.extra_headers.begin(); it != request.extra_headers.end(); ++it) {
    const bool replaced_later = std::any_of(std::next(it), request.extra_headers.end(),
                                            [&](const header& h) {
                                              return equal_ignoring_case(h.first, it->first);
                                            });
    if (!replaced_later) append_header(wire, it->first, it->second);
  }
  if (!request.body.empty() || request.method == http_method::post) {
    char length[24];
    const auto end = std::to_chars(length, length + sizeof length, request.body.size()).ptr;
    append_header(wire, "Content-Length", std::string_view(length, end - length));
  }
  wire.append("\r\n").append(request.body);
}

namespace {

void check_page_params(const std::optional<int>& limit, const std::optional<std::string>& order,
                       std::vector<std::string>& violations) {
  if (limit && (*limit < 1 || *limit > 100))
    violations.push_back("limit must be between 1 and 100, not " + std::to_string(*limit));
  if (order && *order != "asc" && *order != "desc")
    violations.push_back("order must be 'asc' or 'desc', not '" + *order + "'");
}

void append_page_params(std::string& target, const list_completions_params& p) {
  if (p.after) append_query(target, "after", *p.after);
  if (p.limit) append_query(target, "limit", std::to_string(*p.limit));
  if (p.order) append_query(target, "order", *p.order);
}

}  // namespace

std::optional<http_request> make_request(const base_url& url, const call& c,
                                         const request_options& options,
                                         std::vector<std::string>& violations) {
  using kind = call::kind;
  const std::size_t before = violations.size();
  std::string segment;
  if (c.what != kind::list) {
    std::string problem;
    segment = encode_path_segment(c.completion_id, problem);
    if (!problem.empty()) violations.push_back(std::move(problem));
  }
  if (c.what == kind::update || c.what == kind::list) {
    // For list, the same rules keep a filter the API would refuse from being sent.
    auto problems = metadata_violations(c.what == kind::update ? c.md : c.list.metadata);
    violations.insert(violations.end(), std::make_move_iterator(problems.begin()),
                      std::make_move_iterator(problems.end()));
  }
  if (c.what == kind::list || c.what == kind::list_messages)
    check_page_params(c.list.limit, c.list.order, violations);
  for (const auto& [name, value] : options.extra_headers) {
    if (!is_token(name))
      violations.push_back("extra header name '" + printable_excerpt(name, 64) + "' is not an HTTP token");
    else if (!is_safe_header_value(value))
      violations.push_back("extra header " + name + " has a CR, LF or NUL in its value");
    else if (equal_ignoring_case(name, "Content-Length") ||
             equal_ignoring_case(name, "Transfer-Encoding"))
      // The client frames the body itself; a second framing is how requests get smuggled.
      violations.push_back("extra header " + name + " is set by the client itself");
  }
  if (violations.size() != before) return std::nullopt;

  http_request request;
  request.target.reserve(url.path.size() + 32 + segment.size());
  request.target.append(url.path).append("/chat/completions");
  if (c.what != kind::list) request.target.append("/").append(segment);
  switch (c.what) {
    case kind::update:
      request.method = http_method::post;
      request.body = serialize_metadata_body(c.md);
      break;
    case kind::retrieve:
      request.method = http_method::get;
      break;
    case kind::remove:
      request.method = http_method::delete_;
      break;
    case kind::list:
      request.method = http_method::get;
      if (c.list.model) append_query(request.target, "model", *c.list.model);
      for (const auto& [key, value] : c.list.metadata)
        append_query(request.target, "metadata[" + key + "]", value);
      append_page_params(request.target, c.list);
      break;
    case kind::list_messages:
      request.method = http_method::get;
      request.target.append("/messages");
      append_page_params(request.target, c.list);
      break;
  }
  for (const auto& [key, value] : options.extra_query) append_query(request.target, key, value);

  // Content-Type first: a caller's own extra header of the same name then replaces it.
  request.extra_headers.reserve(options.extra_headers.size() + 1);
  if (!request.body.empty()) request.extra_headers.emplace_back("Content-Type", "application/json");
  request.extra_headers.insert(request.extra_headers.end(), options.extra_headers.begin(),
                               options.extra_headers.end());
  return request;
}

std::optional<http_request> make_update_request(const base_url& url, std::string_view id,
                                                const metadata& md,
                                                const request_options& options,
                                                std::vector<std::string>& violations) {
  call c;
  c.what = call::kind::update;
  c.completion_id = std::string(id);
  c.md = md;
  return make_request(url, c, options, violations);
}

}  // namespace openai::detail

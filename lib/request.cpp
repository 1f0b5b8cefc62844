#include "request.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <openai/version.hpp>

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

std::string serialize_metadata_body(const metadata& md) {
  if (md.is_null()) return R"({"metadata":null})";
  boost::json::object pairs;
  pairs.reserve(md.size());
  for (const auto& [key, value] : md) pairs.emplace(key, value);
  boost::json::object body;
  body.emplace("metadata", std::move(pairs));
  return boost::json::serialize(body);
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

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
  headers->emplace_back("User-Agent", std::string("openai-asio/") + openai::version);
  headers->emplace_back("Accept", "application/json");
  if (!options.organization.empty())
    headers->emplace_back("OpenAI-Organization", options.organization);
  if (!options.project.empty()) headers->emplace_back("OpenAI-Project", options.project);
  return headers;
}

std::string serialize_metadata_body(const metadata& md) {
  boost::json::object pairs;
  pairs.reserve(md.size());
  for (const auto& [key, value] : md) pairs.emplace(key, value);
  boost::json::object body;
  body.emplace("metadata", std::move(pairs));
  return boost::json::serialize(body);
}

std::optional<http_request> make_update_request(const base_url& url, std::string_view id,
                                                const metadata& md,
                                                const request_options& options,
                                                std::vector<std::string>& violations) {
  const std::size_t before = violations.size();
  std::string problem;
  std::string segment = encode_path_segment(id, problem);
  if (!problem.empty()) violations.push_back(std::move(problem));
  auto metadata_problems = metadata_violations(md);
  violations.insert(violations.end(), std::make_move_iterator(metadata_problems.begin()),
                    std::make_move_iterator(metadata_problems.end()));
  if (violations.size() != before) return std::nullopt;

  http_request request;
  request.method = http_method::post;
  request.target.reserve(url.path.size() + 20 + segment.size());
  request.target.append(url.path).append("/chat/completions/").append(segment);
  for (const auto& [key, value] : options.extra_query) append_query(request.target, key, value);
  request.body = serialize_metadata_body(md);
  // Content-Type first: a caller's own extra header of the same name then replaces it.
  request.extra_headers.reserve(options.extra_headers.size() + 1);
  request.extra_headers.emplace_back("Content-Type", "application/json");
  request.extra_headers.insert(request.extra_headers.end(), options.extra_headers.begin(),
                               options.extra_headers.end());
  return request;
}

}  // namespace openai::detail

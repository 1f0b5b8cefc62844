#include "admin.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <vector>

namespace openai_mock {

namespace json = boost::json;
namespace urls = boost::urls;

namespace {

response json_response(unsigned status, const json::value& body) {
  response r;
  r.status = status;
  r.body = json::serialize(body);
  r.headers["content-type"] = "application/json";
  return r;
}

response admin_error(unsigned status, std::string message) {
  return json_response(status,
                       json::object{{"error", json::object{{"message", message},
                                                           {"type", "invalid_request_error"},
                                                           {"param", nullptr},
                                                           {"code", nullptr}}}});
}

json::object to_json(const server::counters& c) {
  json::object routes;
  for (const auto& [k, v] : c.by_route) routes[k] = v;
  json::object kinds;
  for (const auto& [k, v] : c.faults_by_kind) kinds[k] = v;
  return json::object{{"tls_handshakes", c.tls_handshakes},
                      {"tls_handshake_failures", c.tls_handshake_failures},
                      {"tls_client_certificate_missing", c.tls_client_certificate_missing},
                      {"tls_client_certificate_rejected", c.tls_client_certificate_rejected},
                      {"connections_accepted", c.connections_accepted},
                      {"https_connections", c.https_connections},
                      {"http_connections", c.http_connections},
                      {"h2_connections", c.h2_connections},
                      {"h2_streams", c.h2_streams},
                      {"h2_peak_streams", c.h2_peak_streams},
                      {"h2_pings", c.h2_pings},
                      {"requests", c.requests},
                      {"unauthorized", c.unauthorized},
                      {"admin_requests", c.admin_requests},
                      {"faults_injected", c.faults_injected},
                      {"faults_by_kind", std::move(kinds)},
                      {"by_route", std::move(routes)}};
}

json::object to_json(const std::map<std::string, std::size_t>& pending) {
  json::object out;
  for (const auto& [id, n] : pending) out[id] = n;
  return out;
}

response handle_faults(const request& req, fault_planner& faults) {
  if (req.method == "GET") return json_response(200, to_json(faults.pending()));
  if (req.method == "DELETE") {
    faults.clear_script();
    return json_response(200, to_json(faults.pending()));
  }
  if (req.method != "POST") return admin_error(405, "Use GET, POST or DELETE on /__mock/faults.");
  try {
    faults.script(parse_fault_script(req.body));
  } catch (const std::invalid_argument& e) {
    return admin_error(400, e.what());
  }
  return json_response(200, to_json(faults.pending()));
}

}  // namespace

bool is_admin_target(std::string_view target) noexcept {
  return target.starts_with("/__mock/") || target == "/__mock";
}

response handle_admin(const request& req, const server::counters& counters, const store& s,
                      fault_planner& faults) {
  auto parsed = urls::parse_origin_form(req.target);
  if (!parsed) return admin_error(400, "Invalid URL");
  std::vector<std::string> segs;
  for (auto seg : parsed->segments()) segs.push_back(seg);
  if (segs.size() == 2 && segs[1] == "faults") return handle_faults(req, faults);
  if (req.method != "GET") return admin_error(405, "Only GET is supported under /__mock/.");
  if (segs.size() == 2 && segs[1] == "stats") return json_response(200, to_json(counters));
  if (segs.size() == 3 && segs[1] == "metadata") {
    auto md = s.metadata_of(segs[2]);
    if (!md) return admin_error(404, "No chat completion found with id '" + segs[2] + "'.");
    json::object out;
    for (const auto& [k, v] : *md) out[k] = v;
    return json_response(200, out);
  }
  return admin_error(404, "Invalid URL (" + req.method + " " + std::string(parsed->path()) + ")");
}

}  // namespace openai_mock

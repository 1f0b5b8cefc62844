#include "admin.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cmath>
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
                      {"rate_limited", c.rate_limited},
                      {"delayed_peak", c.delayed_peak},
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

json::object to_json(rate_limiter& limiter) {
  const auto limit = limiter.current();
  if (!limit) return json::object{{"rate", nullptr}};
  return json::object{{"rate", limit->text()},
                      {"limit", limit->limit},
                      {"per", limit->per.count() == 60 ? "m" : "s"},
                      {"burst", limit->capacity()},
                      {"tokens", limiter.tokens(rate_limiter::clock::now())}};
}

response handle_rate_limit(const request& req, rate_limiter& limiter) {
  const auto now = rate_limiter::clock::now();
  if (req.method == "GET") return json_response(200, to_json(limiter));
  if (req.method == "DELETE") {
    limiter.set(std::nullopt, now);
    return json_response(200, to_json(limiter));
  }
  if (req.method != "POST")
    return admin_error(405, "Use GET, POST or DELETE on /__mock/rate-limit.");
  boost::system::error_code ec;
  const json::value body = json::parse(req.body, ec);
  const json::object* o = ec ? nullptr : body.if_object();
  const json::value* rate = o ? o->if_contains("rate") : nullptr;
  if (!rate || !rate->is_string())
    return admin_error(400, R"(The body must be {"rate": "R[/s|/m]", "burst": B}.)");
  try {
    const json::string& text = rate->as_string();
    rate_limit limit = parse_rate_limit(std::string_view(text.data(), text.size()));
    if (const json::value* burst = o->if_contains("burst"); burst && !burst->is_null()) {
      if (!burst->is_number()) return admin_error(400, "\"burst\" must be a number.");
      const double b = burst->to_number<double>();
      if (!(b >= 1) || b != std::floor(b))
        return admin_error(400, "\"burst\" must be a whole number of requests, at least 1.");
      limit.burst = b;
    }
    limiter.set(limit, now);
  } catch (const std::invalid_argument& e) {
    return admin_error(400, e.what());
  }
  return json_response(200, to_json(limiter));
}

}  // namespace

bool is_admin_target(std::string_view target) noexcept {
  return target.starts_with("/__mock/") || target == "/__mock";
}

response handle_admin(const request& req, const server::counters& counters, const store& s,
                      fault_planner& faults, rate_limiter& limiter) {
  auto parsed = urls::parse_origin_form(req.target);
  if (!parsed) return admin_error(400, "Invalid URL");
  std::vector<std::string> segs;
  for (auto seg : parsed->segments()) segs.push_back(seg);
  if (segs.size() == 2 && segs[1] == "faults") return handle_faults(req, faults);
  if (segs.size() == 2 && segs[1] == "rate-limit") return handle_rate_limit(req, limiter);
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

#include "api/response_body.hpp"

#include "api/json_access.hpp"
#include "support/redact.hpp"
#include "support/text.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>


namespace openai::detail {

boost::json::object parse_object_body(std::string_view body, std::string& problem,
                                      const secrets& secret) {
  // One arena per response, sized from the body: the parse makes one or two allocations instead
  // of one per string and container, and the result frees them all at once. The object (and
  // anything moved out of it) keeps the arena alive through its shared storage_ptr.
  auto arena = boost::json::make_shared_resource<boost::json::monotonic_resource>(
      2 * body.size() + 256);
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec, std::move(arena));
  if (ec) {
    problem = "response body is not JSON (" + ec.message() +
              "): " + printable_excerpt(redacted_all(body.substr(0, 4096), secret), 80);
    return {};
  }
  if (!value.is_object()) {
    problem = "response body is JSON but not an object: " +
              printable_excerpt(redacted_all(body.substr(0, 4096), secret), 80);
    return {};
  }
  return std::move(value.get_object());
}

namespace {

// error.code is a string in practice, but older endpoints sent numbers.
std::string scalar_text(const boost::json::object& o, std::string_view key) {
  const auto* v = field(o, key);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

}  // namespace

error_body parse_error_body(std::string_view body, const secrets& secret) {
  error_body result;
  // Redacted whole, then cut: a key cut in two would no longer be found.
  auto bounded = [&secret](std::string text, std::size_t limit) {
    redact_all(text, secret);
    return printable_excerpt(text, limit);
  };
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (!ec && value.is_object()) {
    const auto& top = value.get_object();
    const boost::json::object* err = object_field(top, "error");
    const auto& source = err ? *err : top;
    // Every field is server text that ends up in what(): bounded and printable.
    result.message = scalar_text(source, "message");
    result.type = bounded(scalar_text(source, "type"), 100);
    result.code = bounded(scalar_text(source, "code"), 100);
    result.param = bounded(scalar_text(source, "param"), 100);
    if (result.message.empty()) {
      // application/problem+json (proxies, API gateways, Prism) says it in detail/title.
      result.message = scalar_text(top, "detail");
      if (result.message.empty()) result.message = scalar_text(top, "title");
    }
    if (!result.message.empty()) {
      result.message = bounded(std::move(result.message), 1000);
      return result;
    }
  }
  result.message = bounded(std::string(body.substr(0, 4096)), 200);
  return result;
}

}  // namespace openai::detail

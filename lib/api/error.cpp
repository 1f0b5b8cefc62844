#include <openai/error.hpp>

#include "support/redact.hpp"

#include <boost/asio/error.hpp>

namespace openai {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "openai"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::invalid_argument: return "invalid argument";
      case errc::bad_request: return "bad request";
      case errc::authentication: return "authentication failed";
      case errc::permission_denied: return "permission denied";
      case errc::not_found: return "not found";
      case errc::conflict: return "conflict";
      case errc::unprocessable_entity: return "unprocessable entity";
      case errc::rate_limited: return "rate limited";
      case errc::server_error: return "server error";
      case errc::api_error: return "API error";
      case errc::network: return "network error";
      case errc::timeout: return "timed out";
      case errc::bad_response: return "bad response";
      case errc::invalid_configuration: return "invalid configuration";
      case errc::proxy_authentication: return "proxy authentication failed";
    }
    return "unknown openai error";
  }
};

// "404 not found: No chat completion found (type invalid_request_error, ..., request id req_1)"
std::string describe(boost::system::error_code ec, const diagnostics& d) {
  std::string text;
  if (d.status != 0) text += std::to_string(d.status) + ' ';
  text += ec.message();
  if (!d.message.empty()) text += ": " + d.message;
  std::string extra;
  auto add = [&extra](std::string_view label, const std::string& value) {
    if (value.empty()) return;
    if (!extra.empty()) extra += ", ";
    extra.append(label).append(" ").append(value);
  };
  add("type", d.type);
  add("code", d.code);
  add("param", d.param);
  add("request id", d.request_id);
  if (!extra.empty()) text += " (" + extra + ")";
  return text;
}

std::string join_violations(const std::vector<std::string>& violations) {
  std::string text;
  for (const auto& v : violations) {
    if (!text.empty()) text += "; ";
    text += v;
  }
  return text;
}

}  // namespace

std::string redact(std::string text, std::string_view secret) {
  detail::redact(text, secret);
  return text;
}

const boost::system::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

errc errc_for_status(unsigned status) noexcept {
  switch (status) {
    case 400: return errc::bad_request;
    case 401: return errc::authentication;
    case 403: return errc::permission_denied;
    case 404: return errc::not_found;
    case 409: return errc::conflict;
    case 422: return errc::unprocessable_entity;
    case 429: return errc::rate_limited;
    default: return status >= 500 && status <= 599 ? errc::server_error : errc::api_error;
  }
}

error::error(boost::system::error_code ec, diagnostics d)
    : boost::system::system_error(ec), details_(std::move(d)), what_(describe(ec, details_)) {}

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::bad_request: return "bad_request";
    case errc::authentication: return "authentication";
    case errc::permission_denied: return "permission_denied";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::unprocessable_entity: return "unprocessable_entity";
    case errc::rate_limited: return "rate_limited";
    case errc::server_error: return "server_error";
    case errc::api_error: return "api_error";
    case errc::network: return "network";
    case errc::timeout: return "timeout";
    case errc::bad_response: return "bad_response";
    case errc::invalid_configuration: return "invalid_configuration";
    case errc::proxy_authentication: return "proxy_authentication";
  }
  return "unknown";
}

validation_error::validation_error(std::vector<std::string> violations)
    : error(errc::invalid_argument, [&] {
        diagnostics d;
        d.message = join_violations(violations);
        d.violations = std::move(violations);
        return d;
      }()) {}

void throw_error(boost::system::error_code ec, diagnostics d) {
  if (ec.category() != error_category()) {
    if (ec == boost::asio::error::operation_aborted) throw error(ec, std::move(d));
    throw connection_error(ec, std::move(d));
  }
  switch (static_cast<errc>(ec.value())) {
    case errc::invalid_argument: throw validation_error(ec, std::move(d));
    case errc::bad_request: throw bad_request_error(ec, std::move(d));
    case errc::authentication: throw authentication_error(ec, std::move(d));
    case errc::permission_denied: throw permission_denied_error(ec, std::move(d));
    case errc::not_found: throw not_found_error(ec, std::move(d));
    case errc::conflict: throw conflict_error(ec, std::move(d));
    case errc::unprocessable_entity: throw unprocessable_entity_error(ec, std::move(d));
    case errc::rate_limited: throw rate_limit_error(ec, std::move(d));
    case errc::server_error: throw internal_server_error(ec, std::move(d));
    case errc::api_error: throw api_error(ec, std::move(d));
    case errc::network: throw connection_error(ec, std::move(d));
    case errc::timeout: throw timeout_error(ec, std::move(d));
    case errc::bad_response: throw bad_response_error(ec, std::move(d));
    case errc::invalid_configuration: throw configuration_error(ec, std::move(d));
    case errc::proxy_authentication: throw proxy_authentication_error(ec, std::move(d));
  }
  throw error(ec, std::move(d));
}

}  // namespace openai

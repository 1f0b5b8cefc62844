// How a proxy refused to carry a connection, as error codes of their own: the transport knows
// what the proxy said, and api/classify turns it into the kind the caller acts on.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace openai::detail {

enum class proxy_errc {
  authentication = 1,  // 407 (or 401 to CONNECT): credentials missing or refused
  refused,             // CONNECT answered with another non-2xx status (5xx, 403, ...)
  bad_answer,          // CONNECT answered 2xx with a body, or with bytes that are no answer
};

inline const boost::system::error_category& proxy_category() noexcept {
  struct category final : boost::system::error_category {
    const char* name() const noexcept override { return "openai.proxy"; }
    std::string message(int value) const override {
      switch (static_cast<proxy_errc>(value)) {
        case proxy_errc::authentication: return "proxy authentication failed";
        case proxy_errc::refused: return "proxy refused the tunnel";
        case proxy_errc::bad_answer: return "malformed answer from the proxy";
      }
      return "proxy error";
    }
  };
  static const category instance;
  return instance;
}

inline boost::system::error_code make_error_code(proxy_errc e) noexcept {
  return {static_cast<int>(e), proxy_category()};
}

}  // namespace openai::detail

template <>
struct boost::system::is_error_code_enum<openai::detail::proxy_errc> : std::true_type {};

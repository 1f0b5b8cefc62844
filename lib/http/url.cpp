#include "http/url.hpp"

#include "support/text.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace openai::detail {

namespace {

bool is_loopback(const boost::urls::url_view& u) {
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      return u.host_ipv4_address().is_loopback();
    case boost::urls::host_type::ipv6:
      return u.host_ipv6_address().is_loopback();
    case boost::urls::host_type::name:
      return u.host() == "localhost";
    default:
      return false;
  }
}

}  // namespace

std::string echoable_url(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  std::string out;
  // User info ends at the last '@' of the authority, which ends at the first '/' after "//"
  // (or, in text that is no URL, anywhere: then everything up to the last '@' goes).
  const auto scheme_end = url.find("//");
  const std::size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 2;
  const auto authority_end =
      scheme_end == std::string_view::npos ? std::string_view::npos : url.find('/', authority);
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos && at >= authority) {
    out.append(url.substr(0, authority)).append("***");
    url.remove_prefix(at);
  }
  out.append(url);
  return printable_excerpt(out, 200);
}

boost::system::result<base_url> parse_base_url(std::string_view text, std::string& problem) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  auto fail = [&](std::string why) -> boost::system::result<base_url> {
    problem = "base_url '" + echoable_url(text) + "' " + std::move(why);
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  };
  if (!parsed) return fail("is not an absolute URL");
  const boost::urls::url_view& u = *parsed;

  base_url out;
  if (u.scheme_id() == boost::urls::scheme::https) {
    out.tls = true;
  } else if (u.scheme_id() == boost::urls::scheme::http) {
    out.tls = false;
  } else {
    return fail("must start with http:// or https://");
  }
  if (u.has_userinfo()) {
    // Not echoed: user info may carry a secret.
    problem = "base_url must not contain user info (user:password@)";
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  if (u.has_query()) return fail("must not contain a query");
  if (u.host_type() == boost::urls::host_type::ipvfuture || u.encoded_host().empty())
    return fail("has no usable host");

  if (u.encoded_host().find('%') != boost::core::string_view::npos)
    return fail("has a percent-encoded host");
  if (u.has_port()) {
    const auto port = u.port();
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != boost::core::string_view::npos ||
        std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535)
      return fail("has an invalid port");
  }
  if (!u.encoded_path().empty() && u.encoded_path().front() != '/')
    return fail("has a path that does not start with '/'");
  out.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string(u.host_address())
                                                         : std::string(u.host());
  out.host_is_ip = u.host_type() == boost::urls::host_type::ipv4 ||
                   u.host_type() == boost::urls::host_type::ipv6;
  out.host_is_loopback = is_loopback(u);
  const std::string default_port = out.tls ? "443" : "80";
  out.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : default_port;
  out.host_header = std::string(u.encoded_host_and_port());
  if (out.port == default_port) out.host_header = std::string(u.encoded_host());

  out.path = std::string(u.encoded_path());
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  return out;
}

std::string encode_path_segment(std::string_view id, std::string& problem) {
  if (id.empty()) {
    problem = "completion id must not be empty";
    return {};
  }
  if (id == "." || id == "..") {
    problem = "completion id must not be '.' or '..'";
    return {};
  }
  return boost::urls::encode(id, boost::urls::unreserved_chars);
}

void append_query(std::string& target, std::string_view key, std::string_view value) {
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += boost::urls::encode(key, boost::urls::unreserved_chars);
  target += '=';
  target += boost::urls::encode(value, boost::urls::unreserved_chars);
}

}  // namespace openai::detail

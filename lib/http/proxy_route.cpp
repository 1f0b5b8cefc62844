#include "http/proxy_route.hpp"

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace openai::detail {

namespace {

std::string base64(std::string_view in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An IP literal's bytes: 4 for IPv4, 16 for IPv6; empty when text is no IP literal.
std::vector<unsigned char> ip_bytes(std::string_view text) {
  if (auto v4 = boost::urls::parse_ipv4_address(text)) {
    const auto b = v4->to_bytes();
    return {b.begin(), b.end()};
  }
  if (auto v6 = boost::urls::parse_ipv6_address(text)) {
    const auto b = v6->to_bytes();
    return {b.begin(), b.end()};
  }
  return {};
}

// Whether the first `bits` bits of a and b agree.
bool same_prefix(const std::vector<unsigned char>& a, const std::vector<unsigned char>& b,
                 unsigned bits) {
  for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

bool cidr_matches(std::string_view entry, const std::vector<unsigned char>& target_ip) {
  const auto slash = entry.find('/');
  const auto network = ip_bytes(entry.substr(0, slash));
  const std::string_view length_text = entry.substr(slash + 1);
  unsigned length = 0;
  const auto [end, ec] =
      std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (network.empty() || ec != std::errc{} || end != length_text.data() + length_text.size() ||
      length > network.size() * 8)
    return false;  // not a range: such an entry names nothing
  return network.size() == target_ip.size() && same_prefix(network, target_ip, length);
}

// Splits "host:port", "[v6]:port", "[v6]", a bare IPv6 literal or a name into host and port.
std::pair<std::string_view, std::string_view> split_port(std::string_view entry) {
  if (!entry.empty() && entry.front() == '[') {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return {entry, {}};
    const std::string_view rest = entry.substr(close + 1);
    return {entry.substr(1, close - 1), rest.empty() || rest.front() != ':' ? "" : rest.substr(1)};
  }
  if (std::count(entry.begin(), entry.end(), ':') == 1) {
    const auto colon = entry.find(':');
    return {entry.substr(0, colon), entry.substr(colon + 1)};
  }
  return {entry, {}};
}

bool entry_matches(std::string_view entry, const std::string& host,
                   const std::vector<unsigned char>& host_ip, std::string_view port) {
  if (entry == "*") return true;
  if (entry.find('/') != std::string_view::npos) return !host_ip.empty() && cidr_matches(entry, host_ip);
  auto [name, entry_port] = split_port(entry);
  if (!entry_port.empty() && entry_port != port) return false;
  if (const auto ip = ip_bytes(name); !ip.empty()) return ip == host_ip;
  if (name.substr(0, 2) == "*.") name.remove_prefix(1);
  if (!name.empty() && name.front() == '.') name.remove_prefix(1);
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return false;
  if (host == name) return true;
  return host.size() > name.size() && host.ends_with(name) &&
         host[host.size() - name.size() - 1] == '.';
}

}  // namespace

boost::system::result<proxy_url> parse_proxy_url(std::string_view text, std::string& problem) {
  const std::string with_scheme =
      text.find("://") == std::string_view::npos ? "http://" + std::string(text) : std::string(text);
  auto fail = [&](std::string why) -> boost::system::result<proxy_url> {
    problem = "proxy '" + echoable_url(with_scheme) + "' " + std::move(why);
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  };
  auto parsed = boost::urls::parse_absolute_uri(with_scheme);
  if (!parsed) return fail("is not a URL");
  const boost::urls::url_view& u = *parsed;
  proxy_url out;
  if (u.scheme_id() == boost::urls::scheme::https)
    out.tls = true;
  else if (u.scheme_id() != boost::urls::scheme::http)
    return fail("has an unsupported scheme (http:// and https:// proxies are supported)");
  if (u.host_type() == boost::urls::host_type::ipvfuture || u.encoded_host().empty())
    return fail("has no usable host");
  if (u.encoded_host().find('%') != boost::core::string_view::npos)
    return fail("has a percent-encoded host");
  if (u.has_query() || u.has_fragment()) return fail("must not contain a query or fragment");
  if (!u.encoded_path().empty() && u.encoded_path() != "/") return fail("must not contain a path");
  if (u.has_port()) {
    const std::string port(u.port());
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
        value > 65535)
      return fail("has an invalid port");
  }
  out.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string(u.host_address())
                                                         : std::string(u.host());
  out.host_is_ip = u.host_type() == boost::urls::host_type::ipv4 ||
                   u.host_type() == boost::urls::host_type::ipv6;
  out.port = u.has_port() ? std::string(u.port()) : (out.tls ? "443" : "80");
  out.name = std::string(out.tls ? "https://" : "http://") + std::string(u.encoded_host()) + ":" +
             out.port;
  if (u.has_userinfo()) {
    const std::string user = u.user();
    out.password = u.password();
    if (user.empty() && out.password.empty()) return fail("has empty user info");
    // RFC 7617: the user-id ends at the first ':'; one inside it would shift the password.
    if (user.find(':') != std::string::npos)
      return fail("has a ':' in its user name (percent-encoded %3A), which Basic cannot carry");
    if ((user + out.password).find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      return fail("has a CR, LF or NUL character in its user info");
    out.authorization = "Basic " + base64(user + ":" + out.password);
  }
  return out;
}

bool no_proxy_matches(std::string_view no_proxy, const base_url& target) {
  const std::string host = lower(target.host);
  const auto host_ip = target.host_is_ip ? ip_bytes(host) : std::vector<unsigned char>{};
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    const std::string entry = lower(trim(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view{} : no_proxy.substr(comma + 1);
    if (!entry.empty() && entry_matches(entry, host, host_ip, target.port)) return true;
  }
  return false;
}

std::string choose_proxy(const proxy_choice_input& input, const base_url& target) {
  if (input.explicit_proxy) return *input.explicit_proxy;
  const std::string& own = target.tls ? input.https_proxy : input.http_proxy;
  const std::string& chosen = !own.empty() ? own : input.all_proxy;
  if (chosen.empty() || target.host_is_loopback || no_proxy_matches(input.no_proxy, target))
    return {};
  return chosen;
}

std::string authority_of(const base_url& target) {
  if (target.host.find(':') != std::string::npos) return "[" + target.host + "]:" + target.port;
  return target.host + ":" + target.port;
}

}  // namespace openai::detail

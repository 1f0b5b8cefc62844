// Which proxy, if any, a client's connections go through: pure decisions on strings, no I/O,
// so every rule (scheme variables, loopback, NO_PROXY) is unit-tested without a socket.
//
// The rules, in order:
//   1. An explicit proxy (client_options::proxy set): "" means none; any other value is the
//      proxy of every connection, loopback targets included, and NO_PROXY is not consulted.
//   2. Otherwise the environment: https_proxy for https:// targets, http_proxy for http://
//      ones, all_proxy when that one is empty (as curl; Go has no all_proxy).
//   3. A loopback target (localhost, 127.0.0.0/8, ::1) bypasses a proxy from the environment
//      (as Go; curl sends it to the proxy unless NO_PROXY names it).
//   4. So does a target that NO_PROXY names.
#pragma once

#include "http/url.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace openai::detail {

// A parsed proxy URL: http://[user[:password]@]host[:port] or https://...
// A URL without a scheme is taken as http:// (as curl and Go do). Without a port: 80 for
// http://, 443 for https:// (as Go; curl defaults to 1080 for every scheme).
struct proxy_url {
  bool tls = false;        // https://: TLS to the proxy, verified with its name
  std::string host;        // without brackets
  std::string port;        // always set
  bool host_is_ip = false;
  // What messages call the proxy: scheme, host and port, never the user info.
  std::string name;
  // "Basic base64(user:password)" after percent-decoding the user info; empty without it.
  std::string authorization;
  std::string password;    // percent-decoded; kept only so that it can be redacted
};

// On failure `problem` names the proxy without its user info and says why.
boost::system::result<proxy_url> parse_proxy_url(std::string_view text, std::string& problem);

// Whether NO_PROXY's list names the target: comma-separated entries, spaces trimmed, case
// ignored; "*" = every host; a name matches itself and its subdomains, with or without a
// leading dot (as curl; Go's ".example.com" leaves out example.com itself); an IP literal
// matches that address; a CIDR range (v4 or v6) the addresses in it; any entry may end with
// ":port" (IPv6 in brackets), which then must be the target's port too. Names are not
// resolved: an IP entry never matches a target given by name.
bool no_proxy_matches(std::string_view no_proxy, const base_url& target);

// What the route is chosen from (client_options::proxy and proxy_env, as strings).
struct proxy_choice_input {
  std::optional<std::string> explicit_proxy;
  std::string https_proxy, http_proxy, all_proxy, no_proxy;
};

// The proxy URL text that applies to target, or "" for a direct connection (rules above).
std::string choose_proxy(const proxy_choice_input& input, const base_url& target);

// "host:port" as a CONNECT request target names the target (IPv6 literals in brackets).
std::string authority_of(const base_url& target);

}  // namespace openai::detail

// Base URL parsing and path-segment encoding: pure functions, no I/O.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace openai::detail {

struct base_url {
  bool tls = true;
  std::string host;         // without brackets: "api.openai.com", "127.0.0.1", "::1"
  std::string port;         // always set: "443" / "80" when the URL has none
  std::string host_header;  // what the Host header carries: "[::1]:8443", "api.openai.com"
  std::string path;         // "/v1", never with a trailing '/'
  bool host_is_loopback = false;
  bool host_is_ip = false;  // no SNI for IP literals (RFC 6066)
};

// Accepts http:// and https:// URLs with an optional port and path; rejects user info, query
// and fragment. On failure `problem` says why.
boost::system::result<base_url> parse_base_url(std::string_view url, std::string& problem);

// A URL as it may be quoted in a message: without query or fragment (they may carry tokens),
// with any user info (user:password@) replaced by "***@", bounded and printable.
std::string echoable_url(std::string_view url);

// Percent-encodes id as a single path segment: everything but RFC 3986 unreserved characters is
// encoded, so '/', '?', '#', '%', spaces and non-ASCII never change the path's meaning. Empty,
// "." and ".." are rejected (empty result, `problem` set): they would name another resource.
std::string encode_path_segment(std::string_view id, std::string& problem);

// Appends "?k=v&..." or "&k=v" to target, percent-encoding keys and values.
void append_query(std::string& target, std::string_view key, std::string_view value);

}  // namespace openai::detail

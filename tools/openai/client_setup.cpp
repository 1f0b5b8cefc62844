#include "client_setup.hpp"

#include <boost/url/parse.hpp>
#include <openai/error.hpp>
#include <ostream>

#include "debug_lines.hpp"

namespace openai_cli {

namespace {

void add_password_of(std::string_view proxy_url, std::vector<std::string>& out) {
  if (proxy_url.empty()) return;
  auto u = boost::urls::parse_uri(proxy_url);
  if (!u || !u->has_password()) return;
  out.emplace_back(u->encoded_password());
  out.emplace_back(u->password());
}

}  // namespace

openai::client_options client_options_of(const global_options& g, std::ostream* debug_to) {
  openai::client_options o = g.client;
  if (g.max_retries) o.max_retries = *g.max_retries;
  if (g.timeout) o.timeout = *g.timeout;
  if (g.debug && debug_to) {
    // Each attempt as the library sends it (retries included) with its headers as sent; the
    // library redacts the key and shows Authorization as "Bearer <REDACTED>". The proxy
    // passwords are redacted here as well, whatever the library prints.
    o.debug_log = [debug_to, origin = url_origin(o.base_url),
                   secrets = secrets_of(o)](std::string_view line) {
      *debug_to << redact_secrets(debug_line(line, origin), secrets) << std::endl;
    };
    o.debug_log_headers = true;
  }
  return o;
}

std::vector<std::string> secrets_of(const openai::client_options& o) {
  std::vector<std::string> out{o.api_key};
  if (o.proxy) add_password_of(*o.proxy, out);
  for (const std::string* url :
       {&o.proxy_env.https_proxy, &o.proxy_env.http_proxy, &o.proxy_env.all_proxy})
    add_password_of(*url, out);
  std::erase_if(out, [](const std::string& s) { return s.empty(); });
  return out;
}

std::string redact_secrets(std::string text, const openai::client_options& o) {
  return redact_secrets(std::move(text), secrets_of(o));
}

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) text = openai::redact(std::move(text), s);
  return text;
}

}  // namespace openai_cli

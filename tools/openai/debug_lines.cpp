#include "debug_lines.hpp"

#include <boost/url/parse.hpp>

namespace openai_cli {

std::string url_origin(std::string_view base_url) {
  auto u = boost::urls::parse_uri(base_url);
  if (!u) return {};
  return std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port());
}

std::string debug_line(std::string_view line, std::string_view origin) {
  constexpr std::string_view prefix = "openai: debug: ";
  constexpr std::string_view sent = "openai-asio: -> ", got = "openai-asio: <- ",
                             library = "openai-asio: ";
  std::string out(prefix);
  if (line.starts_with(sent)) {
    // "GET /target attempt N"
    std::string_view rest = line.substr(sent.size());
    const std::size_t space = rest.find(' ');
    out.append("request ").append(rest.substr(0, space + 1)).append(origin);
    out.append(rest.substr(space + 1)).append(" authorization: Bearer [redacted]");
    return out;
  }
  if (line.starts_with(got)) {
    // "GET /target attempt N: 200 request id R in X ms" or "...attempt N: reason (problem) in X ms"
    std::string_view rest = line.substr(got.size());
    const std::size_t space = rest.find(' ');
    const std::size_t colon = rest.find(": ", space);
    const std::string_view method = rest.substr(0, space);
    std::string_view target = rest.substr(space + 1, colon - space - 1);
    std::string_view attempt;
    if (const std::size_t a = target.rfind(" attempt "); a != std::string_view::npos) {
      attempt = target.substr(a + 9);
      target = target.substr(0, a);
    }
    std::string_view result = colon == std::string_view::npos ? "" : rest.substr(colon + 2);
    std::string_view elapsed;
    if (const std::size_t in = result.rfind(" in "); in != std::string_view::npos) {
      elapsed = result.substr(in + 4);
      result = result.substr(0, in);
    }
    std::string_view status = result.substr(0, result.find(' '));
    const bool numeric =
        !status.empty() && status.find_first_not_of("0123456789") == std::string_view::npos;
    out.append("response ").append(numeric ? status : "failed").append(" ");
    out.append(method).append(" ").append(origin).append(target);
    if (const std::size_t id = result.find("request id "); id != std::string_view::npos)
      out.append(" request-id: ").append(result.substr(id + 11));
    else if (!numeric)
      out.append(" error: ").append(result);
    if (!attempt.empty()) out.append(" attempt: ").append(attempt);
    if (!elapsed.empty()) out.append(" elapsed: ").append(elapsed);
    return out;
  }
  if (line.starts_with(library)) return out.append(line.substr(library.size()));
  return out.append(line);
}

}  // namespace openai_cli

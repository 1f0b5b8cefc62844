#include "args.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "yaml_text.hpp"

namespace openai_cli {

namespace json = boost::json;

namespace {

using enum command;

const std::vector<command> id_commands{update, retrieve, remove, messages_list};
const std::vector<command> list_commands{list, messages_list};
const std::vector<command> api_commands{update, retrieve, list, remove, update_many, messages_list};

unsigned long long parse_count(std::string_view flag, const std::string& text,
                               unsigned long long min, unsigned long long max) {
  auto fail = [&]() -> unsigned long long {
    throw usage_error("--" + std::string(flag) + " needs a whole number from " +
                      std::to_string(min) + " to " + std::to_string(max) + ", not '" + text + "'");
  };
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return fail();
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || v < min || v > max) return fail();
  return v;
}

// A number greater than 0 (fractions allowed) no larger than max.
double parse_positive(const std::string& text, double max, const std::string& complaint) {
  auto fail = [&]() -> double { throw usage_error(complaint + ", not '" + text + "'"); };
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return fail();
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v) || v <= 0 || v > max) return fail();
  return v;
}

std::chrono::milliseconds parse_seconds(const std::string& text) {
  const double v = parse_positive(text, 1e7, "--timeout needs a number of seconds greater than 0");
  return std::chrono::milliseconds(std::max(1LL, static_cast<long long>(std::llround(v * 1000))));
}

output_format parse_format(std::string_view flag, const std::string& v) {
  for (const auto& [name, f] : format_names())
    if (name == v) return f;
  std::string names;
  for (const auto& [name, f] : format_names())
    names += (names.empty() ? "" : ", ") + std::string(name);
  throw usage_error("--" + std::string(flag) + " must be one of " + names + ", not '" + v + "'");
}

std::string non_empty(std::string_view flag, const std::string& v, std::string_view hint = {}) {
  if (v.empty()) throw usage_error("--" + std::string(flag) + " is empty" + std::string(hint));
  return v;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// 'Name: Value' as the official CLI reads it: the value trimmed of spaces and tabs, kept
// literally otherwise (no @file); a later header of the same name, whatever its case, wins.
void add_header(std::vector<std::pair<std::string, std::string>>& headers, std::string_view text,
                std::string_view source) {
  const std::size_t colon = text.find(':');
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
      s.remove_suffix(1);
    return s;
  };
  const std::string_view name = colon == std::string_view::npos ? "" : trim(text.substr(0, colon));
  if (name.empty())
    throw usage_error(std::string(source) + " needs 'Name: Value', not '" +
                      std::string(text.substr(0, 64)) + "'");
  std::erase_if(headers, [&](const auto& h) { return equal_ignoring_case(h.first, name); });
  headers.emplace_back(std::string(name), std::string(trim(text.substr(colon + 1))));
}

// --http1 and --http2 set client_options::http_version; both on one command line contradict
// each other (whatever the environment said before them).
void set_http_version(invocation& inv, openai::http_version v) {
  if (inv.global.http_version_given) throw usage_error("--http1 and --http2 contradict each other");
  inv.global.http_version_given = true;
  inv.global.client.http_version = v;
}

}  // namespace

const std::vector<std::pair<std::string_view, output_format>>& format_names() {
  static const std::vector<std::pair<std::string_view, output_format>> names{
      {"auto", output_format::pretty}, {"text", output_format::text},
      {"json", output_format::json},   {"jsonl", output_format::jsonl},
      {"pretty", output_format::tree}, {"raw", output_format::raw},
      {"yaml", output_format::yaml},   {"explore", output_format::explore}};
  return names;
}

output_format error_format(const global_options& g) noexcept {
  if (g.format_error) return *g.format_error;
  if (g.format_given) switch (g.format) {
      case output_format::json:
      case output_format::jsonl:
      case output_format::raw:
      case output_format::yaml:
        return g.format;
      default:
        break;
    }
  return output_format::pretty;
}

const std::vector<flag_spec>& flag_specs() {
  using inv_t = invocation;
  using str = const std::string&;
  static const std::vector<std::string_view> formats{"auto",   "text", "json", "jsonl",
                                                     "pretty", "raw",  "yaml", "explore"};
  static const std::vector<flag_spec> specs{
      {.name = "api-key",
       .value_name = "KEY",
       .help = "API key (default: $OPENAI_API_KEY); never printed",
       .set = [](inv_t& i, str v) { i.global.client.api_key = non_empty("api-key", v); }},
      {.name = "base-url",
       .value_name = "URL",
       .help = "API base URL, http:// or https:// (default: $OPENAI_BASE_URL, else "
               "https://api.openai.com/v1)",
       .set = [](inv_t& i, str v) { i.global.client.base_url = non_empty("base-url", v); }},
      {.name = "organization",
       .value_name = "ID",
       .help = "OpenAI-Organization header (default: $OPENAI_ORG_ID)",
       .set = [](inv_t& i, str v) { i.global.client.organization = v; }},
      {.name = "project",
       .value_name = "ID",
       .help = "OpenAI-Project header (default: $OPENAI_PROJECT_ID)",
       .set = [](inv_t& i, str v) { i.global.client.project = v; }},
      {.name = "header",
       .value_name = "'NAME: VALUE'",
       .help = "add a request header, literally (repeatable; the last of a name wins; also "
               "$OPENAI_CUSTOM_HEADERS, one per line)",
       .repeatable = true,
       .short_name = 'H',
       .set = [](inv_t& i, str v) { add_header(i.global.headers, v, "--header"); }},
      {.name = "max-retries",
       .value_name = "N",
       .help = "retries after the first attempt (default 2; update-many: 6)",
       .set =
           [](inv_t& i, str v) {
             i.global.max_retries = static_cast<unsigned>(parse_count("max-retries", v, 0, 100));
           }},
      {.name = "timeout",
       .value_name = "SECONDS",
       .help = "per-attempt timeout, fractions allowed (default 600)",
       .set = [](inv_t& i, str v) { i.global.timeout = parse_seconds(v); }},
      {.name = "ca-file",
       .value_name = "PEM",
       .help = "extra trusted CA certificates (PEM file)",
       .set = [](inv_t& i, str v) { i.global.client.ca_file = non_empty("ca-file", v); }},
      {.name = "mtls-client-cert-file",
       .value_name = "PEM",
       .help = "client certificate chain for mutual TLS, leaf first (default: "
               "$OPENAI_MTLS_CLIENT_CERT_FILE); needs --mtls-client-key-file",
       .set =
           [](inv_t& i, str v) {
             i.global.client.client_cert_file = non_empty("mtls-client-cert-file", v);
           }},
      {.name = "mtls-client-key-file",
       .value_name = "PEM",
       .help = "the private key of that certificate, PEM (default: $OPENAI_MTLS_CLIENT_KEY_FILE)",
       .set =
           [](inv_t& i, str v) {
             i.global.client.client_key_file = non_empty("mtls-client-key-file", v);
           }},
      {.name = "proxy",
       .value_name = "URL",
       .help = "send every request through this proxy, http://[USER:PASSWORD@]HOST[:PORT] or "
               "https://... (loopback hosts too); the password is never printed (default: "
               "$HTTPS_PROXY or $HTTP_PROXY by the base URL's scheme, else $ALL_PROXY, except "
               "the hosts of $NO_PROXY and loopback; lower-case names too)",
       .set =
           [](inv_t& i, str v) {
             if (i.global.client.proxy)
               throw usage_error("--proxy and --no-proxy contradict each other");
             if (!v.starts_with("http://") && !v.starts_with("https://"))
               throw usage_error("--proxy needs an http:// or https:// URL (--no-proxy: none)");
             i.global.client.proxy = v;
           }},
      {.name = "no-proxy",
       .help = "connect directly, whatever the proxy variables say",
       .set =
           [](inv_t& i, str) {
             if (i.global.client.proxy)
               throw usage_error("--proxy and --no-proxy contradict each other");
             i.global.client.proxy = std::string();
           }},
      {.name = "http1",
       .help = "speak HTTP/1.1 only: HTTP/2 is never offered (default: HTTP/2 when the server "
               "picks it in the TLS handshake, else HTTP/1.1)",
       .set = [](inv_t& i, str) { set_http_version(i, openai::http_version::http1); }},
      {.name = "http2",
       .help = "speak HTTP/2 only: fail when the server does not pick it (plain http:// sends "
               "HTTP/2 with prior knowledge)",
       .set = [](inv_t& i, str) { set_http_version(i, openai::http_version::http2); }},
      {.name = "format",
       .value_name = "FORMAT",
       .help = "auto (default: json for one object, exactly as the API reference shows it; "
               "lists one item per line) | json (indented as the official CLI, coloured on a "
               "terminal or with FORCE_COLOR=1, never with NO_COLOR) | jsonl (one line) | yaml | "
               "pretty (tree) | text | raw (the response body as received) | explore",
       .set =
           [](inv_t& i, str v) {
             i.global.format = parse_format("format", v);
             i.global.format_given = true;
           },
       .choices = formats},
      {.name = "format-error",
       .value_name = "FORMAT",
       .help = "how errors print on stderr: auto and text (the official summary: HTTP status, "
               "Request ID, the server's message, a hint; one line when there is no HTTP status) "
               "| json | jsonl | yaml | pretty | raw | explore (the API error object); an explicit "
               "--format json, jsonl, raw or yaml applies here too",
       .set = [](inv_t& i, str v) { i.global.format_error = parse_format("format-error", v); },
       .choices = formats},
      {.name = "transform",
       .value_name = "PATH",
       .help = "print only what this GJSON path selects (for lists: of each item); the whole "
               "object when it selects nothing",
       .set = [](inv_t& i, str v) { i.global.transform = v; }},
      {.name = "transform-error",
       .value_name = "PATH",
       .help = "the same for the API error object",
       .set = [](inv_t& i, str v) { i.global.transform_error = v; }},
      {.name = "raw-output",
       .help = "print a string result without quotes",
       .short_name = 'r',
       .set = [](inv_t& i, str) { i.global.raw_output = true; }},
      {.name = "debug",
       .help = "the requests and responses on stderr (API key redacted)",
       .set = [](inv_t& i, str) { i.global.debug = true; }},
      {.name = "version",
       .help = "print the version and exit",
       .short_name = 'v',
       .set = [](inv_t&, str) {}},
      {.name = "help",
       .help = "print help for the command and exit",
       .short_name = 'h',
       .set = [](inv_t&, str) {}},
      {.name = "completion-id",
       .value_name = "ID",
       .help = "the stored completion (or give it as the first argument)",
       .commands = id_commands,
       .set = [](inv_t& i, str v) { i.completion_id = non_empty("completion-id", v); },
       .required_by = id_commands,
       .given = [](const inv_t& i) { return !i.completion_id.empty(); },
       .missing = "missing completion id: --completion-id ID or an argument"},
      {.name = "metadata",
       .value_name = "METADATA",
       .help = "the new metadata: JSON '{\"foo\":\"bar\"}', a flow mapping "
               "'{foo: bar, \"two words\": x}', null, or @FILE holding either",
       .commands = {update},
       .set = [](inv_t& i, str v) { i.metadata_text = v; },
       .required_by = {update},
       .given = [](const inv_t& i) { return i.metadata_text.has_value(); },
       .missing = "missing --metadata"},
      {.name = "metadata",
       .value_name = "KEY=VALUE",
       .help = "only completions whose metadata has KEY=VALUE, or a mapping '{key: \"value\"}' "
               "(repeatable)",
       .commands = {list},
       .repeatable = true,
       .set = [](inv_t& i, str v) { i.metadata_filters.push_back(v); }},
      {.name = "limit",
       .value_name = "N",
       .help = "page size, 1..100 (pages are followed automatically)",
       .commands = list_commands,
       .set = [](inv_t& i, str v) { i.limit = static_cast<int>(parse_count("limit", v, 1, 100)); }},
      {.name = "max-items",
       .value_name = "N",
       .help = "stop after N items (-1: no limit)",
       .commands = list_commands,
       .set =
           [](inv_t& i, str v) {
             if (v == "-1")
               i.max_items.reset();
             else
               i.max_items = parse_count("max-items", v, 1, ~0ULL);
           }},
      {.name = "after",
       .value_name = "ID",
       .help = "start after this item id",
       .commands = list_commands,
       .set = [](inv_t& i, str v) { i.after = non_empty("after", v); }},
      {.name = "order",
       .value_name = "ORDER",
       .help = "asc | desc (by creation time)",
       .commands = list_commands,
       .set =
           [](inv_t& i, str v) {
             if (v != "asc" && v != "desc")
               throw usage_error("--order must be asc or desc, not '" + v + "'");
             i.order = v;
           },
       .choices = {"asc", "desc"}},
      {.name = "model",
       .value_name = "MODEL",
       .help = "only completions of this model",
       .commands = {list},
       .set = [](inv_t& i, str v) { i.model = non_empty("model", v); }},
      {.name = "input",
       .value_name = "FILE",
       .help = "JSON Lines, one update per line: {\"completion_id\": ID, \"metadata\": {...}} or "
               "a completion as 'list --format jsonl' prints it; - reads standard input",
       .commands = {update_many},
       .set = [](inv_t& i,
                 str v) { i.input = non_empty("input", v, " (use - for standard input)"); },
       .required_by = {update_many},
       .given = [](const inv_t& i) { return !i.input.empty() || !i.undo_records.empty(); },
       .missing = "missing --input FILE (or - for standard input, or --undo RECORDS)"},
      {.name = "output",
       .value_name = "FILE",
       .help = "where the result records go, one JSON line per input line (default -: standard "
               "output)",
       .commands = {update_many},
       .set = [](inv_t& i,
                 str v) { i.output = non_empty("output", v, " (use - for standard output)"); }},
      {.name = "concurrency",
       .value_name = "N",
       .help = "most updates in flight at once, 1..1024 (default 64)",
       .commands = {update_many},
       .set =
           [](inv_t& i, str v) {
             i.concurrency = static_cast<std::size_t>(parse_count("concurrency", v, 1, 1024));
           }},
      {.name = "max-rps",
       .value_name = "R",
       .help = "at most R requests per second (default: no cap)",
       .commands = {update_many},
       .set =
           [](inv_t& i, str v) {
             i.max_rps = parse_positive(
                 v, 1e9, "--max-rps needs a number of requests per second greater than 0");
           }},
      {.name = "set",
       .value_name = "KEY=VALUE",
       .help = "merge this pair into every line's metadata, replacing the line's value "
               "(repeatable)",
       .commands = {update_many},
       .repeatable = true,
       .set =
           [](inv_t& i, str v) {
             if (v.find('=') == std::string::npos || v.front() == '=')
               throw usage_error("--set needs KEY=VALUE, not '" + v + "'");
             i.set_pairs.push_back(v);
           }},
      {.name = "resume",
       .help = "with --output FILE: skip the lines FILE records as ok (same line, same id); append",
       .commands = {update_many},
       .set = [](inv_t& i, str) { i.resume = true; }},
      {.name = "dry-run",
       .help = "read and check every line as a real run does (ids, metadata after --set, "
               "--resume's records) and write the record each would get, with \"dry_run\": true "
               "and the metadata it would send; send nothing, exit as the real run would",
       .commands = {update_many},
       .set = [](inv_t& i, str) { i.dry_run = true; }},
      {.name = "undoable",
       .help = "keep every line's metadata from before the update in its record "
               "(\"previous_metadata\", for --undo): lines that carry it (completions as 'list "
               "--format jsonl' prints them) cost nothing, the others one GET each before their "
               "update, one at a time (a failed GET fails the line, unsent)",
       .commands = {update_many},
       .set = [](inv_t& i, str) { i.undoable = true; }},
      {.name = "undo",
       .value_name = "RECORDS",
       .help = "take back an earlier run: restore the \"previous_metadata\" of each ok record "
               "of RECORDS (its --output), exactly; a record without one fails its line; writes "
               "records of its own, --resume and --dry-run apply; instead of --input",
       .commands = {update_many},
       .set = [](inv_t& i, str v) { i.undo_records = non_empty("undo", v); }},
      {.name = "progress",
       .help = "show the progress bar on stderr even when it is not a terminal",
       .commands = {update_many},
       .set =
           [](inv_t& i, str) {
             if (i.progress == false)
               throw usage_error("--progress and --no-progress contradict each other");
             i.progress = true;
           }},
      {.name = "no-progress",
       .help = "never show the progress bar",
       .commands = {update_many},
       .set =
           [](inv_t& i, str) {
             if (i.progress == true)
               throw usage_error("--progress and --no-progress contradict each other");
             i.progress = false;
           }},
      {.name = "output-dir",
       .value_name = "DIR",
       .help = "the folder the man pages are written to",
       .commands = {manpages},
       .short_name = 'o',
       .set = [](inv_t& i, str v) { i.manpage_dir = non_empty("output-dir", v); },
       .required_by = {manpages},
       .given = [](const inv_t& i) { return !i.manpage_dir.empty(); },
       .missing = "missing -o DIR"},
  };
  return specs;
}

bool flag_applies(const flag_spec& f, command c) noexcept {
  return f.commands.empty() ||
         std::find(f.commands.begin(), f.commands.end(), c) != f.commands.end();
}

std::string_view command_name(command c) noexcept {
  switch (c) {
    case none:
      return "";
    case completions:
      return "chat:completions";
    case messages:
      return "chat:completions:messages";
    case update:
      return "chat:completions update";
    case retrieve:
      return "chat:completions retrieve";
    case list:
      return "chat:completions list";
    case remove:
      return "chat:completions delete";
    case update_many:
      return "chat:completions update-many";
    case messages_list:
      return "chat:completions:messages list";
    case completion_script:
      return "@completion";
    case manpages:
      return "@manpages";
  }
  return "";
}

std::optional<std::string> process_env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

namespace {

// A flag as written, before we know which command it belongs to.
struct raw_flag {
  std::string name;
  std::string value;
  bool has_value = false;
};

const flag_spec* find_flag(std::string_view name, command c) {
  const flag_spec* any = nullptr;
  for (const auto& f : flag_specs()) {
    if (f.name != name) continue;
    if (flag_applies(f, c)) return &f;
    any = &f;
  }
  return any;
}

const flag_spec* find_short(char c) {
  for (const auto& f : flag_specs())
    if (f.short_name == c) return &f;
  return nullptr;
}

bool flag_known(std::string_view name) {
  return std::any_of(flag_specs().begin(), flag_specs().end(),
                     [&](const flag_spec& f) { return f.name == name; });
}

bool takes_value(std::string_view name) {
  for (const auto& f : flag_specs())
    if (f.name == name) return !f.value_name.empty();
  return false;
}

command resolve(const std::vector<std::string>& words, std::size_t& used) {
  used = 0;
  if (words.empty()) return none;
  const std::string& w0 = words[0];
  if (w0 == "@completion" || w0 == "@manpages") {
    used = 1;
    return w0 == "@completion" ? completion_script : manpages;
  }
  if (w0 == "chat:completions") {
    used = 1;
    if (words.size() < 2) return completions;
    used = 2;
    const std::string& w1 = words[1];
    if (w1 == "update") return update;
    if (w1 == "retrieve") return retrieve;
    if (w1 == "list") return list;
    if (w1 == "delete") return remove;
    if (w1 == "update-many") return update_many;
    throw usage_error("unknown command 'chat:completions " + w1 +
                      "'; commands: update, retrieve, list, delete, update-many");
  }
  if (w0 == "chat:completions:messages") {
    used = 1;
    if (words.size() < 2) return messages;
    used = 2;
    if (words[1] == "list") return messages_list;
    throw usage_error("unknown command 'chat:completions:messages " + words[1] +
                      "'; commands: list");
  }
  throw usage_error("unknown command '" + w0 +
                    "'; commands: chat:completions, chat:completions:messages, @completion, "
                    "@manpages");
}

bool takes_id(command c) {
  return std::find(id_commands.begin(), id_commands.end(), c) != id_commands.end();
}

// Piped standard input's mapping: each key names a flag (completion_id is --completion-id)
// that the command line did not give; scalars are the flag's text, a mapping (metadata) its
// JSON. Flags of the command line win.
void apply_stdin_mapping(invocation& inv, const std::string& text,
                         const std::set<std::string>& given) {
  const json::value v = parse_yaml(text, "standard input");
  if (v.is_null()) return;  // nothing piped
  if (!v.is_object())
    throw usage_error(
        "standard input must be a mapping of flags such as "
        "'{completion_id: ID, metadata: {key: value}}'");
  inv.stdin_used = true;
  for (const auto& [key, value] : v.get_object()) {
    std::string name(key);
    std::replace(name.begin(), name.end(), '_', '-');
    const flag_spec* spec = find_flag(name, inv.cmd);
    if (!spec || !flag_applies(*spec, inv.cmd) || spec->commands.empty())
      throw usage_error("standard input: '" + std::string(key) + "' is not a parameter of '" +
                        std::string(command_name(inv.cmd)) + "'");
    if (given.contains(name)) continue;
    if (value.is_array())
      throw usage_error("standard input: '" + std::string(key) + "' must not be a list");
    spec->set(inv, value.is_string() ? std::string(value.get_string()) : json::serialize(value));
  }
}

}  // namespace

invocation parse_arguments(int argc, const char* const* argv, const env_lookup& env,
                           const stdin_reader& piped_stdin) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse_arguments(args, env, piped_stdin);
}

invocation parse_arguments(const std::vector<std::string>& args, const env_lookup& env,
                           const stdin_reader& piped_stdin) {
  invocation inv;
  std::vector<std::string> words;
  std::vector<raw_flag> flags;
  bool only_positionals = false;

  // Pass 1: split words from flags. A flag's arity comes from the table; an unknown flag takes
  // its value only in the --name=value form (it is reported below).
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positionals || a.size() < 2 || a[0] != '-') {
      words.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    raw_flag f;
    std::string_view inline_value;
    bool has_inline = false;
    if (a.rfind("--", 0) != 0) {
      // -H VALUE, -HVALUE, -r, -h, -v, -o DIR
      const flag_spec* spec = find_short(a[1]);
      if (!spec) throw usage_error("unknown option '" + a + "' (options are spelled --name)");
      f.name = std::string(spec->name);
      if (a.size() > 2) {
        if (spec->value_name.empty()) throw usage_error("unknown option '" + a + "'");
        inline_value = std::string_view(a).substr(2);
        has_inline = true;
      }
    } else {
      const std::size_t eq = a.find('=');
      f.name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) {
        inline_value = std::string_view(a).substr(eq + 1);
        has_inline = true;
      }
    }
    if (has_inline) {
      f.value = std::string(inline_value);
      f.has_value = true;
      if (flag_known(f.name) && !takes_value(f.name))
        throw usage_error("--" + f.name + " takes no value");
    } else if (takes_value(f.name)) {
      if (i + 1 >= args.size()) throw usage_error("--" + f.name + " needs a value");
      f.value = args[++i];
      f.has_value = true;
    }
    flags.push_back(std::move(f));
  }

  std::size_t used = 0;
  inv.cmd = resolve(words, used);
  std::vector<std::string> positionals(words.begin() + static_cast<std::ptrdiff_t>(used),
                                       words.end());
  for (const auto& f : flags) {
    if (f.name == "help") inv.help = true;
    if (f.name == "version") inv.version = true;
  }

  // OPENAI_CUSTOM_HEADERS first, so that -H replaces its entries.
  if (std::optional<std::string> custom = env("OPENAI_CUSTOM_HEADERS")) {
    std::string_view rest = *custom;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos)
        add_header(inv.global.headers, line, "OPENAI_CUSTOM_HEADERS");
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }

  // The library reads the environment; the flags below override what it found.
  inv.global.client = openai::client_options::from_env(env);

  // Pass 2: apply each flag to the resolved command, through its row's setter.
  std::set<std::string> seen;
  for (const raw_flag& f : flags) {
    const flag_spec* spec = find_flag(f.name, inv.cmd);
    if (!spec) throw usage_error("unknown option --" + f.name);
    if (!flag_applies(*spec, inv.cmd)) {
      if (inv.help) continue;
      const std::string_view where = command_name(inv.cmd);
      throw usage_error(
          "--" + f.name + " does not apply to " +
          (where.empty() ? std::string("this command") : "'" + std::string(where) + "'"));
    }
    if (!spec->repeatable && !seen.insert(f.name).second)
      throw usage_error("--" + f.name + " given more than once");
    seen.insert(f.name);
    spec->set(inv, f.value);
  }

  // Positionals: the completion id for the commands that take one, the shell for @completion.
  if (inv.cmd == completion_script) {
    if (positionals.size() != 1 ||
        (positionals[0] != "bash" && positionals[0] != "zsh" && positionals[0] != "fish")) {
      if (!inv.help) throw usage_error("usage: openai @completion bash|zsh|fish");
    } else {
      inv.shell = positionals[0];
    }
    positionals.clear();
  }
  if (!positionals.empty()) {
    if (inv.cmd == none || inv.cmd == completions || inv.cmd == messages)
      throw usage_error("unexpected argument '" + positionals[0] + "'");
    if (!takes_id(inv.cmd))
      throw usage_error("'" + std::string(command_name(inv.cmd)) + "' takes no argument, got '" +
                        positionals[0] + "'");
    if (positionals.size() > 1) throw usage_error("unexpected argument '" + positionals[1] + "'");
    if (positionals[0].empty()) throw usage_error("the completion id is empty");
    if (!inv.completion_id.empty() && inv.completion_id != positionals[0])
      throw usage_error("two different completion ids: --completion-id '" + inv.completion_id +
                        "' and argument '" + positionals[0] + "'");
    inv.completion_id = positionals[0];
    seen.insert("completion-id");
  }

  if (inv.help || inv.version) return inv;
  if (inv.cmd == none || inv.cmd == completions || inv.cmd == messages)
    throw usage_error("missing command");
  if (inv.cmd == completion_script || inv.cmd == manpages) {
    for (const auto& f : flag_specs())
      if (!f.required_by.empty() && flag_applies(f, inv.cmd) && !f.given(inv))
        throw usage_error(std::string(f.missing));
    return inv;
  }

  // Piped standard input fills what the command line left out; update-many reads its own
  // lines from it, and @- means the flag owns it.
  const bool stdin_claimed = inv.cmd == update_many ||
                             (inv.metadata_text && *inv.metadata_text == "@-") ||
                             std::find(inv.metadata_filters.begin(), inv.metadata_filters.end(),
                                       "@-") != inv.metadata_filters.end();
  if (piped_stdin && !stdin_claimed)
    if (std::optional<std::string> text = piped_stdin()) apply_stdin_mapping(inv, *text, seen);

  // What each command needs before anything can be sent: the table's required_by columns.
  for (const auto& f : flag_specs())
    if (std::find(f.required_by.begin(), f.required_by.end(), inv.cmd) != f.required_by.end() &&
        !f.given(inv))
      throw usage_error(std::string(f.missing));
  if (inv.cmd == update_many) {
    const global_options& g = inv.global;
    if (g.format_given || g.format_error || g.transform || g.transform_error || g.raw_output)
      throw usage_error(
          "'chat:completions update-many' writes one JSON record per line: --format, "
          "--format-error, --transform, --transform-error and -r do not apply");
    if (!inv.undo_records.empty()) {
      if (!inv.input.empty())
        throw usage_error("--undo RECORDS reads RECORDS instead of --input: give one of them");
      if (!inv.set_pairs.empty() || inv.undoable)
        throw usage_error(
            "--undo restores the records' previous metadata: --set and --undoable do not apply");
      inv.input = inv.undo_records;
    }
    if (inv.resume && (inv.output.empty() || inv.output == "-"))
      throw usage_error("--resume needs --output FILE: the records of the earlier run");
    if (inv.input != "-" && inv.input == inv.output)
      throw usage_error("--input and --output name the same file");
  }
  if (inv.global.client.api_key.empty())
    throw usage_error("missing API key: pass --api-key or set OPENAI_API_KEY");
  return inv;
}

}  // namespace openai_cli

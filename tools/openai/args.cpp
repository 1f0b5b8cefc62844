#include "args.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

namespace openai_cli {

namespace {

using enum command;

const std::vector<command> id_commands{update, retrieve, remove, messages_list};
const std::vector<command> list_commands{list, messages_list};

}  // namespace

const std::vector<flag_spec>& flag_specs() {
  static const std::vector<flag_spec> specs{
      {"api-key", "KEY", "API key (default: $OPENAI_API_KEY); never printed", {}},
      {"base-url",
       "URL",
       "API base URL (default: $OPENAI_BASE_URL, else https://api.openai.com/v1)",
       {}},
      {"organization", "ID", "OpenAI-Organization header (default: $OPENAI_ORG_ID)", {}},
      {"project", "ID", "OpenAI-Project header (default: $OPENAI_PROJECT_ID)", {}},
      {"max-retries", "N", "retries after the first attempt (default 2; update-many: 6)", {}},
      {"timeout", "SECONDS", "per-attempt timeout, fractions allowed (default 600)", {}},
      {"ca-file", "PEM", "extra trusted CA certificates (PEM file)", {}},
      {"format",
       "FORMAT",
       "pretty (default: indented) | json (one line) | jsonl (one line); lists print one item "
       "per line",
       {}},
      {"debug", "", "one line per request and response on stderr (API key redacted)", {}},
      {"version", "", "print the version and exit", {}},
      {"help", "", "print help for the command and exit", {}},
      {"completion-id", "ID", "the stored completion (or give it as the first argument)",
       id_commands},
      {"metadata",
       "METADATA",
       "the new metadata: JSON '{\"foo\":\"bar\"}', a flow mapping "
       "'{foo: bar, \"two words\": x}', null, or @FILE holding either",
       {update}},
      {"metadata",
       "KEY=VALUE",
       "only completions whose metadata has KEY=VALUE (repeatable)",
       {list},
       true},
      {"limit", "N", "page size, 1..100 (pages are followed automatically)", list_commands},
      {"max-items", "N", "stop after N items", list_commands},
      {"after", "ID", "start after this item id", list_commands},
      {"order", "ORDER", "asc | desc (by creation time)", list_commands},
      {"model", "MODEL", "only completions of this model", {list}},
      {"input",
       "FILE",
       "JSON Lines, one update per line: {\"completion_id\": ID, \"metadata\": {...}} or a "
       "completion as 'list --format jsonl' prints it; - reads standard input",
       {update_many}},
      {"output",
       "FILE",
       "where the result records go, one JSON line per input line (default -: standard output)",
       {update_many}},
      {"concurrency", "N", "most updates in flight at once, 1..1024 (default 64)", {update_many}},
      {"max-rps", "R", "at most R requests per second (default: no cap)", {update_many}},
      {"set",
       "KEY=VALUE",
       "merge this pair into every line's metadata, replacing the line's value (repeatable)",
       {update_many},
       true},
      {"resume",
       "",
       "with --output FILE: skip the lines FILE records as ok (same line, same id); append",
       {update_many}},
      {"progress",
       "",
       "show the progress bar on stderr even when it is not a terminal",
       {update_many}},
      {"no-progress", "", "never show the progress bar", {update_many}},
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

bool flag_known(std::string_view name) {
  return std::any_of(flag_specs().begin(), flag_specs().end(),
                     [&](const flag_spec& f) { return f.name == name; });
}

bool takes_value(std::string_view name) {
  for (const auto& f : flag_specs())
    if (f.name == name) return !f.value_name.empty();
  return false;
}

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

std::chrono::milliseconds parse_seconds(const std::string& text) {
  auto fail = [&]() -> std::chrono::milliseconds {
    throw usage_error("--timeout needs a number of seconds greater than 0, not '" + text + "'");
  };
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return fail();
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v) || v <= 0 || v > 1e7) return fail();
  const auto ms = static_cast<long long>(std::llround(v * 1000));
  return std::chrono::milliseconds(std::max(1LL, ms));
}

double parse_rate(const std::string& text) {
  auto fail = [&]() -> double {
    throw usage_error("--max-rps needs a number of requests per second greater than 0, not '" +
                      text + "'");
  };
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return fail();
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v) || v <= 0 || v > 1e9) return fail();
  return v;
}

command resolve(const std::vector<std::string>& words, std::size_t& used) {
  used = 0;
  if (words.empty()) return none;
  const std::string& w0 = words[0];
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
                    "'; commands: chat:completions, chat:completions:messages");
}

bool takes_id(command c) {
  return std::find(id_commands.begin(), id_commands.end(), c) != id_commands.end();
}

}  // namespace

invocation parse_arguments(int argc, const char* const* argv, const env_lookup& env) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse_arguments(args, env);
}

invocation parse_arguments(const std::vector<std::string>& args, const env_lookup& env) {
  invocation inv;
  std::vector<std::string> words;
  std::vector<raw_flag> flags;
  bool only_positionals = false;

  // Pass 1: split words from flags. A flag's arity comes from the table; an unknown flag takes
  // its value only in the --name=value form (it is reported below unless update-many owns it).
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
    if (a == "-h") {
      flags.push_back({"help", "", false});
      continue;
    }
    if (a.rfind("--", 0) != 0)
      throw usage_error("unknown option '" + a + "' (options are spelled --name)");
    raw_flag f;
    const std::size_t eq = a.find('=');
    f.name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (eq != std::string::npos) {
      f.value = a.substr(eq + 1);
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

  // Pass 2: apply each flag to the resolved command.
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
    const std::string& v = f.value;
    const std::string& n = f.name;
    if (n == "help" || n == "version") {
    } else if (n == "api-key") {
      if (v.empty()) throw usage_error("--api-key is empty");
      inv.global.api_key = v;
    } else if (n == "base-url") {
      if (v.empty()) throw usage_error("--base-url is empty");
      inv.global.base_url = v;
    } else if (n == "organization") {
      inv.global.organization = v;
    } else if (n == "project") {
      inv.global.project = v;
    } else if (n == "max-retries") {
      inv.global.max_retries = static_cast<unsigned>(parse_count(n, v, 0, 100));
    } else if (n == "timeout") {
      inv.global.timeout = parse_seconds(v);
    } else if (n == "ca-file") {
      if (v.empty()) throw usage_error("--ca-file is empty");
      inv.global.ca_file = v;
    } else if (n == "format") {
      if (v == "pretty")
        inv.global.format = output_format::pretty;
      else if (v == "json")
        inv.global.format = output_format::json;
      else if (v == "jsonl")
        inv.global.format = output_format::jsonl;
      else
        throw usage_error("--format must be pretty, json or jsonl, not '" + v + "'");
    } else if (n == "debug") {
      inv.global.debug = true;
    } else if (n == "completion-id") {
      if (v.empty()) throw usage_error("--completion-id is empty");
      inv.completion_id = v;
    } else if (n == "metadata") {
      if (inv.cmd == list)
        inv.metadata_filters.push_back(v);
      else
        inv.metadata_text = v;
    } else if (n == "limit") {
      inv.limit = static_cast<int>(parse_count(n, v, 1, 100));
    } else if (n == "max-items") {
      inv.max_items = parse_count(n, v, 1, ~0ULL);
    } else if (n == "after") {
      if (v.empty()) throw usage_error("--after is empty");
      inv.after = v;
    } else if (n == "order") {
      if (v != "asc" && v != "desc")
        throw usage_error("--order must be asc or desc, not '" + v + "'");
      inv.order = v;
    } else if (n == "model") {
      if (v.empty()) throw usage_error("--model is empty");
      inv.model = v;
    } else if (n == "input") {
      if (v.empty()) throw usage_error("--input is empty (use - for standard input)");
      inv.input = v;
    } else if (n == "output") {
      if (v.empty()) throw usage_error("--output is empty (use - for standard output)");
      inv.output = v;
    } else if (n == "concurrency") {
      inv.concurrency = static_cast<std::size_t>(parse_count(n, v, 1, 1024));
    } else if (n == "max-rps") {
      inv.max_rps = parse_rate(v);
    } else if (n == "set") {
      if (v.find('=') == std::string::npos || v.front() == '=')
        throw usage_error("--set needs KEY=VALUE, not '" + v + "'");
      inv.set_pairs.push_back(v);
    } else if (n == "resume") {
      inv.resume = true;
    } else if (n == "progress" || n == "no-progress") {
      const bool on = n == "progress";
      if (inv.progress && *inv.progress != on)
        throw usage_error("--progress and --no-progress contradict each other");
      inv.progress = on;
    }
  }

  // Positionals: the completion id, for the commands that take one.
  if (!positionals.empty()) {
    if (inv.cmd == none || inv.cmd == completions || inv.cmd == messages)
      throw usage_error("unexpected argument '" + positionals[0] + "'");
    if (!takes_id(inv.cmd))
      throw usage_error("'" + std::string(command_name(inv.cmd)) + "' takes no argument, got '" +
                        positionals[0] + "'");
    {
      if (positionals.size() > 1) throw usage_error("unexpected argument '" + positionals[1] + "'");
      if (positionals[0].empty()) throw usage_error("the completion id is empty");
      if (!inv.completion_id.empty() && inv.completion_id != positionals[0])
        throw usage_error("two different completion ids: --completion-id '" + inv.completion_id +
                          "' and argument '" + positionals[0] + "'");
      inv.completion_id = positionals[0];
    }
  }

  // Environment fallbacks: a flag always wins.
  if (inv.global.api_key.empty()) inv.global.api_key = env("OPENAI_API_KEY").value_or("");
  if (inv.global.base_url.empty()) inv.global.base_url = env("OPENAI_BASE_URL").value_or("");
  if (inv.global.organization.empty()) inv.global.organization = env("OPENAI_ORG_ID").value_or("");
  if (inv.global.project.empty()) inv.global.project = env("OPENAI_PROJECT_ID").value_or("");

  if (inv.help || inv.version) return inv;

  // What each command needs before anything can be sent.
  switch (inv.cmd) {
    case none:
    case completions:
    case messages:
      throw usage_error("missing command");
    case update_many:
      if (inv.input.empty()) throw usage_error("missing --input FILE (or - for standard input)");
      if (inv.resume && (inv.output.empty() || inv.output == "-"))
        throw usage_error("--resume needs --output FILE: the records of the earlier run");
      if (inv.input != "-" && inv.input == inv.output)
        throw usage_error("--input and --output name the same file");
      break;
    case update:
      if (inv.completion_id.empty())
        throw usage_error("missing completion id: --completion-id ID or an argument");
      if (!inv.metadata_text) throw usage_error("missing --metadata");
      break;
    case retrieve:
    case remove:
    case messages_list:
      if (inv.completion_id.empty())
        throw usage_error("missing completion id: --completion-id ID or an argument");
      break;
    case list:
      break;
  }
  if (inv.global.api_key.empty())
    throw usage_error("missing API key: pass --api-key or set OPENAI_API_KEY");
  return inv;
}

}  // namespace openai_cli

// Command-line parsing of `openai`: argv (and the environment) in, an invocation out. No I/O:
// the environment comes in as a function, so tests run without touching the process.
//
//   openai chat:completions update --api-key 'My API Key' --completion-id id --metadata '{foo: x}'
//
// Flags may come before or after the command words, as `--flag value` or `--flag=value`.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openai/options.hpp>

#include "usage_error.hpp"

namespace openai_cli {

enum class command {
  none,         // no command words: the top-level help
  completions,  // `chat:completions` alone: its help
  messages,     // `chat:completions:messages` alone: its help
  update,
  retrieve,
  list,
  remove,  // `delete`
  update_many,
  messages_list,
  completion_script,  // `@completion bash|zsh|fish`
  manpages,           // `@manpages -o DIR`
};

// --format and --format-error. `pretty` is what the default (`auto`) prints: the object as
// indented JSON, exactly as the API reference's examples show it; `tree` is `--format pretty`,
// the official CLI's readable tree view.
enum class output_format { pretty, json, jsonl, text, raw, yaml, tree, explore };

// Settings every command shares.
struct global_options {
  // The library's options, read from the environment by openai::client_options::from_env
  // (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_MTLS_*, the proxy
  // variables), then overridden by the flags: --api-key, --base-url, --organization, --project,
  // --ca-file, --mtls-client-cert-file, --mtls-client-key-file, --proxy, --no-proxy, --http1,
  // --http2.
  openai::client_options client;
  bool http_version_given = false;  // --http1 or --http2 (client.http_version) was given
  // Flags only: update-many has a default of its own when --max-retries is not given.
  std::optional<unsigned> max_retries;
  std::optional<std::chrono::milliseconds> timeout;
  output_format format = output_format::pretty;
  bool format_given = false;                   // --format was on the command line
  std::optional<output_format> format_error;   // --format-error; unset: see error_format()
  std::optional<std::string> transform;        // --transform PATH (GJSON)
  std::optional<std::string> transform_error;  // --transform-error PATH (GJSON)
  bool raw_output = false;                     // -r: a string result without quotes
  // -H/--header and OPENAI_CUSTOM_HEADERS, in order; a later name replaces an earlier one
  // whatever its case.
  std::vector<std::pair<std::string, std::string>> headers;
  bool debug = false;
  // Decided by main from the terminal and the environment (not flags).
  bool color = false;        // stdout: want_color()
  bool error_color = false;  // stderr
  bool stdout_is_terminal = false;
};

// The format errors are printed in: --format-error, else an explicit --format of json, jsonl,
// raw or yaml (as the official CLI does), else the one-line summary (`pretty`).
output_format error_format(const global_options& g) noexcept;

// What one command line asks for.
struct invocation {
  command cmd = command::none;
  bool help = false;     // --help: print help for cmd, send nothing
  bool version = false;  // --version
  global_options global;

  std::string completion_id;                    // --completion-id or the first positional
  std::optional<std::string> metadata_text;     // update: the raw --metadata argument
  std::vector<std::string> metadata_filters;    // list: every --metadata argument
  std::optional<int> limit;                     // page size, 1..100
  std::optional<unsigned long long> max_items;  // unset (or --max-items -1): no limit
  std::optional<std::string> after;
  std::optional<std::string> order;  // asc | desc
  std::optional<std::string> model;

  // update-many
  std::string input;   // --input FILE, or "-" for standard input
  std::string output;  // --output FILE or "-"; empty: standard output
  std::optional<std::size_t> concurrency;
  std::optional<double> max_rps;       // requests per second, > 0
  std::vector<std::string> set_pairs;  // every --set KEY=VALUE, unparsed, in order
  bool resume = false;
  bool dry_run = false;      // --dry-run: validate and record, send nothing
  bool undoable = false;     // --undoable: a GET before each update the line gives no metadata of
  std::string undo_records;  // --undo RECORDS (then input is RECORDS too)
  std::optional<bool> progress;  // --progress / --no-progress; unset: stderr is a TTY

  // @completion SHELL, @manpages -o DIR
  std::string shell;
  std::string manpage_dir;

  // Whether standard input was read as a mapping of flags (then it is used up).
  bool stdin_used = false;
};

// The environment, one variable at a time (the library's type: client_options::from_env takes it).
using env_lookup = openai::env_lookup;

// The process environment.
std::optional<std::string> process_env(std::string_view name);

// Standard input, when it is piped (not a terminal) and not kept for another use; nullopt
// otherwise. Its YAML or JSON mapping fills the flags the command line did not give.
using stdin_reader = std::function<std::optional<std::string>()>;

// Parses argv[1..argc). Throws usage_error with a message that never contains the API key.
invocation parse_arguments(int argc, const char* const* argv, const env_lookup& env,
                           const stdin_reader& piped_stdin = {});
invocation parse_arguments(const std::vector<std::string>& args, const env_lookup& env,
                           const stdin_reader& piped_stdin = {});

// Words of the command ("chat:completions update"), for messages.
std::string_view command_name(command c) noexcept;

}  // namespace openai_cli

namespace openai_cli {

// One flag the parser knows: its names, its help, where it applies, which commands cannot run
// without it, and the function that checks and stores its value. Help, completion scripts, man
// pages, the stdin mapping and the requirement checks are all generated from this one table.
struct flag_spec {
  std::string_view name;        // without the leading dashes
  std::string_view value_name = {};  // empty for a switch
  std::string_view help = {};
  std::vector<command> commands = {};  // empty: global, accepted everywhere
  bool repeatable = false;
  char short_name = 0;  // -H, -r, -h, -v, -o
  // Stores value (empty for a switch) into inv; throws usage_error for a bad one.
  void (*set)(invocation& inv, const std::string& value) = nullptr;
  // The commands that need this flag, whether it is given, and the message when it is not.
  std::vector<command> required_by = {};
  bool (*given)(const invocation& inv) = nullptr;
  std::string_view missing = {};
  // Values for shell completion (--format's names); empty: any.
  std::vector<std::string_view> choices = {};
};

const std::vector<flag_spec>& flag_specs();

// Whether flag f applies to command c.
bool flag_applies(const flag_spec& f, command c) noexcept;

// The names --format and --format-error accept, and their meaning.
const std::vector<std::pair<std::string_view, output_format>>& format_names();

}  // namespace openai_cli

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
};

enum class output_format { pretty, json, jsonl };

// Settings every command shares; each has its environment fallback where the issue names one.
struct global_options {
  std::string api_key;       // --api-key, OPENAI_API_KEY
  std::string base_url;      // --base-url, OPENAI_BASE_URL; empty = the library's default
  std::string organization;  // --organization, OPENAI_ORG_ID
  std::string project;       // --project, OPENAI_PROJECT_ID
  std::optional<unsigned> max_retries;
  std::optional<std::chrono::milliseconds> timeout;
  std::string ca_file;
  output_format format = output_format::pretty;
  bool debug = false;
};

// What one command line asks for.
struct invocation {
  command cmd = command::none;
  bool help = false;     // --help: print help for cmd, send nothing
  bool version = false;  // --version
  global_options global;

  std::string completion_id;                  // --completion-id or the first positional
  std::optional<std::string> metadata_text;   // update: the raw --metadata argument
  std::vector<std::string> metadata_filters;  // list: every --metadata argument
  std::optional<int> limit;                   // page size, 1..100
  std::optional<unsigned long long> max_items;
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
  std::optional<bool> progress;  // --progress / --no-progress; unset: stderr is a TTY
};

using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
std::optional<std::string> process_env(std::string_view name);

// Parses argv[1..argc). Throws usage_error with a message that never contains the API key.
invocation parse_arguments(int argc, const char* const* argv, const env_lookup& env);
invocation parse_arguments(const std::vector<std::string>& args, const env_lookup& env);

// Words of the command ("chat:completions update"), for messages.
std::string_view command_name(command c) noexcept;

}  // namespace openai_cli

namespace openai_cli {

// One flag the parser knows. The help text is generated from the same table, so every flag a
// command accepts is listed in its --help.
struct flag_spec {
  std::string_view name;        // without the leading dashes
  std::string_view value_name;  // empty for a switch
  std::string_view help;
  std::vector<command> commands;  // empty: global, accepted everywhere
  bool repeatable = false;
};

const std::vector<flag_spec>& flag_specs();

// Whether flag f applies to command c.
bool flag_applies(const flag_spec& f, command c) noexcept;

}  // namespace openai_cli

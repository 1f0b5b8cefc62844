#include "help.hpp"

#include <algorithm>
#include <openai/version.hpp>

namespace openai_cli {

namespace {

using enum command;

const std::vector<command_info> commands{
    {update, "openai chat:completions update [ID] --completion-id ID --metadata METADATA",
     "Modify the metadata of a stored chat completion; prints the updated chat.completion."},
    {retrieve, "openai chat:completions retrieve [ID] --completion-id ID",
     "Print a stored chat completion."},
    {list, "openai chat:completions list [--model M] [--metadata KEY=VALUE ...]",
     "Print stored chat completions, one per line, following pages."},
    {remove, "openai chat:completions delete [ID] --completion-id ID",
     "Delete a stored chat completion; prints the chat.completion.deleted status."},
    {update_many,
     "openai chat:completions update-many --input FILE|- [--output FILE|-] [--concurrency N] "
     "[--max-rps R] [--set KEY=VALUE ...] [--resume] [--dry-run] [--undoable] "
     "[--progress|--no-progress]\n       openai chat:completions update-many --undo RECORDS "
     "[--output FILE|-] [--resume] [--dry-run]",
     "Update the metadata of many stored completions, one JSON line each; one record per line."},
    {messages_list, "openai chat:completions:messages list [ID] --completion-id ID",
     "Print the stored messages of a chat completion, one per line, following pages."},
    {completion_script, "openai @completion bash|zsh|fish",
     "Print a shell completion script: commands, flags and --format values."},
    {manpages, "openai @manpages -o DIR", "Write the man page openai.1 into DIR."},
};

const command_info* info(command c) {
  for (const auto& i : commands)
    if (i.cmd == c) return &i;
  return nullptr;
}

void append_flags(std::string& out, command c, bool global) {
  std::vector<std::pair<std::string, std::string_view>> rows;
  std::size_t width = 0;
  for (const auto& f : flag_specs()) {
    if (f.commands.empty() != global) continue;
    if (!global && !flag_applies(f, c)) continue;
    std::string left = f.short_name ? std::string("-") + f.short_name + ", --" : "--";
    left.append(f.name);
    if (!f.value_name.empty()) left.append(" ").append(f.value_name);
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), f.help);
  }
  for (const auto& [left, help] : rows) {
    out += "  " + left;
    out.append(width - left.size() + 2, ' ');
    out += help;
    out += '\n';
  }
}

void append_commands(std::string& out, bool (*pick)(command)) {
  for (const auto& i : commands) {
    if (!pick(i.cmd)) continue;
    std::string name(command_name(i.cmd));
    out += "  " + name;
    out.append(name.size() < 32 ? 32 - name.size() : 1, ' ');
    out += i.summary;
    out += '\n';
  }
}

constexpr std::string_view footer =
    "\nExit status: 0 success, 1 API or network error, 2 usage or validation error (nothing "
    "sent).\n";

}  // namespace

const std::vector<command_info>& command_infos() { return commands; }

std::string help_text(command cmd) {
  std::string out;
  if (cmd == none || cmd == completions || cmd == messages) {
    out += "usage: openai <command> [ID] [flags]\n\n";
    out += cmd == none ? "The OpenAI stored chat completions API from the command line.\n\n"
                       : std::string(command_name(cmd)) + " commands:\n";
    if (cmd == none) out += "Commands:\n";
    append_commands(
        out, cmd == messages      ? +[](command c) { return c == messages_list; }
             : cmd == completions ? +[](command c) {
                 return c != messages_list && c != completion_script && c != manpages;
               }
                                  : +[](command) { return true; });
    out += "\nGlobal flags (every command):\n";
    append_flags(out, cmd, true);
    out +=
        "\nMETADATA for update: JSON '{\"foo\":\"bar\"}', a flow mapping "
        "'{foo: bar, \"two words\": x}',\nnull, or @FILE (@- reads standard input). Unquoted "
        "values are strings ({n: 5} sends \"5\");\nnested objects or arrays are rejected.\n";
    out += "\nRun 'openai <command> --help' for the flags of a command.\n";
    out += footer;
    return out;
  }
  const command_info* i = info(cmd);
  out += "usage: " + std::string(i->usage) + " [flags]\n\n" + std::string(i->summary) + "\n";
  out += "\nFlags:\n";
  append_flags(out, cmd, false);
  out += "\nGlobal flags:\n";
  append_flags(out, cmd, true);
  if (cmd == update)
    out +=
        "\nMETADATA: JSON '{\"foo\":\"bar\"}', a flow mapping '{foo: bar, \"two words\": x}', "
        "null, or @FILE\n(@- reads standard input) holding either. Unquoted values are "
        "strings ({n: 5} sends \"5\");\nnested objects or arrays are rejected. At most 16 "
        "pairs, keys up to 64 characters,\nvalues up to 512.\n";
  if (cmd == update || cmd == list)
    out +=
        "\nIn --metadata mappings a value @path reads a file's text (also @file://path),\n"
        "@data://path its bytes as base64, and \\@ starts a value that is a literal '@'.\n"
        "Numbers and booleans are sent as strings (the API accepts only strings; the\n"
        "official CLI sends them typed and gets a 400).\n";
  if (cmd == list || cmd == messages_list)
    out +=
        "\nOutput: each item in the chosen --format; by default one JSON object per line\n"
        "(JSON Lines). --transform applies to each item.\n";
  if (cmd != update_many && cmd != completion_script && cmd != manpages)
    out +=
        "\nStandard input, when piped, may hold a YAML or JSON mapping of this command's\n"
        "flags ({completion_id: ID, metadata: {key: value}}); flags given win.\n";
  if (cmd == update_many) {
    out +=
        "\nInput: JSON Lines, one update per line: {\"completion_id\": \"...\", \"metadata\": "
        "{...}}, or a\ncompletion as 'openai chat:completions list --format jsonl' prints it "
        "(id, metadata).\nBlank lines are skipped. --set pairs are merged into each line's "
        "metadata:\n  openai chat:completions list --model gpt-4o --format jsonl |\n"
        "    openai chat:completions update-many --input - --set reviewed=yes\n"
        "\nOutput: one JSON line per non-blank input line, written as each finishes:\n"
        "  {\"line\":1,\"completion_id\":\"...\",\"ok\":true,\"status\":200,\"attempts\":1,"
        "\"request_id\":\"...\",\"elapsed_us\":1234}\n"
        "  {\"line\":2,\"completion_id\":\"...\",\"ok\":false,\"attempts\":3,\"error\":{\"kind\":"
        "\"api\",\"status\":404,...}}\n"
        "Error kinds: input (the line is not an update; never sent), validation (never sent), "
        "api,\nnetwork, timeout. A summary goes to stderr at the end, and a progress bar while "
        "it runs\nwhen stderr is a terminal. SIGINT/SIGTERM: no new lines start, those in "
        "flight finish\n(10 s at most), exit status 130; --resume then finishes the job.\n"
        "\nRehearse: --dry-run reads and checks every line as the real run would and writes "
        "its\nrecord with \"dry_run\":true and the metadata it would send; nothing is sent, "
        "and the\nexit status is the real run's.\n"
        "\nTake back: an ok record keeps the completion's metadata from before the update as\n"
        "\"previous_metadata\" when the line carried it (a completion from 'list --format "
        "jsonl')\nor --undoable retrieved it (one GET per such line, before its update). "
        "--undo RECORDS\nsends each such record's previous metadata back: the update replaces "
        "the whole map,\nso keys the batch added go and values it replaced return. A record "
        "without it fails\nits line (kind input); failed and dry-run records are skipped:\n"
        "  openai chat:completions update-many --input batch.jsonl --undoable --output b.jsonl\n"
        "  openai chat:completions update-many --undo b.jsonl --output undo.jsonl\n";
    out +=
        "\nExit status: 0 every line succeeded, 1 any line failed, 2 usage error (nothing "
        "sent),\n130 interrupted.\n";
    return out;
  }
  out += footer;
  return out;
}

std::string version_text() {
  return std::string("openai ") + openai::version + " (openai-asio " + openai::version + ")\n";
}

}  // namespace openai_cli

#include <boost/test/unit_test.hpp>
#include <map>

#include "args.hpp"
#include "test_env.hpp"

using namespace openai_cli;

namespace {

using test::env_of;

const env_lookup no_env = env_of({});

invocation parse(std::vector<std::string> args, const env_lookup& env = no_env) {
  return parse_arguments(args, env);
}

bool rejects(std::vector<std::string> args, std::string_view expected_fragment,
             const env_lookup& env = no_env) {
  try {
    parse(std::move(args), env);
  } catch (const usage_error& e) {
    const std::string what = e.what();
    if (what.find(expected_fragment) != std::string::npos) return true;
    BOOST_TEST_MESSAGE("message was: " << what);
    return false;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(args)

BOOST_AUTO_TEST_CASE(parses_the_documented_line_verbatim) {
  const invocation inv = parse({"chat:completions", "update", "--api-key", "My API Key",
                                "--completion-id", "completion_id", "--metadata", "{foo: string}"});
  BOOST_TEST((inv.cmd == command::update));
  BOOST_TEST(inv.global.client.api_key == "My API Key");
  BOOST_TEST(inv.completion_id == "completion_id");
  BOOST_TEST(*inv.metadata_text == "{foo: string}");
  BOOST_TEST((inv.global.format == output_format::pretty));
}

BOOST_AUTO_TEST_CASE(takes_the_completion_id_as_the_first_positional) {
  const invocation inv = parse({"chat:completions", "retrieve", "chatcmpl-1", "--api-key", "k"});
  BOOST_TEST((inv.cmd == command::retrieve));
  BOOST_TEST(inv.completion_id == "chatcmpl-1");
}

BOOST_AUTO_TEST_CASE(accepts_the_same_id_twice_but_not_two_different_ones) {
  BOOST_TEST(parse({"chat:completions", "delete", "a", "--completion-id", "a", "--api-key", "k"})
                 .completion_id == "a");
  BOOST_TEST(rejects({"chat:completions", "delete", "a", "--completion-id=b", "--api-key", "k"},
                     "two different completion ids"));
}

BOOST_AUTO_TEST_CASE(accepts_flags_before_the_command_words_and_the_equals_form) {
  const invocation inv = parse({"--api-key=k", "--format=jsonl", "chat:completions:messages",
                                "list", "c1", "--limit=5", "--max-items", "7"});
  BOOST_TEST((inv.cmd == command::messages_list));
  BOOST_TEST(inv.global.client.api_key == "k");
  BOOST_TEST((inv.global.format == output_format::jsonl));
  BOOST_TEST(*inv.limit == 5);
  BOOST_TEST(*inv.max_items == 7u);
}

BOOST_AUTO_TEST_CASE(reads_every_global_flag) {
  const invocation inv =
      parse({"chat:completions", "list", "--api-key", "k", "--base-url", "http://127.0.0.1:1/v1",
             "--organization", "org", "--project", "proj", "--max-retries", "0", "--timeout", "1.5",
             "--ca-file", "ca.pem", "--format", "json", "--debug"});
  BOOST_TEST(inv.global.client.base_url == "http://127.0.0.1:1/v1");
  BOOST_TEST(inv.global.client.organization == "org");
  BOOST_TEST(inv.global.client.project == "proj");
  BOOST_TEST(*inv.global.max_retries == 0u);
  BOOST_TEST(inv.global.timeout->count() == 1500);
  BOOST_TEST(inv.global.client.ca_file == "ca.pem");
  BOOST_TEST((inv.global.format == output_format::json));
  BOOST_TEST(inv.global.debug);
}

BOOST_AUTO_TEST_CASE(falls_back_to_the_environment_and_lets_flags_win) {
  const env_lookup env = env_of({{"OPENAI_API_KEY", "env-key"},
                                 {"OPENAI_BASE_URL", "http://127.0.0.1:9/v1"},
                                 {"OPENAI_ORG_ID", "env-org"},
                                 {"OPENAI_PROJECT_ID", "env-proj"}});
  const invocation a = parse({"chat:completions", "list"}, env);
  BOOST_TEST(a.global.client.api_key == "env-key");
  BOOST_TEST(a.global.client.base_url == "http://127.0.0.1:9/v1");
  BOOST_TEST(a.global.client.organization == "env-org");
  BOOST_TEST(a.global.client.project == "env-proj");
  const invocation b =
      parse({"chat:completions", "list", "--api-key", "flag-key", "--project", "flag-proj"}, env);
  BOOST_TEST(b.global.client.api_key == "flag-key");
  BOOST_TEST(b.global.client.project == "flag-proj");
}

BOOST_AUTO_TEST_CASE(collects_repeated_list_metadata_filters) {
  const invocation inv =
      parse({"chat:completions", "list", "--api-key", "k", "--metadata", "a=1", "--metadata", "b=2",
             "--model", "gpt-4o", "--order", "desc", "--after", "x"});
  BOOST_TEST(inv.metadata_filters.size() == 2u);
  BOOST_TEST(*inv.model == "gpt-4o");
  BOOST_TEST(*inv.order == "desc");
  BOOST_TEST(*inv.after == "x");
}

BOOST_AUTO_TEST_CASE(rejects_update_without_metadata_or_id) {
  BOOST_TEST(rejects({"chat:completions", "update", "id", "--api-key", "k"}, "missing --metadata"));
  BOOST_TEST(rejects({"chat:completions", "update", "--metadata", "{}", "--api-key", "k"},
                     "missing completion id"));
}

BOOST_AUTO_TEST_CASE(rejects_a_missing_api_key_without_naming_any_key) {
  BOOST_TEST(rejects({"chat:completions", "retrieve", "id"}, "missing API key"));
}

BOOST_AUTO_TEST_CASE(rejects_unknown_commands_and_flags) {
  BOOST_TEST(rejects({"chat:completions", "frobnicate"}, "unknown command"));
  BOOST_TEST(rejects({"models", "list"}, "unknown command"));
  BOOST_TEST(rejects({"chat:completions", "list", "--api-key", "k", "--nope"}, "unknown option"));
  BOOST_TEST(rejects({"chat:completions", "list", "-x"}, "unknown option"));
  BOOST_TEST(rejects({}, "missing command"));
  BOOST_TEST(rejects({"chat:completions"}, "missing command"));
}

BOOST_AUTO_TEST_CASE(rejects_flags_of_other_commands) {
  BOOST_TEST(rejects({"chat:completions", "retrieve", "id", "--api-key", "k", "--limit", "5"},
                     "does not apply"));
  BOOST_TEST(rejects({"chat:completions:messages", "list", "id", "--api-key", "k", "--model", "m"},
                     "does not apply"));
  BOOST_TEST(rejects({"chat:completions", "list", "id", "--api-key", "k"}, "takes no argument"));
}

BOOST_AUTO_TEST_CASE(rejects_bad_values) {
  const std::vector<std::string> base{"chat:completions", "list", "--api-key", "k"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = base;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  BOOST_TEST(rejects(with({"--limit", "0"}), "--limit"));
  BOOST_TEST(rejects(with({"--limit", "101"}), "--limit"));
  BOOST_TEST(rejects(with({"--limit", "ten"}), "--limit"));
  BOOST_TEST(rejects(with({"--max-items", "0"}), "--max-items"));
  BOOST_TEST(rejects(with({"--max-items", "-3"}), "--max-items"));
  BOOST_TEST(rejects(with({"--order", "up"}), "--order"));
  BOOST_TEST(rejects(with({"--format", "xml"}), "--format"));
  BOOST_TEST(rejects(with({"--timeout", "0"}), "--timeout"));
  BOOST_TEST(rejects(with({"--timeout", "-1"}), "--timeout"));
  BOOST_TEST(rejects(with({"--max-retries", "x"}), "--max-retries"));
  BOOST_TEST(rejects(with({"--limit"}), "needs a value"));
  BOOST_TEST(rejects(with({"--debug=yes"}), "takes no value"));
  BOOST_TEST(rejects(with({"--model", "a", "--model", "b"}), "more than once"));
}

BOOST_AUTO_TEST_CASE(help_skips_the_requirements_at_every_level) {
  BOOST_TEST((parse({"--help"}).cmd == command::none));
  BOOST_TEST(parse({"--help"}).help);
  BOOST_TEST((parse({"chat:completions", "-h"}).cmd == command::completions));
  BOOST_TEST((parse({"chat:completions:messages", "--help"}).cmd == command::messages));
  const invocation u = parse({"chat:completions", "update", "--help"});
  BOOST_TEST((u.cmd == command::update));
  BOOST_TEST(u.help);
  BOOST_TEST(parse({"--version"}).version);
}

BOOST_AUTO_TEST_CASE(parses_every_update_many_flag) {
  const invocation inv =
      parse({"chat:completions", "update-many", "--input=in.jsonl", "--output", "out.jsonl",
             "--concurrency", "8", "--max-rps", "2.5", "--set", "a=1", "--set=b=x=y", "--resume",
             "--no-progress", "--api-key", "k"});
  BOOST_TEST((inv.cmd == command::update_many));
  BOOST_TEST(inv.input == "in.jsonl");
  BOOST_TEST(inv.output == "out.jsonl");
  BOOST_TEST(*inv.concurrency == 8u);
  BOOST_TEST(*inv.max_rps == 2.5);
  BOOST_TEST((inv.set_pairs == std::vector<std::string>{"a=1", "b=x=y"}));
  BOOST_TEST(inv.resume);
  BOOST_TEST(!*inv.progress);
  BOOST_TEST(
      parse({"chat:completions", "update-many", "--input", "-", "--progress", "--api-key", "k"})
          .progress.value());
  BOOST_TEST(!parse({"chat:completions", "update-many", "--input", "-", "--api-key", "k"})
                  .progress.has_value());
}

BOOST_AUTO_TEST_CASE(rejects_update_many_without_what_it_needs) {
  const std::vector<std::string> base{"chat:completions", "update-many", "--api-key", "k"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = base;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  BOOST_TEST(rejects(with({}), "missing --input"));
  BOOST_TEST(rejects(with({"--input", "-", "--resume"}), "--resume needs --output FILE"));
  BOOST_TEST(rejects(with({"--input", "-", "--resume", "--output", "-"}), "--resume needs"));
  BOOST_TEST(rejects(with({"--input", "a", "--output", "a"}), "same file"));
  BOOST_TEST(rejects(with({"--input", "-", "--concurrency", "0"}), "--concurrency"));
  BOOST_TEST(rejects(with({"--input", "-", "--concurrency", "1025"}), "--concurrency"));
  BOOST_TEST(rejects(with({"--input", "-", "--max-rps", "0"}), "--max-rps"));
  BOOST_TEST(rejects(with({"--input", "-", "--max-rps", "fast"}), "--max-rps"));
  BOOST_TEST(rejects(with({"--input", "-", "--set", "novalue"}), "KEY=VALUE"));
  BOOST_TEST(rejects(with({"--input", "-", "--set", "=v"}), "KEY=VALUE"));
  BOOST_TEST(rejects(with({"--input", "-", "--progress", "--no-progress"}), "contradict"));
  BOOST_TEST(rejects(with({"--input", "-", "--frobnicate"}), "unknown option --frobnicate"));
  BOOST_TEST(rejects(with({"--input", "-", "stray"}), "takes no argument"));
  BOOST_TEST(rejects(
      {"chat:completions", "update", "x", "--metadata", "{}", "--input", "-", "--api-key", "k"},
      "does not apply"));
}

BOOST_AUTO_TEST_CASE(never_puts_the_api_key_in_a_message) {
  const std::string key = "sk-secret-123";
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"chat:completions", "update", "--api-key", key},
                                             {"--api-key", key, "chat:completions", "nope"},
                                             {"--api-key", key, "--api-key", key},
                                             {"--api-key", key, "chat:completions", "list", "x"}}) {
    try {
      parse(args);
      BOOST_TEST(false);
    } catch (const usage_error& e) {
      BOOST_TEST(std::string(e.what()).find(key) == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(reads_every_format_name_and_remembers_an_explicit_one) {
  const std::vector<std::pair<std::string, output_format>> names{
      {"auto", output_format::pretty}, {"text", output_format::text},
      {"json", output_format::json},   {"jsonl", output_format::jsonl},
      {"pretty", output_format::tree}, {"raw", output_format::raw},
      {"yaml", output_format::yaml},   {"explore", output_format::explore}};
  for (const auto& [name, f] : names) {
    const invocation inv = parse({"chat:completions", "list", "--api-key", "k", "--format", name,
                                  "--format-error", name});
    BOOST_TEST((inv.global.format == f), name);
    BOOST_TEST((*inv.global.format_error == f), name);
    BOOST_TEST(inv.global.format_given);
  }
  BOOST_TEST(!parse({"chat:completions", "list", "--api-key", "k"}).global.format_given);
}

BOOST_AUTO_TEST_CASE(reads_transform_and_the_short_flags) {
  const invocation inv = parse({"chat:completions", "retrieve", "c", "--api-key", "k",
                                "--transform", "choices.#", "--transform-error=code", "-r",
                                "-HX-A: 1", "-H", "X-B: 2"});
  BOOST_TEST(*inv.global.transform == "choices.#");
  BOOST_TEST(*inv.global.transform_error == "code");
  BOOST_TEST(inv.global.raw_output);
  BOOST_TEST(inv.global.headers.size() == 2u);
  BOOST_TEST(parse({"-v"}).version);
  BOOST_TEST(rejects({"chat:completions", "list", "-rx"}, "unknown option"));
}

BOOST_AUTO_TEST_CASE(the_last_header_of_a_name_wins_over_flags_and_the_environment) {
  const env_lookup env =
      env_of({{"OPENAI_API_KEY", "k"}, {"OPENAI_CUSTOM_HEADERS", "X-Env: e\n\nx-a: from-env\r\n"}});
  const invocation inv =
      parse({"chat:completions", "list", "-H", "X-A:  one ", "--header", "X-Empty:", "-H",
             "x-A: two: with colon"},
            env);
  using headers = std::vector<std::pair<std::string, std::string>>;
  BOOST_TEST((inv.global.headers ==
              headers{{"X-Env", "e"}, {"X-Empty", ""}, {"x-A", "two: with colon"}}));
  BOOST_TEST(rejects({"chat:completions", "list", "-H", "no colon"}, "Name: Value", env));
  BOOST_TEST(rejects({"chat:completions", "list", "-H", ": v"}, "Name: Value", env));
}

BOOST_AUTO_TEST_CASE(max_items_minus_one_means_no_limit) {
  BOOST_TEST(!parse({"chat:completions", "list", "--api-key", "k", "--max-items", "-1"})
                  .max_items.has_value());
  BOOST_TEST(rejects({"chat:completions", "list", "--api-key", "k", "--max-items", "-2"},
                     "--max-items"));
}

// The library has client certificates now (issue 12): the flags and variables are wired to
// client_options instead of refused; a missing half is the library's configuration_error.
BOOST_AUTO_TEST_CASE(mutual_tls_flags_and_variables_reach_the_client_options) {
  const invocation f = parse({"chat:completions", "list", "--api-key", "k",
                              "--mtls-client-cert-file", "c.pem", "--mtls-client-key-file", "k.pem"});
  BOOST_TEST(f.global.client.client_cert_file == "c.pem");
  BOOST_TEST(f.global.client.client_key_file == "k.pem");
  const env_lookup env = env_of({{"OPENAI_API_KEY", "k"},
                                 {"OPENAI_MTLS_CLIENT_CERT_FILE", "env-c.pem"},
                                 {"OPENAI_MTLS_CLIENT_KEY_FILE", "env-k.pem"}});
  const invocation e = parse({"chat:completions", "list"}, env);
  BOOST_TEST(e.global.client.client_cert_file == "env-c.pem");
  BOOST_TEST(e.global.client.client_key_file == "env-k.pem");
  const invocation both =
      parse({"chat:completions", "list", "--mtls-client-key-file", "flag-k.pem"}, env);
  BOOST_TEST(both.global.client.client_cert_file == "env-c.pem");
  BOOST_TEST(both.global.client.client_key_file == "flag-k.pem");
  BOOST_TEST(rejects({"chat:completions", "list", "--api-key", "k", "--mtls-client-cert-file", ""},
                     "--mtls-client-cert-file is empty"));
}

BOOST_AUTO_TEST_CASE(proxy_flags_override_the_proxy_variables_and_refuse_each_other) {
  const env_lookup env = env_of({{"OPENAI_API_KEY", "k"},
                                 {"https_proxy", "http://lower:1"},
                                 {"HTTPS_PROXY", "http://upper:1"},
                                 {"http_proxy", "http://plain:2"},
                                 {"ALL_PROXY", "http://all:3"},
                                 {"no_proxy", "example.com,.internal"}});
  const invocation e = parse({"chat:completions", "list"}, env);
  BOOST_TEST(!e.global.client.proxy.has_value());
  BOOST_TEST(e.global.client.proxy_env.https_proxy == "http://upper:1");
  BOOST_TEST(e.global.client.proxy_env.http_proxy == "http://plain:2");
  BOOST_TEST(e.global.client.proxy_env.all_proxy == "http://all:3");
  BOOST_TEST(e.global.client.proxy_env.no_proxy == "example.com,.internal");
  const invocation p = parse({"chat:completions", "list", "--proxy", "http://u:pw@p:8"}, env);
  BOOST_TEST(*p.global.client.proxy == "http://u:pw@p:8");
  const invocation n = parse({"--no-proxy", "chat:completions", "update-many", "--input", "-"}, env);
  BOOST_TEST(*n.global.client.proxy == "");
  BOOST_TEST(rejects({"chat:completions", "list", "--proxy", "http://p:8", "--no-proxy"},
                     "contradict", env));
  BOOST_TEST(rejects({"chat:completions", "list", "--no-proxy", "--proxy", "http://p:8"},
                     "contradict", env));
  BOOST_TEST(rejects({"chat:completions", "list", "--proxy", "p:8"}, "http:// or https://", env));
}

BOOST_AUTO_TEST_CASE(http1_and_http2_together_are_a_usage_error_in_either_order) {
  BOOST_TEST(rejects({"chat:completions", "list", "--api-key", "k", "--http1", "--http2"},
                     "--http1 and --http2 contradict each other"));
  BOOST_TEST(rejects({"--http2", "chat:completions", "update-many", "--input", "-", "--api-key",
                      "k", "--http1"},
                     "--http1 and --http2 contradict each other"));
  BOOST_TEST(rejects({"chat:completions", "list", "--api-key", "k", "--http2", "--http2"},
                     "--http2 given more than once"));
  BOOST_TEST(rejects({"chat:completions", "list", "--api-key", "k", "--http1=yes"},
                     "--http1 takes no value"));
}

BOOST_AUTO_TEST_CASE(piped_stdin_fills_the_flags_not_given) {
  auto piped = [](std::string text) -> stdin_reader {
    return [text] { return std::optional<std::string>(text); };
  };
  const invocation u = parse_arguments(
      std::vector<std::string>{"chat:completions", "update", "--api-key", "k"}, no_env,
      piped("{completion_id: c1, metadata: {a: b}}"));
  BOOST_TEST(u.completion_id == "c1");
  BOOST_TEST(*u.metadata_text == R"({"a":"b"})");
  BOOST_TEST(u.stdin_used);
  const invocation l = parse_arguments(
      std::vector<std::string>{"chat:completions", "list", "--api-key", "k", "--limit", "3"},
      no_env, piped("limit: 50\norder: desc\nmetadata:\n  run: b7\n"));
  BOOST_TEST(*l.limit == 3);  // the flag wins
  BOOST_TEST(*l.order == "desc");
  BOOST_TEST((l.metadata_filters == std::vector<std::string>{R"({"run":"b7"})"}));
  const invocation w = parse_arguments(
      std::vector<std::string>{"chat:completions", "retrieve", "c2", "--api-key", "k"}, no_env,
      piped(R"({"completion_id": "c1"})"));
  BOOST_TEST(w.completion_id == "c2");  // the positional wins too
  BOOST_TEST(parse_arguments(std::vector<std::string>{"chat:completions", "retrieve", "c", "--api-key", "k"},
                             no_env, piped(""))
                 .completion_id == "c");
  auto fails = [&](std::vector<std::string> args, std::string text, std::string_view what) {
    try {
      parse_arguments(args, no_env, piped(std::move(text)));
    } catch (const usage_error& e) {
      return std::string(e.what()).find(what) != std::string::npos;
    }
    return false;
  };
  BOOST_TEST(fails({"chat:completions", "retrieve", "--api-key", "k"}, "{api_key: x}",
                   "not a parameter"));
  BOOST_TEST(fails({"chat:completions", "retrieve", "--api-key", "k"}, "[1]", "must be a mapping"));
  BOOST_TEST(fails({"chat:completions", "retrieve", "--api-key", "k"}, "{limit: 5}",
                   "not a parameter"));
  BOOST_TEST(fails({"chat:completions", "update", "--api-key", "k"}, "{completion_id: c}",
                   "missing --metadata"));
  // Text after the mapping is an error, never dropped.
  BOOST_TEST(fails({"chat:completions", "retrieve", "--api-key", "k"}, "{completion_id: c} x",
                   "standard input: unexpected text after the value"));
  BOOST_TEST(fails({"chat:completions", "retrieve", "--api-key", "k"},
                   "completion_id: a\n---\ncompletion_id: b\n", "more than one YAML document"));
  // update-many reads its own lines from stdin; @- owns it too.
  bool read = false;
  const stdin_reader spy = [&] {
    read = true;
    return std::optional<std::string>("{}");
  };
  parse_arguments(std::vector<std::string>{"chat:completions", "update-many", "--input", "-",
                                           "--api-key", "k"},
                  no_env, spy);
  parse_arguments(std::vector<std::string>{"chat:completions", "update", "c", "--metadata", "@-",
                                           "--api-key", "k"},
                  no_env, spy);
  BOOST_TEST(!read);
}

BOOST_AUTO_TEST_CASE(refuses_output_flags_update_many_cannot_honour) {
  for (std::vector<std::string> extra : std::vector<std::vector<std::string>>{
           {"--format", "yaml"}, {"--format-error", "json"}, {"--transform", "id"},
           {"--transform-error", "code"}, {"-r"}}) {
    std::vector<std::string> args{"chat:completions", "update-many", "--input", "-", "--api-key",
                                  "k"};
    args.insert(args.end(), extra.begin(), extra.end());
    BOOST_TEST(rejects(args, "do not apply"), extra[0]);
  }
  BOOST_TEST(parse({"chat:completions", "update-many", "--input", "-", "--api-key", "k", "-H",
                    "X-A: 1"})
                 .global.headers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(required_flags_are_data_in_the_table) {
  for (const flag_spec& f : flag_specs())
    for (command c : f.required_by) {
      BOOST_TEST(flag_applies(f, c));
      BOOST_TEST(f.given != nullptr);
      BOOST_TEST(!f.missing.empty());
    }
  BOOST_TEST(rejects({"chat:completions:messages", "list", "--api-key", "k"}, "missing completion id"));
}

BOOST_AUTO_TEST_CASE(parses_the_completion_and_manpage_commands) {
  BOOST_TEST(parse({"@completion", "zsh"}).shell == "zsh");
  BOOST_TEST(rejects({"@completion"}, "bash|zsh|fish"));
  BOOST_TEST(rejects({"@completion", "tcsh"}, "bash|zsh|fish"));
  BOOST_TEST(parse({"@manpages", "-o", "dir"}).manpage_dir == "dir");
  BOOST_TEST(parse({"@manpages", "--output-dir=d2"}).manpage_dir == "d2");
  BOOST_TEST(rejects({"@manpages"}, "missing -o DIR"));
}

BOOST_AUTO_TEST_SUITE_END()

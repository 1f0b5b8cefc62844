#!/usr/bin/env bash
# openai-bench against the openai-mock executable: --http1 / --http2 reach the client, and the
# "protocol" it reports is what the server counted (openai-mock's h2 connections), so a run asked
# for h2 that spoke HTTP/1.1 cannot pass for h2 in bench/run.sh's table.
#   openai_bench_test.sh OPENAI_BENCH OPENAI_MOCK
set -uo pipefail
bench=$1 mock=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d) key=sk-bench-test mock_pid="" cases=0 failures=0
source "$here/../test/cli/check_helpers.sh"
source "$here/../test/cli/mock_helpers.sh"
trap '[[ -n $mock_pid ]] && kill "$mock_pid" 2>/dev/null; rm -rf "$work"' EXIT

start_mock 100 --threads 1
field() { grep -o "\"$1\":[^,}]*" <<<"$out" | head -1 | cut -d: -f2 | tr -d '"'; }
bench_run() {  # FLAGS...: 200 updates, 16 in flight; sets h2_delta (the mock's new h2 connections)
  local h2_before
  h2_before=$(mock_stat h2_connections)
  run "$bench" --n 200 --c 16 --base-url "$https_url" --api-key "$key" --ca-file "$work/ca.pem" \
    --id-count 100 "$@"
  h2_delta=$(( $(mock_stat h2_connections) - h2_before ))
}

bench_run --http1
check http1_run_succeeds '[[ $rc == 0 && $(field errors) == 0 ]]'
check http1_run_says_it_was_asked_for_http1 '[[ $(field asked) == http1 ]]'
check http1_run_spoke_http1_as_the_server_counts '[[ $(field protocol) == http/1.1 && $h2_delta == 0 ]]'

bench_run --http2
check http2_run_succeeds '[[ $rc == 0 && $(field errors) == 0 ]]'
check http2_run_says_it_was_asked_for_http2 '[[ $(field asked) == http2 ]]'
# Until the client speaks HTTP/2 it reports HTTP/1.1, and the mock agrees; then both say h2.
check http2_run_reports_the_protocol_the_server_counted \
  '[[ ( $(field protocol) == h2 && $h2_delta -gt 0 ) || ( $(field protocol) == http/1.1 && $h2_delta == 0 ) ]]'

bench_run
check default_run_says_it_was_asked_for_automatic '[[ $rc == 0 && $(field asked) == automatic ]]'

run "$bench" --http3 --base-url "$https_url"
check an_unknown_flag_is_a_usage_error '[[ $rc == 2 ]] && has_err usage'
check the_key_is_never_printed no_key_anywhere

echo "$cases cases, $failures failed"
(( failures == 0 ))

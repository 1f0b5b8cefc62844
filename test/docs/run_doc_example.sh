#!/usr/bin/env bash
# Runs one example of the guides (docs/examples) against the openai-mock executable and checks
# what it prints, its exit status and the mock's store.
#   run_doc_example.sh NAME PROGRAM OPENAI_MOCK OPENAI_CLI SOURCE_DIR
set -u
command -v curl >/dev/null || { echo "FAIL: curl is not installed"; exit 1; }
name=$1 program=$2 mock=$3 cli=$4 source=$5
key='sk-docs-test'
source "$source/test/cli/mock_script_prelude.sh"
extra_cleanup() { [[ -n ${program_pid:-} ]] && kill "$program_pid" 2>/dev/null; }
run_program() {
  run env OPENAI_API_KEY="$key" OPENAI_BASE_URL="$https_url" SSL_CERT_FILE="$work/ca.pem" \
    "$program" "$@"
}
count_out() { grep -cF -- "$1" <<<"$out"; }

example_getting_started() {
  start_mock 3
  run_program chatcmpl-mock-000002
  check "updates, reads back and lists the tagged completion" \
    '[[ $rc == 0 ]] && has_out "updated chatcmpl-mock-000002 (gpt-4o), request id req_" && has_out "stored metadata: experiment=b7" && [[ $(count_out "tagged: ") == 1 ]] && has_out "tagged: chatcmpl-mock-000002"'
  run_program chatcmpl-unknown
  check "an unknown id fails with the 404 and exit status 1" \
    '[[ $rc == 1 ]] && has_err "failed: 404" && no_key_anywhere'
}

example_async_server() {
  echo '{"chatcmpl-mock-000001": [{"action": "delay", "ms": 60000}]}' >"$work/faults.json"
  start_mock 6 --fault-script "$work/faults.json"
  env OPENAI_API_KEY="$key" OPENAI_BASE_URL="$https_url" SSL_CERT_FILE="$work/ca.pem" \
    "$program" chatcmpl-mock-00000{1..6} >"$work/out" 2>"$work/err" &
  program_pid=$!
  for _ in $(seq 600); do grep -q "send SIGTERM" "$work/out" && break; sleep 0.1; done
  kill -TERM "$program_pid"
  wait "$program_pid"; rc=$?; program_pid=
  out=$(cat "$work/out") err=$(cat "$work/err")
  check "five updates on four threads, then the slow one cancelled by SIGTERM" \
    '[[ $rc == 0 && $(count_out "updated chatcmpl-mock-") == 5 ]] && has_out "shutting down: cancelling 1 call(s)" && has_out "chatcmpl-mock-000001: Operation canceled (cancelled)" && has_out "done: 5 updated, 1 failed"'
  # The mock, like a real server, applied the slow update before it stalled the answer: a
  # cancelled call stops waiting, it does not undo (docs/async-server.md says so).
  check "the cancelled update had reached the server; the others are stored" \
    '[[ $(mock_metadata chatcmpl-mock-000001) == *served_by* && $(mock_metadata chatcmpl-mock-000006) == *async_server* ]]'
}

example_batch_tagging() {
  # 10 % of the requests fail once (429, 503, 500, reset): the batch retries them.
  start_mock 120 --fault-rate 0.1 --fault-seed 7
  run_program run=b7
  check "all 120 tagged despite the faults, with retries" \
    '[[ $rc == 0 ]] && has_out "120 of 120 tagged, 0 failed, " && ! has_out " 0 retries" && has_err "100 done"'
  check "the tag was added, the old pairs kept" \
    '[[ $(mock_metadata chatcmpl-mock-000007) == *"\"run\":\"b7\""* ]]'
  # The command-line version of the guide, in a scratch folder.
  start_mock 40
  mkdir -p "$work/cli"
  run env -C "$work/cli" PATH="$(dirname "$cli"):$PATH" OPENAI_API_KEY="$key" \
    OPENAI_BASE_URL="$https_url" SSL_CERT_FILE="$work/ca.pem" \
    bash "$source/docs/examples/batch_tagging.sh"
  check "the CLI script lists 20 gpt-4o completions, tags them, resumes with nothing left" \
    '[[ $rc == 0 && $(wc -l <"$work/cli/completions.jsonl") == 20 && $(grep -c "\"ok\":true" "$work/cli/results.jsonl") == 20 ]] && has_out "no failed record"'
}

example_retries() {
  cat >"$work/faults.json" <<'JSON'
{"chatcmpl-mock-000001": [{"status": 503}, {"status": 503}],
 "chatcmpl-mock-000002": [{"status": 429, "retry_after_ms": 10}, {"status": 429, "retry_after_ms": 10},
                          {"status": 429, "retry_after_ms": 10}, {"status": 429, "retry_after_ms": 10}]}
JSON
  start_mock 3 --fault-script "$work/faults.json"
  run_program chatcmpl-mock-000001 chatcmpl-mock-000002
  check "503s retried to success; 429 once without and three times with retries; 404 once" \
    '[[ $rc == 0 ]] && has_out "flaky: updated after 3 attempts" && has_out "busy, no retries: 429 after 1 attempt" && has_out "busy, default retries: rate_limited after 3 attempts, 3 of them 429" && has_out "not found: 1 attempt, kind not_found"'
}

example_testing_with_mock() {
  run env PATH="$(dirname "$mock"):$PATH" bash "$source/docs/examples/testing_with_mock.sh" "$program"
  check "the user's test passes against the mock the script starts" \
    '[[ $rc == 0 && $(count_out "ok: ") == 3 ]] && has_out "{\"reviewed\":\"yes\"}" && has_out "\"requests\":"'
}

"example_$name"
echo "$name: $cases cases, $failures failed"
[[ $failures == 0 ]]

#!/usr/bin/env bash
# `openai chat:completions update-many` against the openai-mock executable, one group per run:
#   batch_test.sh OPENAI OPENAI_MOCK GROUP
# Groups: exit_status, signals, pipeline (small and quick); faults (a 20,000-line batch against
# a 5 % fault rate), resume (SIGKILL midway, then --resume), memory (peak RSS of 200,000 lines
# against 20,000); same_file, resume_changed, resume_corrupt, long_lines (a 100 MiB line from a
# file, stdin and a pipe), retries (the batch default of 6), request_id (not UTF-8); dry_run
# (--dry-run against a real run), undo (--undoable and --undo over 1,000 completions). Needs bash,
# awk and curl (request_id also iconv).
set -u

command -v curl >/dev/null || { echo "SKIPPED: curl is not installed"; exit 77; }
command -v awk >/dev/null || { echo "SKIPPED: awk is not installed"; exit 77; }

openai=$1
mock=$2
group=$3
key='sk-batch-test-key'
bg_pid=
source "$(dirname "$0")/mock_script_prelude.sh"
extra_cleanup() {
  if [[ -n $bg_pid ]]; then kill -9 "$bg_pid" 2>/dev/null; wait "$bg_pid" 2>/dev/null; fi
}

# API requests that reached the update handler: every request minus the injected faults.
mock_applied() { echo $(($(mock_stat requests) - $(mock_stat faults_injected))); }

# mock_state FIRST LAST FILE: "ID METADATA" per line for chatcmpl-mock-FIRST..LAST, through
# one curl process (one keep-alive connection), so 20,000 ids take a second or two.
mock_state() {
  awk -v a="$1" -v b="$2" -v u="http://127.0.0.1:$http_port/__mock/metadata/" \
    'BEGIN { for (i = a; i <= b; i++) printf "url = \"%schatcmpl-mock-%06d\"\n", u, i }' \
    >"$work/curl.cfg"
  curl -s -K "$work/curl.cfg" -w '\n' |
    awk -v a="$1" '{ printf "chatcmpl-mock-%06d %s\n", a + NR - 1, $0 }' >"$3"
}

lines_in() { [[ -s $1 ]] && wc -l <"$1" || echo 0; }

# The record fields a check needs, one "LINE OK KIND ATTEMPTS" per record.
fields() {
  awk '{
    line = ""; ok = ""; kind = "-"; att = ""
    if (match($0, /"line":[0-9]+/)) line = substr($0, RSTART + 7, RLENGTH - 7)
    if (match($0, /"ok":(true|false)/)) ok = substr($0, RSTART + 5, RLENGTH - 5)
    if (match($0, /"kind":"[a-z]+"/)) kind = substr($0, RSTART + 8, RLENGTH - 9)
    if (match($0, /"attempts":[0-9]+/)) att = substr($0, RSTART + 11, RLENGTH - 11)
    print line, ok, kind, att
  }' "$1"
}

# gen_batch N FILE EXPECTED: N non-blank lines (plus a few blank ones) for completions
# chatcmpl-mock-000001..N, to be sent with --set run=b7. Every 1000th line is invalid, cycling
# through bad JSON, no id, 17 pairs, 16 pairs (17 with --set), a 65-character key and a
# non-string value; every 7th valid line is a completion object as `list --format jsonl` prints
# it. EXPECTED gets "PHYSICAL_LINE KIND" for every non-blank line (ok for valid lines), and
# EXPECTED.md "ID METADATA" as the mock must hold it afterwards.
gen_batch() {
  awk -v n="$1" -v file="$2" -v expf="$3" 'BEGIN {
    long = ""; for (k = 0; k < 65; k++) long = long "k"
    sixteen = ""; for (k = 1; k <= 16; k++) sixteen = sixteen (k > 1 ? "," : "") "\"p" k "\":\"v\""
    phys = 0
    for (i = 1; i <= n; i++) {
      if (i % 5000 == 2500) { print "" > file; print "   " > file; phys += 2 }
      phys++
      id = sprintf("chatcmpl-mock-%06d", i)
      if (i % 1000 == 0) {
        v = (i / 1000) % 6
        if (v == 0) { line = "{\"completion_id\": \"" id "\", \"metadata\": {\"a\": "; kind = "input" }
        if (v == 1) { line = "{\"metadata\": {\"a\": \"b\"}}"; kind = "input" }
        if (v == 2) { line = "{\"completion_id\":\"" id "\",\"metadata\":{" sixteen ",\"p17\":\"v\"}}"; kind = "validation" }
        if (v == 3) { line = "{\"completion_id\":\"" id "\",\"metadata\":{" sixteen "}}"; kind = "validation" }
        if (v == 4) { line = "{\"completion_id\":\"" id "\",\"metadata\":{\"" long "\":\"v\"}}"; kind = "validation" }
        if (v == 5) { line = "{\"completion_id\":\"" id "\",\"metadata\":{\"n\":5}}"; kind = "validation" }
        md = "{}"
      } else if (i % 7 == 0) {
        line = "{\"id\":\"" id "\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":[],\"metadata\":{\"line\":\"" i "\",\"run\":\"old\"},\"temperature\":1.0}"
        kind = "ok"; md = "{\"line\":\"" i "\",\"run\":\"b7\"}"
      } else {
        line = "{\"completion_id\": \"" id "\", \"metadata\": {\"line\": \"" i "\"}}"
        kind = "ok"; md = "{\"line\":\"" i "\",\"run\":\"b7\"}"
      }
      print line > file
      print phys, kind > expf
      print id, md > (expf ".md")
    }
  }'
}

# A record without what only a dry run or an API answer puts in it, to compare a dry run's
# records with a real run's: status 200, attempts, request id, dry_run, the metadata sent and
# the previous metadata.
comparable() {
  sed -E 's/,"(status":200|attempts":[0-9]+|request_id":"[^"]*")//g; s/,"dry_run":true//; s/,"elapsed_us":[0-9]+//; s/,"(previous_)?metadata":(\{[^}]*\}|null)//g' "$1"
}

# --dry-run: the records and exit status of a real run, with "dry_run":true, and no request.
group_dry_run() {
  start_mock 5 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  local before sixteen dry_rc
  sixteen=$(awk 'BEGIN { for (k = 1; k <= 16; k++) printf "%s\"p%d\":\"v\"", (k > 1 ? "," : ""), k }')
  {
    printf '{"completion_id":"chatcmpl-mock-000001","metadata":{"a":"1"}}\n'
    printf 'not json\n\n'
    printf '{"completion_id":"chatcmpl-mock-000002","metadata":{%s}}\n' "$sixteen"
    printf '{"metadata":{"a":"b"}}\n'
    printf '{"id":"chatcmpl-mock-000003","object":"chat.completion","metadata":{"z":"9","a":"0"}}\n'
    printf '{"completion_id":"..","metadata":{"a":"1"}}\n'
    printf '{"completion_id":"chatcmpl-mock-000004","metadata":{"n":5}}\n'
  } >"$work/mixed.jsonl"
  before=$(mock_stat requests)
  run "$openai" chat:completions update-many --input "$work/mixed.jsonl" --set run=b7 --dry-run \
    --output "$work/dry.jsonl"
  dry_rc=$rc
  out=$(cat "$work/dry.jsonl")
  check "--dry-run sends nothing: the mock counted 0 API requests" \
    '[[ $(mock_stat requests) == "$before" && $(mock_metadata chatcmpl-mock-000001) == "{}" ]]'
  check "--dry-run writes one record per non-blank line, each with \"dry_run\":true" \
    '[[ $(lines_in "$work/dry.jsonl") == 7 && $(grep -c "\"dry_run\":true" "$work/dry.jsonl") == 7 ]]'
  check "--dry-run's ok record names the metadata after --set and the line's previous metadata" \
    'has_out "{\"line\":1,\"completion_id\":\"chatcmpl-mock-000001\",\"ok\":true,\"attempts\":0,\"dry_run\":true,\"metadata\":{\"a\":\"1\",\"run\":\"b7\"}}" && has_out "\"line\":6,\"completion_id\":\"chatcmpl-mock-000003\",\"ok\":true,\"attempts\":0,\"dry_run\":true,\"metadata\":{\"a\":\"0\",\"run\":\"b7\",\"z\":\"9\"},\"previous_metadata\":{\"z\":\"9\",\"a\":\"0\"}}"'
  check "--dry-run's summary says nothing was sent" \
    'has_err "openai: update-many: dry run, nothing sent: 7 lines, 2 ok, 5 failed (input 2, validation 3)"'

  run "$openai" chat:completions update-many --input "$work/mixed.jsonl" --set run=b7 \
    --output "$work/real.jsonl"
  check "the real run exits as the dry run did" '[[ $rc == 1 && $dry_rc == 1 ]]'
  check "the real run writes the dry run's records, line for line, kind for kind, message for message" \
    '[[ "$(comparable "$work/dry.jsonl" | sort)" == "$(comparable "$work/real.jsonl" | sort)" ]]'
  check "the real run sent the two valid lines" '[[ $(mock_stat requests) == $((before + 2)) ]]'

  before=$(mock_stat requests)
  run "$openai" chat:completions update-many --input "$work/mixed.jsonl" --set run=b7 --dry-run \
    --resume --output "$work/real.jsonl"
  out=$(tail -n +8 "$work/real.jsonl")
  check "--dry-run --resume skips what the records say is done, as --resume does; nothing sent" \
    '[[ $rc == 1 && $(mock_stat requests) == "$before" ]] && has_err "5 lines, 0 ok, 5 failed" && has_err "2 skipped" && [[ $(grep -c "\"dry_run\":true" <<<"$out") == 5 ]]'
  run "$openai" chat:completions update-many --input "$work/mixed.jsonl" --set run=b7 \
    --resume --output "$work/real.jsonl"
  check "dry-run records appended to a run's records do not count as done for --resume" \
    'has_err "2 skipped" && [[ $(mock_stat requests) == "$before" ]]'

  printf '{"completion_id":"chatcmpl-mock-000001","metadata":{"a":"1"}}\n' >"$work/one.jsonl"
  run "$openai" chat:completions update-many --input "$work/one.jsonl" --dry-run
  check "--dry-run of a batch that would succeed exits 0" '[[ $rc == 0 ]] && has_out "\"dry_run\":true"'
  run "$openai" chat:completions update-many --input "$work/one.jsonl" --dry-run -H 'Content-Length: 3'
  check "--dry-run refuses what the library would refuse before sending (-H Content-Length)" \
    '[[ $rc == 1 ]] && has_out "\"kind\":\"validation\"" && has_out "set by the client itself"'
  check "no dry run sent anything" '[[ $(mock_stat requests) == "$before" ]]'

  run "$openai" chat:completions update-many --help
  check "--help documents --dry-run, --undoable (its GET per line) and --undo" \
    '[[ $rc == 0 ]] && has_out "--dry-run" && has_out "--undoable" && has_out "one GET each" && has_out "--undo RECORDS"'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

# Reversible batches: 1,000 completions with metadata of their own, tagged (half from `list
# --format jsonl` lines, half retrieved first with --undoable), then --undo: every completion
# is byte for byte what it was.
group_undo() {
  start_mock 1000 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  local before
  awk 'BEGIN {
    for (i = 1; i <= 1000; i++) {
      if (i % 10 == 0) md = "{}"
      else if (i % 3 == 0) md = "{\"orig\":\"" i "\",\"tag\":\"old\",\"x\":\"" i * 7 "\"}"
      else md = "{\"orig\":\"" i "\"}"
      printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":%s}\n", i, md
    }
  }' >"$work/orig.jsonl"
  run "$openai" chat:completions update-many --input "$work/orig.jsonl" --output "$work/orig.rec"
  "$openai" chat:completions list --limit 100 --format jsonl >"$work/before.jsonl"
  check "the completions start with metadata of their own" \
    '[[ $rc == 0 && $(wc -l <"$work/before.jsonl") == 1000 ]] && grep -q "\"metadata\":{\"orig\":\"3\",\"tag\":\"old\",\"x\":\"21\"}" "$work/before.jsonl"'

  # Lines 1..500 as list prints them (their metadata with them), 501..1000 as bare updates.
  grep -E '"id":"chatcmpl-mock-000([0-4][0-9][0-9]|500)"' "$work/before.jsonl" >"$work/batch.jsonl"
  awk 'BEGIN { for (i = 501; i <= 1000; i++) printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"tag\":\"new\"}}\n", i }' >>"$work/batch.jsonl"
  before=$(mock_stat requests)
  run "$openai" chat:completions update-many --input "$work/batch.jsonl" --set tag=b7 --set added=yes \
    --undoable --output "$work/batch.rec"
  out=$(cat "$work/batch.rec")
  check "--undoable: 1,000 updates and one GET for each of the 500 lines without metadata" \
    '[[ $rc == 0 && $(mock_stat requests) == $((before + 1500)) ]] && has_err "1000 lines, 1000 ok"'
  check "every ok record keeps the metadata from before the update" \
    '[[ $(grep -c "\"ok\":true,.*\"previous_metadata\":{" "$work/batch.rec") == 1000 ]] && has_out "\"completion_id\":\"chatcmpl-mock-000003\",\"ok\":true,\"status\":200,\"attempts\":1,\"request_id\"" && grep -q "\"completion_id\":\"chatcmpl-mock-000999\".*\"previous_metadata\":{\"orig\":\"999\",\"tag\":\"old\",\"x\":\"6993\"}" "$work/batch.rec"'
  check "the batch changed every completion" \
    '[[ $(mock_metadata chatcmpl-mock-000010) == "{\"added\":\"yes\",\"tag\":\"b7\"}" && $(mock_metadata chatcmpl-mock-000999) == "{\"added\":\"yes\",\"tag\":\"b7\"}" ]]'

  before=$(mock_stat requests)
  run "$openai" chat:completions update-many --undo "$work/batch.rec" --dry-run --output "$work/dry_undo.rec"
  out=$(cat "$work/dry_undo.rec")
  check "--dry-run of --undo sends nothing and names the metadata it would restore" \
    '[[ $rc == 0 && $(mock_stat requests) == "$before" && $(grep -c "\"dry_run\":true" "$work/dry_undo.rec") == 1000 ]] && grep -q "\"completion_id\":\"chatcmpl-mock-000999\",\"ok\":true,\"attempts\":0,\"dry_run\":true,\"metadata\":{\"orig\":\"999\",\"tag\":\"old\",\"x\":\"6993\"}" "$work/dry_undo.rec"'

  run "$openai" chat:completions update-many --undo "$work/batch.rec" --output "$work/undo.rec"
  "$openai" chat:completions list --limit 100 --format jsonl >"$work/after.jsonl"
  check "--undo restores 1,000 completions with 1,000 updates" \
    '[[ $rc == 0 && $(mock_stat requests) == $((before + 1000 + 10)) ]] && has_err "1000 lines, 1000 ok"'
  check "after --undo every completion equals its original byte for byte (list output)" \
    'cmp -s "$work/before.jsonl" "$work/after.jsonl"'
  check "keys the batch added are gone, values it replaced are back, empty stays empty" \
    '[[ $(mock_metadata chatcmpl-mock-000003) == "{\"orig\":\"3\",\"tag\":\"old\",\"x\":\"21\"}" && $(mock_metadata chatcmpl-mock-000010) == "{}" && $(mock_metadata chatcmpl-mock-000601) == "{\"orig\":\"601\"}" ]]'
  run "$openai" chat:completions retrieve chatcmpl-mock-000999 --format jsonl
  check "retrieve agrees with the original" \
    '[[ $out == "$(grep "\"id\":\"chatcmpl-mock-000999\"" "$work/before.jsonl")" ]]'

  before=$(mock_stat requests)
  run "$openai" chat:completions update-many --undo "$work/batch.rec" --output "$work/undo.rec" --resume
  check "--undo --resume skips what its records say is done" \
    '[[ $rc == 0 && $(mock_stat requests) == "$before" ]] && has_err "1000 skipped"'

  printf '{"completion_id":"chatcmpl-mock-000001","metadata":{"t":"1"}}\n' >"$work/plain.jsonl"
  run "$openai" chat:completions update-many --input "$work/plain.jsonl" --output "$work/plain.rec"
  before=$(mock_stat requests)
  run "$openai" chat:completions update-many --undo "$work/plain.rec" --output "$work/plain_undo.rec"
  out=$(cat "$work/plain_undo.rec")
  check "--undo of a record without previous metadata fails that line clearly, sending nothing" \
    '[[ $rc == 1 && $(mock_stat requests) == "$before" ]] && has_out "{\"line\":1,\"completion_id\":\"chatcmpl-mock-000001\",\"ok\":false,\"attempts\":0,\"error\":{\"kind\":\"input\",\"status\":null,\"message\":\"cannot undo: the record has no \\\"previous_metadata\\\"" && has_out "without --undoable"'

  run "$openai" chat:completions update-many --undo "$work/batch.rec" --input "$work/batch.jsonl"
  check "--undo with --input is a usage error" '[[ $rc == 2 ]] && has_err "--undo RECORDS reads RECORDS instead of --input"'
  run "$openai" chat:completions update-many --undo "$work/batch.rec" --set a=b
  check "--undo with --set is a usage error" '[[ $rc == 2 ]]'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_exit_status() {
  start_mock 5 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  local before
  printf '{"completion_id":"chatcmpl-mock-000001","metadata":{"a":"1"}}\n\n{"completion_id":"chatcmpl-mock-000002","metadata":{"a":"2"}}\n' >"$work/ok.jsonl"
  run "$openai" chat:completions update-many --input "$work/ok.jsonl"
  check "exit 0 when every line succeeds; records on stdout, blank line skipped" \
    '[[ $rc == 0 && $(lines_in "$work/out") == 2 ]] && has_out "\"line\":1,\"completion_id\":\"chatcmpl-mock-000001\",\"ok\":true,\"status\":200,\"attempts\":1,\"request_id\":\"req_" && has_out "\"line\":3," && [[ $(mock_metadata chatcmpl-mock-000002) == "{\"a\":\"2\"}" ]]'
  check "the summary goes to stderr" \
    'has_err "openai: update-many: 2 lines, 2 ok, 0 failed, 0 retries" && has_err "updates/s" && no_key_anywhere'

  run bash -c '"$0" chat:completions update-many --input - --output - <"$1"' "$openai" "$work/ok.jsonl"
  check "--input - and --output - use the standard streams" '[[ $rc == 0 && $(lines_in "$work/out") == 2 ]]'

  printf '{"completion_id":"chatcmpl-mock-000003","metadata":{"a":"3"}}\n{"completion_id":"nope","metadata":{"a":"x"}}\nnot json\n' >"$work/mixed.jsonl"
  run "$openai" chat:completions update-many --input "$work/mixed.jsonl" --output "$work/rec.jsonl"
  out=$(cat "$work/rec.jsonl")
  check "exit 1 when a line fails; an API error record has kind, status, message, type" \
    '[[ $rc == 1 && $(lines_in "$work/rec.jsonl") == 3 ]] && has_out "\"line\":2,\"completion_id\":\"nope\",\"ok\":false,\"attempts\":1,\"request_id\":\"req_" && has_out "\"error\":{\"kind\":\"api\",\"status\":404,\"message\":\"No chat completion found" && has_out "\"type\":\"invalid_request_error\""'
  check "an unparseable line is an input error with its line number" \
    'has_out "{\"line\":3,\"completion_id\":null,\"ok\":false,\"attempts\":0,\"error\":{\"kind\":\"input\",\"status\":null,\"message\":\"not valid JSON" && has_err "3 lines, 1 ok, 2 failed (api 1, input 1)"'

  before=$(mock_stat requests)
  run "$openai" chat:completions update-many
  check "exit 2 without --input" '[[ $rc == 2 ]] && has_err "missing --input"'
  run "$openai" chat:completions update-many --input "$work/missing.jsonl"
  check "exit 2 on an unreadable input file" '[[ $rc == 2 ]] && has_err "cannot read --input"'
  run "$openai" chat:completions update-many --input "$work/ok.jsonl" --set "$(printf 'k%.0s' $(seq 65))=v"
  check "exit 2 when --set itself breaks the limits" '[[ $rc == 2 && -z $out ]] && has_err "nothing sent"'
  run "$openai" chat:completions update-many --input "$work/ok.jsonl" --resume
  check "exit 2 for --resume without --output FILE" '[[ $rc == 2 ]] && has_err "--resume needs --output FILE"'
  run "$openai" chat:completions update-many --input "$work/ok.jsonl" --concurrency 0
  check "exit 2 for --concurrency 0" '[[ $rc == 2 ]]'
  run "$openai" chat:completions update-many --input "$work/ok.jsonl" --bogus
  check "exit 2 for an unknown flag" '[[ $rc == 2 ]] && has_err "unknown option --bogus"'
  check "usage errors sent nothing" '[[ $(mock_stat requests) == "$before" ]]'

  run "$openai" chat:completions update-many --help
  check "--help lists every update-many flag" \
    '[[ $rc == 0 ]] && has_out "--input FILE" && has_out "--output FILE" && has_out "--concurrency N" && has_out "--max-rps R" && has_out "--set KEY=VALUE" && has_out "--resume" && has_out "--progress" && has_out "--no-progress"'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_signals() {
  start_mock 2000 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"s\":\"%d\"}}\n", i, i }' >"$work/in.jsonl"
  local sig
  for sig in INT TERM; do
    rm -f "$work/rec.jsonl"
    "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" \
      --max-rps 200 --concurrency 8 >"$work/out" 2>"$work/err" &
    bg_pid=$!
    sleep 1
    kill -s "$sig" "$bg_pid"
    wait "$bg_pid"
    rc=$?
    bg_pid=
    out=$(cat "$work/rec.jsonl")
    err=$(cat "$work/err")
    local n
    n=$(lines_in "$work/rec.jsonl")
    check "SIG$sig: exit 130 after recording the lines started, not the rest" \
      '[[ $rc == 130 && $n -gt 50 && $n -lt 1000 ]] && has_err "openai: interrupted: $n lines"'
    check "SIG$sig: every record is a whole line and the last one ends with a newline" \
      '[[ $(grep -c "^{\"line\":[0-9]*,.*}$" "$work/rec.jsonl") == "$n" && -z $(tail -c 1 "$work/rec.jsonl") ]]'
    check "SIG$sig: every line recorded ok is updated in the mock" \
      '[[ $(fields "$work/rec.jsonl" | awk "\$2 == \"true\" { print \$1 }" | while read -r l; do mock_metadata "$(printf "chatcmpl-mock-%06d" "$l")"; echo; done | grep -c "\"s\"") == "$n" ]]'
  done

  # A pipe that stays open: lines are updated as they arrive, and a signal while waiting for
  # more input ends the batch at once.
  rm -f "$work/rec.jsonl"
  mkfifo "$work/fifo"
  "$openai" chat:completions update-many --input "$work/fifo" --output "$work/rec.jsonl" \
    >"$work/out" 2>"$work/err" &
  bg_pid=$!
  exec 3>"$work/fifo"  # held open by this shell: the input does not end
  head -3 "$work/in.jsonl" >&3
  for _ in $(seq 100); do (($(lines_in "$work/rec.jsonl") >= 3)) && break; sleep 0.05; done
  local got t1=$SECONDS
  got=$(lines_in "$work/rec.jsonl")
  kill -INT "$bg_pid"
  wait "$bg_pid"
  rc=$?
  bg_pid=
  exec 3>&-
  err=$(cat "$work/err")
  check "lines from a pipe are updated as they arrive; SIGINT while waiting for input: exit 130 at once" \
    '[[ $got == 3 && $rc == 130 && $((SECONDS - t1)) -lt 3 ]] && has_err "interrupted: 3 lines, 3 ok"'

  # One update hangs (the mock delays its answer 30 s): a second signal quits at once, with the
  # records of the finished lines flushed.
  printf '{"chatcmpl-mock-000003": [{"action": "delay", "ms": 30000}]}' >"$work/faults.json"
  curl -s -X POST --data-binary @"$work/faults.json" "http://127.0.0.1:$http_port/__mock/faults" >/dev/null
  rm -f "$work/rec.jsonl"
  "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" \
    --max-rps 100 --concurrency 4 >"$work/out" 2>"$work/err" &
  bg_pid=$!
  sleep 1
  local t0=$SECONDS
  kill -INT "$bg_pid"
  sleep 0.5
  kill -INT "$bg_pid"
  wait "$bg_pid"
  rc=$?
  bg_pid=
  err=$(cat "$work/err")
  out=$(cat "$work/rec.jsonl")
  check "a second SIGINT leaves at once (exit 130) without waiting for a hung update" \
    '[[ $rc == 130 && $((SECONDS - t0)) -lt 5 ]] && has_err "gave up waiting" && ! has_out "chatcmpl-mock-000003\"" && [[ $(lines_in "$work/rec.jsonl") -gt 20 && -z $(tail -c 1 "$work/rec.jsonl") ]]'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_pipeline() {
  start_mock 6
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$https_url
  local ca=(--ca-file "$work/ca.pem")
  "$openai" chat:completions update chatcmpl-mock-000004 --metadata '{keep: me}' "${ca[@]}" >/dev/null
  run bash -c '"$0" chat:completions list --model gpt-4o --format jsonl "${@:1:2}" | "$0" chat:completions update-many --input - --set reviewed=yes "${@:1:2}"' "$openai" "${ca[@]}"
  check "list | update-many --set tags what the filter finds and keeps existing metadata" \
    '[[ $rc == 0 && $(lines_in "$work/out") == 3 ]] && [[ $(mock_metadata chatcmpl-mock-000004) == "{\"keep\":\"me\",\"reviewed\":\"yes\"}" ]] && [[ $(mock_metadata chatcmpl-mock-000001) == "{}" ]]'
  run "$openai" chat:completions list --metadata reviewed=yes "${ca[@]}"
  check "the filter finds exactly the tagged ones" '[[ $rc == 0 && $(lines_in "$work/out") == 3 ]]'

  awk 'BEGIN { for (i = 1; i <= 6; i++) printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"p\":\"%d\"}}\n", i, i }' >"$work/six.jsonl"
  run "$openai" chat:completions update-many --input "$work/six.jsonl" --output "$work/rec.jsonl" --progress "${ca[@]}"
  check "--progress draws the bar on stderr even when it is not a terminal" \
    '[[ $rc == 0 ]] && has_err "100%  6/6" && has_err "in flight" && has_err "openai: update-many: 6 lines, 6 ok"'
  run "$openai" chat:completions update-many --input "$work/six.jsonl" --output "$work/rec.jsonl" "${ca[@]}"
  check "no bar when stderr is not a terminal" '[[ $rc == 0 && $(wc -l <"$work/err") == 1 ]]'
  run "$openai" chat:completions update-many --input "$work/six.jsonl" --output "$work/rec.jsonl" --debug "${ca[@]}"
  check "--debug logs the requests, key redacted" \
    '[[ $rc == 0 ]] && has_err "openai: debug: " && has_err "chatcmpl-mock-000006" && no_key_anywhere'

  "$openai" chat:completions update chatcmpl-mock-000005 --metadata null "${ca[@]}" >"$work/out" 2>&1
  check "update --metadata null sends null and clears the metadata" \
    '[[ $(mock_metadata chatcmpl-mock-000005) == "{}" ]]'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_faults() {
  local n=20000
  start_mock "$n" --fault-rate 0.05 --fault-seed 11
  gen_batch "$n" "$work/in.jsonl" "$work/expected"
  local valid
  valid=$(grep -c " ok$" "$work/expected")
  local started=$SECONDS
  run "$openai" chat:completions update-many --api-key "$key" --base-url "$https_url" \
    --ca-file "$work/ca.pem" --input "$work/in.jsonl" --output "$work/rec.jsonl" --set run=b7 \
    --max-retries 10 --no-progress
  echo "  (20,000 lines in $((SECONDS - started)) s: $(tail -1 "$work/err"))"
  check "exactly one record per non-blank line ($n)" \
    '[[ $(lines_in "$work/rec.jsonl") == $n && $(fields "$work/rec.jsonl" | cut -d" " -f1 | sort -u | wc -l) == $n ]]'
  fields "$work/rec.jsonl" | awk '{ print $1, ($2 == "true" ? "ok" : $3) }' | sort -n >"$work/got"
  sort -n "$work/expected" >"$work/want"
  check "every valid line ok, every invalid one an error of its kind at its line number" \
    '[[ -s $work/got ]] && cmp -s "$work/got" "$work/want"'
  check "invalid lines were never attempted" \
    '[[ $(fields "$work/rec.jsonl" | awk "\$2 == \"false\" && \$4 != 0" | wc -l) == 0 ]]'
  check "faults were injected and retried ($(mock_stat faults_injected) faults)" \
    '[[ $(mock_stat faults_injected) -gt 500 ]] && has_err "retries" && [[ $rc == 1 ]]'
  check "the mock applied exactly one update per valid line ($valid), none of the invalid ones" \
    '[[ $(mock_applied) == "$valid" ]]'
  mock_state 1 "$n" "$work/state"
  check "the mock holds the expected metadata for every id" \
    '[[ -s $work/state ]] && cmp -s "$work/state" "$work/expected.md"'
}

group_resume() {
  local n=20000
  start_mock "$n" --fault-rate 0.05 --fault-seed 5
  gen_batch "$n" "$work/in.jsonl" "$work/expected"
  local valid
  valid=$(grep -c " ok$" "$work/expected")
  local cmd=("$openai" chat:completions update-many --api-key "$key" --base-url "$https_url"
    --ca-file "$work/ca.pem" --input "$work/in.jsonl" --output "$work/rec.jsonl" --set run=b7
    --max-retries 10 --no-progress --max-rps 4000)
  "${cmd[@]}" >"$work/out" 2>"$work/err" &
  bg_pid=$!
  for _ in $(seq 400); do (($(lines_in "$work/rec.jsonl") >= 6000)) && break; sleep 0.05; done
  kill -9 "$bg_pid"
  wait "$bg_pid" 2>/dev/null
  bg_pid=
  local first
  first=$(lines_in "$work/rec.jsonl")
  check "the first run was killed midway ($first records)" '[[ $first -ge 6000 && $first -lt $n ]]'

  run "${cmd[@]}" --resume
  check "the resumed run finishes the job (exit 1: the invalid lines fail again)" \
    '[[ $rc == 1 ]] && has_err "skipped (already ok)"'
  check "every valid line is recorded ok exactly once" \
    '[[ $(fields "$work/rec.jsonl" | awk "\$2 == \"true\" { print \$1 }" | sort | uniq -d | wc -l) == 0 && $(fields "$work/rec.jsonl" | awk "\$2 == \"true\"" | wc -l) == "$valid" ]]'
  check "every non-blank line has a record" \
    '[[ $(fields "$work/rec.jsonl" | cut -d" " -f1 | grep -v "^$" | sort -u | wc -l) == $n ]]'
  check "no line was sent again after it succeeded (at most those in flight at the kill)" \
    '[[ $(mock_applied) -ge $valid && $(mock_applied) -le $((valid + 64)) ]]'
  mock_state 1 "$n" "$work/state"
  check "the mock holds the expected metadata for every id" '[[ -s $work/state ]] && cmp -s "$work/state" "$work/expected.md"'
}

# measure CMD...: runs CMD; sets rc and peak_rss (its peak resident set size, KiB).
measure() {
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/err"
    rc=$?
    peak_rss=$(tail -1 "$work/rss")
  else  # poll VmHWM while it runs (the peak never decreases)
    "$@" >/dev/null 2>"$work/err" &
    local pid=$! v
    peak_rss=0
    while kill -0 "$pid" 2>/dev/null; do
      v=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
      [[ -n $v ]] && peak_rss=$v
      sleep 0.02
    done
    wait "$pid"
    rc=$?
  fi
  err=$(cat "$work/err")
  out=
}

group_memory() {
  start_mock 20000 --no-https --threads 1
  local big=200000 small=20000 rss_small rss_big
  # Ids repeat across lines: line i updates completion (i - 1) % 20000 + 1.
  awk -v n="$big" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"line\":\"%d\",\"run\":\"mem\"}}\n", (i - 1) % 20000 + 1, i }' >"$work/big.jsonl"
  head -n "$small" "$work/big.jsonl" >"$work/small.jsonl"
  local base=("$openai" chat:completions update-many --api-key "$key" --base-url "$http_url" --no-progress)
  measure "${base[@]}" --input "$work/small.jsonl" --output "$work/small.out"
  rss_small=$peak_rss
  check "the 20,000-line batch succeeds (peak RSS $rss_small KiB)" \
    '[[ $rc == 0 && $(lines_in "$work/small.out") == $small ]]'
  local started=$SECONDS
  measure "${base[@]}" --input "$work/big.jsonl" --output "$work/big.out"
  rss_big=$peak_rss
  echo "  (200,000 lines in $((SECONDS - started)) s: $(tail -1 "$work/err"))"
  check "the 200,000-line batch succeeds (peak RSS $rss_big KiB)" \
    '[[ $rc == 0 && $(lines_in "$work/big.out") == $big ]]'
  check "peak RSS of 200,000 lines within 10 % of 20,000 lines ($rss_big vs $rss_small KiB)" \
    '[[ $rss_small -gt 0 && $((rss_big * 100)) -le $((rss_small * 110)) ]]'
}

# POST a fault script (the same JSON as --fault-script) to the running mock.
script_faults() {
  curl -s -X POST --data-binary "$1" "http://127.0.0.1:$http_port/__mock/faults" >/dev/null
}

# updates FIRST LAST VALUE: one update line per completion FIRST..LAST, metadata {v: VALUE}.
updates() {
  awk -v a="$1" -v b="$2" -v v="$3" 'BEGIN { for (i = a; i <= b; i++) printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"v\":\"%s\"}}\n", i, v }'
}

group_same_file() {
  start_mock 3 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  updates 1 3 a >"$work/in.jsonl"
  cp "$work/in.jsonl" "$work/in.copy"
  ln -s "$work/in.jsonl" "$work/link.jsonl"
  ln "$work/in.jsonl" "$work/hard.jsonl"
  local before name
  before=$(mock_stat requests)
  for name in "$work/in.jsonl" "$work/./in.jsonl" "$work/link.jsonl" "$work/hard.jsonl"; do
    run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$name"
    check "--output $(basename "$name") (the input by another name): exit 2, the input intact" \
      '[[ $rc == 2 ]] && has_err "same file" && cmp -s "$work/in.jsonl" "$work/in.copy"'
    run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$name" --resume
    check "--output $(basename "$name") --resume: exit 2, nothing appended to the input" \
      '[[ $rc == 2 ]] && has_err "same file" && cmp -s "$work/in.jsonl" "$work/in.copy"'
  done
  run bash -c 'cd "$1" && "$0" chat:completions update-many --input in.jsonl --output ./in.jsonl' "$openai" "$work"
  check "--input x --output ./x (relative): exit 2, the input intact" \
    '[[ $rc == 2 ]] && has_err "is the same file" && cmp -s "$work/in.jsonl" "$work/in.copy"'
  run bash -c '"$0" chat:completions update-many --input - <"$1" >>"$1"' "$openai" "$work/in.jsonl"
  check "--input - from x with the records appended to x: exit 2, the input intact" \
    '[[ $rc == 2 ]] && has_err "standard output is the same file as standard input" && cmp -s "$work/in.jsonl" "$work/in.copy"'
  check "nothing was sent" '[[ $(mock_stat requests) == "$before" ]]'
  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/in.copy"
  check "a copy of the input (another inode) is a fine --output" '[[ $rc == 0 && $(lines_in "$work/in.copy") == 3 ]]'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_resume_changed() {
  start_mock 10 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  updates 1 5 a >"$work/in.jsonl"
  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl"
  check "the first run updates lines 1-5 (completions 1-5)" '[[ $rc == 0 && $(lines_in "$work/rec.jsonl") == 5 ]]'
  # A re-run `list` gained two lines at the top: every line number now names another completion.
  { updates 6 7 b; updates 1 5 b; } >"$work/in.jsonl"
  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" --resume
  local i got=0
  for i in 1 2 3 4 5 6 7; do
    [[ $(mock_metadata "$(printf 'chatcmpl-mock-%06d' "$i")") == '{"v":"b"}' ]] && got=$((got + 1))
  done
  check "--resume over a changed input updates every line whose id differs from its record" \
    '[[ $rc == 0 && $got == 7 ]] && ! has_err "skipped" && has_err "7 lines, 7 ok"'
  check "and says how many lines changed" \
    'has_err "warning: --resume: 5 lines name another completion than the earlier record"'
  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" --resume
  check "a second --resume over the same input skips all 7" \
    '[[ $rc == 0 ]] && has_err "0 lines, 0 ok, 0 failed, 0 retries, 7 skipped (already ok)" && ! has_err "warning"'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_resume_corrupt() {
  start_mock 4 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  updates 1 4 c >"$work/in.jsonl"
  {
    echo '{"line":1,"completion_id":"chatcmpl-mock-000001","ok":true,"status":200,"attempts":1}'
    echo '{"line":18446744073709551615,"completion_id":"chatcmpl-mock-000002","ok":true}'
    echo '{"line":1099511627776,"completion_id":"chatcmpl-mock-000003","ok":true}'
    echo 'not json at all'
    printf '{"line":2,"completion_id":"chatcmpl-mock-00000\xff","ok":true}\n'
    echo '{"line":0,"completion_id":"chatcmpl-mock-000004","ok":true}'
    echo '{"line":99999999999999999999999,"completion_id":"chatcmpl-mock-000004","ok":true}'
  } >"$work/rec.jsonl"
  measure "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" --resume
  check "a corrupt output is resumed: exit 0, line 1 skipped, lines 2-4 updated (peak RSS $peak_rss KiB)" \
    '[[ $rc == 0 ]] && has_err "3 lines, 3 ok, 0 failed, 0 retries, 1 skipped" && [[ $(mock_metadata chatcmpl-mock-000004) == "{\"v\":\"c\"}" ]]'
  check "each unreadable record is named in a warning" \
    'has_err "record 4 of" && has_err "ignored: not a JSON record" && has_err "record 5 of" && has_err "record 6 of" && has_err "not a line number"'
  check "records of lines past the input are ignored with a warning" \
    'has_err "2 ok records name a line after the input'"'"'s last line (4): ignored"'
  check "no huge allocation: peak RSS under 64 MiB" '[[ $peak_rss -gt 0 && $peak_rss -lt 65536 ]]'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_long_lines() {
  start_mock 3 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  {
    updates 1 1 long
    head -c 104857600 /dev/zero | tr '\0' x
    echo
    updates 3 3 long
    head -c 1048577 /dev/zero | tr '\0' ' '  # just over 1 MiB, and no newline at the end
  } >"$work/in.jsonl"
  local how
  for how in file stdin pipe; do
    rm -f "$work/rec.jsonl"
    if [[ $how == file ]]; then
      measure "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl"
    elif [[ $how == stdin ]]; then  # a regular file as standard input
      measure bash -c 'exec "$0" chat:completions update-many --input - --output "$2" <"$1"' \
        "$openai" "$work/in.jsonl" "$work/rec.jsonl"
    else
      measure bash -c 'cat "$1" | "$0" chat:completions update-many --input - --output "$2"' \
        "$openai" "$work/in.jsonl" "$work/rec.jsonl"
    fi
    out=$(cat "$work/rec.jsonl")
    check "$how: a 100 MiB line is one input-error record and the batch goes on" \
      '[[ $rc == 1 && $(lines_in "$work/rec.jsonl") == 4 ]] && has_out "{\"line\":2,\"completion_id\":null,\"ok\":false,\"attempts\":0,\"error\":{\"kind\":\"input\",\"status\":null,\"message\":\"line of 104857600 bytes, longer than the 1 MiB" && has_out "\"line\":3,\"completion_id\":\"chatcmpl-mock-000003\",\"ok\":true"'
    check "$how: a last line over 1 MiB without a newline is an input error too" \
      'has_out "{\"line\":4,\"completion_id\":null,\"ok\":false,\"attempts\":0,\"error\":{\"kind\":\"input\",\"status\":null,\"message\":\"line of 1048577 bytes"'
    check "$how: peak RSS stays well under the line (peak RSS $peak_rss KiB < 48 MiB)" \
      '[[ $peak_rss -gt 0 && $peak_rss -lt 49152 ]]'
  done
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_retries() {
  start_mock 5 --no-https
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  local busy='{"status": 429, "retry_after_ms": 1}' steps6 steps7
  steps6=$(printf "$busy,%.0s" 1 2 3 4 5 6)
  steps7="$steps6$busy"
  script_faults "{\"chatcmpl-mock-000001\": [${steps6%,}], \"chatcmpl-mock-000002\": [$steps7]}"
  updates 1 2 r >"$work/in.jsonl"
  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl"
  out=$(cat "$work/rec.jsonl")
  check "update-many retries 6 times by default: 6 transient failures, then ok at attempt 7" \
    'has_out "{\"line\":1,\"completion_id\":\"chatcmpl-mock-000001\",\"ok\":true,\"status\":200,\"attempts\":7"'
  check "7 transient failures use up the 7 attempts" \
    '[[ $rc == 1 ]] && has_out "\"line\":2,\"completion_id\":\"chatcmpl-mock-000002\",\"ok\":false,\"attempts\":7"'
  check "the summary says how many lines ran out of retries and that --resume redoes them" \
    'has_err "2 lines, 1 ok, 1 failed (api 1), 1 out of retries (--resume redoes them), 12 retries"'

  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" --resume
  check "--resume redoes the line that ran out" \
    '[[ $rc == 0 ]] && has_err "1 line, 1 ok, 0 failed, 0 retries, 1 skipped (already ok)"'

  script_faults "{\"chatcmpl-mock-000003\": [$busy, $busy]}"
  updates 3 3 r >"$work/one.jsonl"
  run "$openai" chat:completions update-many --input "$work/one.jsonl" --output "$work/rec.jsonl" --max-retries 1
  out=$(cat "$work/rec.jsonl")
  check "--max-retries still overrides the batch default" \
    '[[ $rc == 1 ]] && has_out "\"ok\":false,\"attempts\":2" && has_err "1 out of retries"'

  local before
  script_faults "{\"chatcmpl-mock-000004\": [$busy, $busy, $busy]}"
  before=$(mock_stat requests)
  run "$openai" chat:completions update chatcmpl-mock-000004 --metadata '{a: b}'
  check "a single update keeps 2 retries (3 attempts, then the 429)" \
    '[[ $rc != 0 && $(($(mock_stat requests) - before)) == 3 ]] && has_err "429"'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

group_request_id() {
  start_mock 3
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$https_url
  # The mock answers completion 1 normally, with an x-request-id of "req_" and two bytes that
  # are not UTF-8.
  script_faults '{"chatcmpl-mock-000001": [{"action": "none", "header_hex": {"x-request-id": "7265715fff80"}}]}'
  updates 1 2 id >"$work/in.jsonl"
  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" --ca-file "$work/ca.pem"
  out=$(cat "$work/rec.jsonl")
  check "a request id that is not UTF-8 is escaped in its record" \
    '[[ $rc == 0 ]] && has_out "\"line\":1,\"completion_id\":\"chatcmpl-mock-000001\",\"ok\":true,\"status\":200,\"attempts\":1,\"request_id\":\"req_\\\\xFF\\\\x80\",\"elapsed_us\":"'
  check "the records stay valid UTF-8 JSON Lines" 'iconv -f UTF-8 -t UTF-8 "$work/rec.jsonl" >/dev/null'
  run "$openai" chat:completions update-many --input "$work/in.jsonl" --output "$work/rec.jsonl" --resume --ca-file "$work/ca.pem"
  check "--resume reads that record back: both lines skipped" \
    '[[ $rc == 0 ]] && has_err "0 lines, 0 ok, 0 failed, 0 retries, 2 skipped (already ok)" && ! has_err "warning"'
  unset OPENAI_API_KEY OPENAI_BASE_URL
}

declare -F "group_$group" >/dev/null || { echo "unknown group $group"; exit 2; }
echo "update-many tests: $group"
"group_$group"
echo "$group: $((cases - failures)) of $cases cases passed"
[[ $failures == 0 ]]

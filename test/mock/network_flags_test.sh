#!/usr/bin/env bash
# openai-mock's --rate-limit, --rate-burst and --latency as flags: good values start it and
# show in its answers (curl), bad ones are refused with exit 2 and a usage message.
#   network_flags_test.sh OPENAI_MOCK
set -u

command -v curl >/dev/null || { echo "SKIPPED: curl is not installed"; exit 77; }

mock=$1
key='sk-network-flags-key'
source "$(dirname "$0")/../cli/mock_script_prelude.sh"

# headers URL: the response headers of an API request, lower-cased.
headers() { curl -s -m 10 -o /dev/null -D - -H "authorization: Bearer $key" "$1" | tr -d '\r' | tr 'A-Z' 'a-z'; }

echo "openai-mock network flag tests"
start_mock 3 --rate-limit 12000/m
run headers "http://127.0.0.1:$http_port/v1/chat/completions?limit=1"
check "--rate-limit 12000/m announces the limit as given" 'has_out "x-ratelimit-limit-requests: 12000"'
check "and the burst of 20 (100 ms worth), one taken" 'has_out "x-ratelimit-remaining-requests: 19"'
check "and a Go-formatted reset" 'grep -Eq "^x-ratelimit-reset-requests: 59\.9[0-9]*s$" <<<"$out"'

start_mock 3 --rate-limit 2.5 --rate-burst 3 --latency 0.2s
run headers "http://127.0.0.1:$http_port/v1/chat/completions?limit=1"
check "a decimal rate and --rate-burst are taken" \
  'has_out "x-ratelimit-limit-requests: 2.5" && has_out "x-ratelimit-remaining-requests: 2"'
run curl -s -m 10 "http://127.0.0.1:$http_port/__mock/rate-limit"
check "GET /__mock/rate-limit shows them" 'has_out "\"rate\":\"2.5/s\"" && has_out "\"burst\":3"'

start_mock 3 --latency 0
run headers "http://127.0.0.1:$http_port/v1/chat/completions?limit=1"
check "--latency 0 is accepted, and without --rate-limit no x-ratelimit header" \
  '[[ $out == *"http/1.1 200"* && $out != *x-ratelimit* ]]'

refused() {  # refused WHAT-IT-SAYS ARGS...: exit 2 and the message on stderr
  local says=$1
  shift
  "$mock" "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  check "$* is refused with exit 2 ($says)" '[[ $rc == 2 ]] && grep -qF -- "$says" "$work/err" && grep -qF "usage:" "$work/err"'
}
refused "must be above 0" --rate-limit 0
refused "must be above 0" --rate-limit 0/m
refused "is not a number" --rate-limit -5/s
refused "is not a number" --rate-limit lots
refused "unit must be /s or /m" --rate-limit 10/h
refused "needs a value" --rate-limit
refused "whole number" --rate-limit 10/s --rate-burst 1.5
refused "must be above 0" --rate-limit 10/s --rate-burst 0
refused "--rate-burst needs --rate-limit" --rate-burst 5
refused "not a duration" --latency 25
refused "not a duration" --latency -1s
refused "not a duration" --latency soon
run "$mock" --help
check "--help documents the three flags" \
  'has_out "--rate-limit R[/s|/m]" && has_out "--rate-burst B" && has_out "--latency D" && has_out "/__mock/rate-limit"'

echo "network flags: $((cases - failures)) of $cases cases passed"
[[ $failures == 0 ]]

#!/usr/bin/env bash
# --http1, --http2 and the default (automatic) of `openai` and `update-many` against the
# openai-mock executable, read through the mock's connection counters (https_connections,
# h2_connections, h2_streams, h2_peak_streams), one group per run:
#   http_version_test.sh OPENAI OPENAI_MOCK GROUP
# Groups: usage (both flags), http1 (never h2), http2_refused (--http2 against --http1-only),
# h2 (the default and --http2 speak h2 to a server that offers it), h2_batch (update-many
# --concurrency 256 over 2,000 lines on a few h2 connections). Needs bash, awk and curl.
source "$(dirname "$0")/group_script.sh"

# The mock's SETTINGS_MAX_CONCURRENT_STREAMS (openai-mock's default, --h2-max-streams).
mock_h2_streams=100

# lines_file N FILE: N update lines for chatcmpl-mock-000001..N.
lines_file() {
  awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
    printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"line\":\"%d\"}}\n", i, i }' >"$2"
}
ok_records() { grep -c '"ok":true' "$1"; }
lines_in_file() { [[ -s $1 ]] && wc -l <"$1" || echo 0; }

group_usage() {
  start_mock 3
  local ca=(--ca-file "$work/ca.pem") before
  before=$(mock_stat requests)
  run "$openai" chat:completions retrieve chatcmpl-mock-000001 --api-key "$key" \
    --base-url "$https_url" "${ca[@]}" --http1 --http2
  check "--http1 with --http2 is a usage error (exit 2) naming both, nothing sent" \
    '[[ $rc == 2 ]] && has_err "--http1 and --http2 contradict each other" && [[ $(mock_stat requests) == "$before" && $(mock_stat https_connections) == 0 ]] && no_key_anywhere'
  lines_file 3 "$work/three.jsonl"
  run "$openai" --http2 chat:completions update-many --input "$work/three.jsonl" \
    --api-key "$key" --base-url "$https_url" "${ca[@]}" --http1
  check "update-many: the same in the other order" \
    '[[ $rc == 2 && -z $out ]] && has_err "contradict" && [[ $(mock_stat requests) == "$before" ]]'
  run "$openai" chat:completions retrieve --help
  check "--help shows both flags" '[[ $rc == 0 ]] && has_out "--http1" && has_out "--http2"'
}

group_http1() {
  start_mock 20
  local ca=(--ca-file "$work/ca.pem")
  run "$openai" chat:completions retrieve chatcmpl-mock-000001 --api-key "$key" \
    --base-url "$https_url" "${ca[@]}" --http1
  check "--http1 retrieves over HTTPS without ever speaking h2" \
    '[[ $rc == 0 ]] && has_out "chatcmpl-mock-000001" && [[ $(mock_stat https_connections) -ge 1 && $(mock_stat h2_connections) == 0 ]]'
  lines_file 20 "$work/twenty.jsonl"
  run "$openai" chat:completions update-many --input "$work/twenty.jsonl" --output "$work/rec.jsonl" \
    --concurrency 8 --api-key "$key" --base-url "$https_url" "${ca[@]}" --http1
  check "update-many --http1: every line ok, no h2 connection or stream" \
    '[[ $rc == 0 && $(ok_records "$work/rec.jsonl") == 20 ]] && [[ $(mock_stat h2_connections) == 0 && $(mock_stat h2_streams) == 0 ]]'
}

# Fails until the client speaks HTTP/2 (lib/transport): it then gets HTTP/1.1 and succeeds.
group_http2_refused() {
  start_mock 3 --http1-only
  local ca=(--ca-file "$work/ca.pem") before
  before=$(mock_stat requests)
  run "$openai" chat:completions retrieve chatcmpl-mock-000001 --api-key "$key" \
    --base-url "$https_url" "${ca[@]}" --http2
  check "--http2 against a server that does not pick h2: exit 1, an error that says HTTP/2" \
    '[[ $rc == 1 && -z $out ]] && grep -qiE "http/2|h2" <<<"$err" && no_key_anywhere'
  check "and no request reached the server" '[[ $(mock_stat requests) == "$before" ]]'
  lines_file 3 "$work/three.jsonl"
  run "$openai" chat:completions update-many --input "$work/three.jsonl" --output "$work/rec.jsonl" \
    --max-retries 0 --api-key "$key" --base-url "$https_url" "${ca[@]}" --http2
  check "update-many --http2 against it: exit 1, no line ok, the records say HTTP/2" \
    '[[ $rc == 1 && $(ok_records "$work/rec.jsonl") == 0 && $(lines_in_file "$work/rec.jsonl") == 3 ]] && grep -qiE "http/2|h2" "$work/rec.jsonl" && [[ $(mock_stat requests) == "$before" ]]'
  run "$openai" chat:completions retrieve chatcmpl-mock-000001 --api-key "$key" \
    --base-url "$https_url" "${ca[@]}"
  check "the default falls back to HTTP/1.1 there" \
    '[[ $rc == 0 && $(mock_stat h2_connections) == 0 ]] && has_out "chatcmpl-mock-000001"'
}

# Fails until the client speaks HTTP/2 (lib/transport): h2_connections stays 0.
group_h2() {
  start_mock 3
  local ca=(--ca-file "$work/ca.pem")
  run "$openai" chat:completions retrieve chatcmpl-mock-000001 --api-key "$key" \
    --base-url "$https_url" "${ca[@]}"
  check "the default speaks h2 to a server that picks it" \
    '[[ $rc == 0 ]] && has_out "chatcmpl-mock-000001" && [[ $(mock_stat h2_connections) == 1 && $(mock_stat https_connections) == 1 ]]'
  run "$openai" chat:completions update chatcmpl-mock-000002 --metadata '{over: h2}' \
    --api-key "$key" --base-url "$https_url" "${ca[@]}" --http2
  check "--http2 updates over h2" \
    '[[ $rc == 0 && $(mock_stat h2_connections) == 2 && $(mock_metadata chatcmpl-mock-000002) == "{\"over\":\"h2\"}" ]]'
}

# update_many_over_h2 FLAGS...: 2,000 lines at --concurrency 256 against a fresh mock; every
# line must be ok, on at most ceil(256 / the mock's streams) connections, all of them h2,
# carrying many streams at once.
update_many_over_h2() {
  start_mock 2000
  lines_file 2000 "$work/batch.jsonl"
  run "$openai" chat:completions update-many --input "$work/batch.jsonl" --output "$work/rec.jsonl" \
    --concurrency 256 --api-key "$key" --base-url "$https_url" --ca-file "$work/ca.pem" "$@"
  local most=$(((256 + mock_h2_streams - 1) / mock_h2_streams))
  local conns h2 peak
  conns=$(mock_stat https_connections) h2=$(mock_stat h2_connections) peak=$(mock_stat h2_peak_streams)
  echo "  (update-many $*: $conns TLS connections, $h2 h2, peak $peak streams on one)"
  check "update-many --concurrency 256 $*: 2,000 lines ok" \
    '[[ $rc == 0 && $(ok_records "$work/rec.jsonl") == 2000 ]]'
  check "update-many --concurrency 256 $*: at most $most connections, every one h2" \
    '[[ $conns -ge 1 && $conns -le $most && $h2 == "$conns" ]]'
  check "update-many --concurrency 256 $*: many streams in flight on one connection" \
    '[[ $peak -gt 1 && $(mock_stat h2_streams) -ge 2000 ]]'
}

# Fails until the client speaks HTTP/2 (lib/transport): 256 HTTP/1.1 connections instead.
group_h2_batch() {
  update_many_over_h2 --http2
  update_many_over_h2
}

run_group "HTTP version"

#!/usr/bin/env bash
# Runs one example program against the openai-mock executable and checks what it prints, its
# exit status and the mock's store:
#   run_example.sh OPENAI_MOCK NAME EXAMPLE_BINARY
# Needs bash and curl (the mock's /__mock/ helpers; the tagging server's requests).
set -u

command -v curl >/dev/null || { echo "SKIPPED: curl is not installed"; exit 77; }

mock=$1
name=$2
example=$3
key='sk-examples-test'
server_pid=
mock_kill_signal=TERM
source "$(dirname "$0")/../cli/mock_script_prelude.sh"
extra_cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
}

count_out() { grep -cF -- "$1" <<<"$out"; }
# The lines of stdout from the "== TITLE" header to the next header.
section() { awk -v t="== $1" '/^== /{on = index($0, t) == 1} on' <<<"$out"; }
in_section() { section "$1" | grep -qF -- "$2"; }
# Runs the example with the environment a user would set, pointed at the mock over HTTPS.
run_example() {
  run env OPENAI_API_KEY="$key" OPENAI_BASE_URL="$https_url" SSL_CERT_FILE="$work/ca.pem" \
    "$example" "$@"
}

example_quickstart() {
  start_mock 3
  run_example chatcmpl-mock-000002
  check "updates the completion and prints id, model, tag and request id" \
    '[[ $rc == 0 && $out =~ ^chatcmpl-mock-000002\ [^\ ]+\ bar\ req_[0-9a-f]+$ ]]'
  check "the mock stores the tag" '[[ $(mock_metadata chatcmpl-mock-000002) == "{\"foo\":\"bar\"}" ]]'
  run_example chatcmpl-unknown
  check "an unknown id is reported on stderr" \
    '[[ -z $out ]] && grep -qF "update failed: 404 not found" <<<"$err" && no_key_anywhere'
}

example_errors() {
  cat >"$work/faults.json" <<'JSON'
{"chatcmpl-mock-000002": [{"status": 429, "retry_after_ms": 20, "code": "rate_limit_exceeded"},
                          {"status": 429, "retry_after_ms": 20, "code": "rate_limit_exceeded"},
                          {"status": 429, "retry_after_ms": 20, "code": "rate_limit_exceeded"}]}
JSON
  start_mock 3 --fault-script "$work/faults.json"
  run_example chatcmpl-mock-000001 chatcmpl-mock-000002
  check "exits 0 after every scenario" '[[ $rc == 0 && $(count_out "== ") == 6 ]]'
  check "not found: not_found_error, status 404, a request id" \
    'in_section "not found" "caught not_found_error: kind \"not found\" -> check the completion id" && in_section "not found" "status 404, attempts 1, type '\''invalid_request_error'\''" && in_section "not found" "request id '\''req_"'
  check "invalid metadata: validation_error naming both violations" \
    'in_section "invalid metadata" "caught validation_error: kind \"invalid argument\"" && in_section "invalid metadata" "violation: metadata has 17 pairs" && in_section "invalid metadata" "has 65 characters" && [[ $(section "invalid metadata" | grep -c "violation:") == 2 ]]'
  check "wrong key: authentication_error with status 401, neither key printed" \
    'in_section "wrong API key" "caught authentication_error: kind \"authentication failed\"" && in_section "wrong API key" "code '\''invalid_api_key'\''" && ! has_out "sk-not-a-valid-key" && no_key_anywhere'
  check "rate limited: rate_limit_error after 3 attempts (2 retries)" \
    'in_section "rate limited" "caught rate_limit_error: kind \"rate limited\"" && in_section "rate limited" "status 429, attempts 3"'
  check "closed port: connection_error" \
    'in_section "connection refused" "caught connection_error: kind \"network error\"" && in_section "connection refused" "Connection refused"'
  check "token form: error_code openai:5 and diagnostics" \
    'in_section "not found, without exceptions" "error_code openai:5 \"not found\", is not_found: true" && in_section "not found, without exceptions" "diagnostics: status 404"'
  # 1 (not found) + 0 (invalid: nothing sent) + 1 (401) + 3 (429s) + 0 (closed port) + 1.
  check "the invalid metadata was never sent" \
    '[[ $(mock_stat requests) == 6 && $(mock_stat unauthorized) == 1 && $(mock_metadata chatcmpl-mock-000001) != *k0* ]]'
  run_example
  check "no id: usage and exit status 2" '[[ $rc == 2 ]] && grep -qF usage: <<<"$err"'
}

example_timeouts() {
  cat >"$work/faults.json" <<'JSON'
{"chatcmpl-mock-000001": [{"action": "delay", "ms": 5000}, {"action": "delay", "ms": 5000},
                          {"action": "delay", "ms": 5000}]}
JSON
  start_mock 3 --fault-script "$work/faults.json"
  run_example chatcmpl-mock-000001 chatcmpl-mock-000002
  check "exits 0" '[[ $rc == 0 ]]'
  check "the per-call timeout raises timeout_error after one attempt" \
    'in_section "per-call timeout" "timeout_error: timed out" && in_section "per-call timeout" "kind \"timed out\", attempts 1"'
  check "the timer wins the || race" 'in_section "cancelled by a timer" "the timer won; the update was cancelled"'
  check "the cancellation slot aborts the call" \
    'in_section "cancelled through a cancellation slot" "(operation_aborted)"'
  check "the next call succeeds" \
    'in_section "a normal call afterwards" "updated chatcmpl-mock-000002, deadline=demo" && [[ $(mock_metadata chatcmpl-mock-000002) == "{\"deadline\":\"demo\"}" ]]'
  check "each of the three slow calls reached the mock" '[[ $(mock_stat delay) == 3 ]]'
  # A graceful stop would wait for the delayed answers nobody reads any more.
  mock_kill_signal=KILL
}

example_use_future() {
  start_mock 5
  run_example chatcmpl-mock-000001 chatcmpl-mock-000002 chatcmpl-mock-000003
  check "three futures, three updates, and the 404 as errc::not_found" \
    '[[ $rc == 0 && $(count_out " via=use_future") == 3 ]] && has_out "updated chatcmpl-mock-000003 via=use_future" && has_out "chatcmpl-does-not-exist: not found (errc::not_found)"'
  check "the mock stores them" \
    '[[ $(mock_metadata chatcmpl-mock-000001) == "{\"via\":\"use_future\"}" && $(mock_metadata chatcmpl-mock-000003) == "{\"via\":\"use_future\"}" ]]'
  run_example chatcmpl-mock-000004 chatcmpl-unknown
  check "a failed future makes the exit status 1" \
    '[[ $rc == 1 ]] && has_out "updated chatcmpl-mock-000004" && has_out "failed: not found"'
}

example_tag_all() {
  start_mock 250
  # One completion with metadata of its own (kept), one already tagged (skipped).
  local update="$http_url/chat/completions"
  curl -s -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"metadata": {"keep": "me"}}' "$update/chatcmpl-mock-000007"
  curl -s -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"metadata": {"reviewed": "yes"}}' "$update/chatcmpl-mock-000008"
  local before
  before=$(mock_stat "POST updateChatCompletion")
  run_example reviewed=yes
  check "tags the 249 untagged of 250 completions listed in 3 pages" \
    '[[ $rc == 0 ]] && has_out "listed 250 completions in 3 pages: 249 tagged reviewed=yes, 1 already tagged, 0 failed"'
  check "keeps the other pairs and tags the last page too" \
    '[[ $(mock_metadata chatcmpl-mock-000007) == "{\"keep\":\"me\",\"reviewed\":\"yes\"}" && $(mock_metadata chatcmpl-mock-000250) == "{\"reviewed\":\"yes\"}" ]]'
  check "sent one update per untagged completion" \
    '[[ $(mock_stat "POST updateChatCompletion") == $((before + 249)) ]]'
  run_example reviewed=yes
  check "a second run sends nothing" \
    '[[ $rc == 0 ]] && has_out "0 tagged reviewed=yes, 250 already tagged, 0 failed" && [[ $(mock_stat "POST updateChatCompletion") == $((before + 249)) ]]'
  run_example reviewed
  check "no KEY=VALUE: usage and exit status 2" '[[ $rc == 2 ]] && grep -qF usage: <<<"$err"'
  run env OPENAI_API_KEY=sk-not-the-key OPENAI_BASE_URL="$https_url" SSL_CERT_FILE="$work/ca.pem" \
    "$example" reviewed=yes
  check "a wrong key: the list's 401 as a message and exit status 1, not an abort" \
    '[[ $rc == 1 ]] && grep -qF "tag_all: 401 authentication failed" <<<"$err" && ! grep -qF sk-not-the-key "$work/out" "$work/err"'
}

example_custom_ca() {
  start_mock 3
  # No SSL_CERT_FILE: the CA is trusted only through OPENAI_CA_FILE (client_options::ca_file).
  run env -u SSL_CERT_FILE OPENAI_API_KEY="$key" OPENAI_BASE_URL="$https_url" \
    OPENAI_CA_FILE="$work/ca.pem" OPENAI_PROXY_URL="$http_url" "$example" chatcmpl-mock-000001
  check "exits 0" '[[ $rc == 0 ]]'
  check "https with ca_file updates" \
    'in_section "https, trusting OPENAI_CA_FILE" "updated chatcmpl-mock-000001 via=custom_ca"'
  check "https without it fails certificate verification" \
    'in_section "https, system trust store only" "connection_error:" && in_section "https, system trust store only" "certificate verify failed"'
  check "plain http to the loopback proxy updates" \
    'in_section "plain http to a local proxy (http://127.0.0.1:" "updated chatcmpl-mock-000001 via=custom_ca"'
  check "plain http to a remote host is refused, then allowed by allow_insecure_http" \
    'in_section "plain http to a remote host" "configuration_error:" && in_section "plain http to a remote host" "accepted with allow_insecure_http"'
  check "one verified and one refused handshake, one plain http connection" \
    '[[ $(mock_stat tls_handshakes) == 1 && $(mock_stat tls_handshake_failures) == 1 && $(mock_stat http_connections) -ge 2 && $(mock_stat requests) == 2 ]]'
}

# start_tagging_server: the tagging server against the mock over HTTPS; sets $base.
start_tagging_server() {
  OPENAI_API_KEY="$key" OPENAI_BASE_URL="$https_url" OPENAI_CA_FILE="$work/ca.pem" \
    "$example" --port 0 >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  local port=
  for _ in $(seq 200); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/server.out")
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || { echo "tagging_server did not start"; cat "$work/server.err"; exit 1; }
  base="http://127.0.0.1:$port"
}

example_tagging_server() {
  start_mock 5
  local base
  start_tagging_server
  post() { run curl -s -w '\n%{http_code}' -X POST "$@"; }
  status() { tail -1 <<<"$out"; }

  post -d '{"reviewed": "yes"}' "$base/tag/chatcmpl-mock-000001"
  check "POST /tag/ID answers 200 with the completion" \
    '[[ $(status) == 200 ]] && has_out "\"id\":\"chatcmpl-mock-000001\"" && has_out "\"metadata\":{\"reviewed\":\"yes\"}"'
  check "the mock stores it" '[[ $(mock_metadata chatcmpl-mock-000001) == "{\"reviewed\":\"yes\"}" ]]'
  post "$base/tag/chatcmpl-mock-000002"
  check "an empty body sets the default tag" \
    '[[ $(status) == 200 && $(mock_metadata chatcmpl-mock-000002) == "{\"tagged_by\":\"tagging_server\"}" ]]'
  # Two requests on one keep-alive connection.
  run curl -s -w '\n%{http_code} %{num_connects}\n' -X POST -d '{"n": "3"}' \
    "$base/tag/chatcmpl-mock-000003" "$base/tag/chatcmpl-mock-000004"
  check "keep-alive: the second request reuses the connection" \
    '[[ $(count_out "200 ") == 2 ]] && has_out "200 0" && [[ $(mock_metadata chatcmpl-mock-000004) == "{\"n\":\"3\"}" ]]'
  post -d '{"a": "b"}' "$base/tag/chatcmpl-unknown"
  check "an unknown completion: 404 with the API's kind and status" \
    '[[ $(status) == 404 ]] && has_out "\"kind\":\"not_found\"" && has_out "\"upstream_status\":404" && has_out "\"request_id\":\"req_"'
  post -d 'not json' "$base/tag/chatcmpl-mock-000005"
  check "a body that is not a JSON object: 400" '[[ $(status) == 400 ]]'
  run curl -s -w '\n%{http_code}' "$base/tag/chatcmpl-mock-000005"
  check "GET: 405" '[[ $(status) == 405 ]]'
  post "$base/elsewhere"
  check "another route: 404" '[[ $(status) == 404 ]] && has_out "no such route"'
  run curl -s "$base/metrics"
  check "GET /metrics shows the pool: connections, HTTP/2 connections and streams" \
    'has_out "openai_pool_connections " && has_out "openai_pool_http2_connections " && has_out "openai_pool_http2_streams "'
  check "the key never appears" 'no_key_anywhere && ! grep -qF -- "$key" "$work/server.out" "$work/server.err"'

  kill -TERM "$server_pid"
  wait "$server_pid"
  rc=$?
  server_pid=
  out=$(cat "$work/server.out")
  check "SIGTERM stops it cleanly" '[[ $rc == 0 ]] && has_out stopped'

  run env -u OPENAI_API_KEY "$example"
  check "no OPENAI_API_KEY: exit status 2" '[[ $rc == 2 ]] && grep -qF OPENAI_API_KEY <<<"$err"'
}

# The examples leave client_options::http_version at automatic: over HTTPS they speak h2 to a
# server that offers it, as the mock does. These fail until the client speaks HTTP/2.
example_quickstart_h2() {
  start_mock 3
  run_example chatcmpl-mock-000002
  check "quickstart updates over one h2 connection" \
    '[[ $rc == 0 && $(mock_stat https_connections) == 1 && $(mock_stat h2_connections) == 1 ]]'
}

example_tag_all_h2() {
  start_mock 250
  run_example reviewed=yes
  check "tag_all lists and tags 250 completions, every connection h2" \
    '[[ $rc == 0 ]] && has_out "250 tagged reviewed=yes, 0 already tagged, 0 failed" && [[ $(mock_stat h2_connections) -ge 1 && $(mock_stat h2_connections) == $(mock_stat https_connections) ]]'
}

example_tagging_server_h2() {
  start_mock 5
  local base
  start_tagging_server
  run curl -s -X POST -d '{"reviewed": "yes"}' "$base/tag/chatcmpl-mock-000001"
  run curl -s -X POST -d '{"reviewed": "yes"}' "$base/tag/chatcmpl-mock-000002"
  check "the tagging server's client reaches the API over one h2 connection" \
    '[[ $(mock_metadata chatcmpl-mock-000002) == "{\"reviewed\":\"yes\"}" && $(mock_stat https_connections) == 1 && $(mock_stat h2_connections) == 1 ]]'
  run curl -s "$base/metrics"
  check "and /metrics shows it: 1 connection, 1 of them HTTP/2" \
    'has_out "openai_pool_connections 1" && has_out "openai_pool_http2_connections 1"'
}

echo "== example: $name"
"example_$name"
echo "== $name: $((cases - failures)) of $cases cases passed"
[[ $failures == 0 ]]

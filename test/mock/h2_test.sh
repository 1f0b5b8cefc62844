#!/usr/bin/env bash
# openai-mock over HTTP/2, seen from real HTTP/2 clients (curl --http2, nghttp, h2load) on
# 127.0.0.1: ALPN, updates, many streams on one connection, the stats, and each h2 fault.
# Called as h2_test.sh - OPENAI_MOCK all: the argument order of test/cli's group scripts,
# whose scaffolding (scratch folder, the mock stopped at exit, the helpers) it shares.
source "$(dirname "$0")/../cli/group_script.sh"

for tool in nghttp h2load; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 77; }
done
curl -V | grep -q HTTP2 || { echo "SKIPPED: curl has no HTTP/2"; exit 77; }

auth="authorization: Bearer $key"
id() { printf 'chatcmpl-mock-%06d' "$1"; }
url() { echo "$https_url/chat/completions/$(id "$1")"; }
# script_faults JSON: replaces the steps of the ids it names (POST /__mock/faults).
script_faults() { curl -s -o /dev/null -X POST -d "$1" "http://127.0.0.1:$http_port/__mock/faults"; }
h2curl() { curl -sS --http2 --cacert "$work/ca.pem" -H "$auth" "$@"; }
# nghttp prints every frame (-v); --no-dep: no PRIORITY streams, so requests are 1, 3, 5, ...
h2frames() { nghttp -nv --no-dep -H "$auth" "$@"; }

group_all() {
start_mock 10

# --- ALPN and a plain update ---
run h2curl -o /dev/null -w '%{http_version}' "$https_url/chat/completions?limit=1"
check "a TLS client offering h2 gets HTTP/2" '[[ $rc == 0 && $out == 2 ]]'
run curl -sS --http1.1 --cacert "$work/ca.pem" -H "$auth" -o /dev/null -w '%{http_version}' \
  "$https_url/chat/completions?limit=1"
check "a TLS client offering only http/1.1 gets HTTP/1.1" '[[ $rc == 0 && $out == 1.1 ]]'
run curl -sS --http2 -H "$auth" -o /dev/null -w '%{http_version}' "$http_url/chat/completions?limit=1"
check "plain http:// stays HTTP/1.1" '[[ $rc == 0 && $out == 1.1 ]]'
run curl -sS --http2-prior-knowledge -H "$auth" -o /dev/null -w '%{http_version}' "$http_url/chat/completions?limit=1"
check "plain http:// with prior knowledge (the HTTP/2 preface first) gets h2c" '[[ $rc == 0 && $out == 2 ]]'
run h2frames "$https_url/chat/completions?limit=1"
check "nghttp negotiates h2 and sees SETTINGS_MAX_CONCURRENT_STREAMS 100" \
  'has_out "The negotiated protocol: h2" && has_out "[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]"'

run h2curl -w '\n%{http_version} %{http_code}' -H 'content-type: application/json' \
  -d '{"metadata":{"topic":"h2","n":"1"}}' "$(url 1)"
check "an update over h2 answers 200 with the new metadata" \
  '[[ $rc == 0 ]] && has_out "\"metadata\":{\"topic\":\"h2\",\"n\":\"1\"}" && [[ ${out##*$'"'\n'"'} == "2 200" ]]'
check "the update is stored" '[[ $(mock_metadata "$(id 1)") == "{\"n\":\"1\",\"topic\":\"h2\"}" ]]'
run h2curl -o /dev/null -w '%{http_code}' -H 'authorization: Bearer sk-wrong' "$(url 1)"
check "the key is checked over h2 as over HTTP/1.1" '[[ $out == 401 ]]'
run h2curl -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"metadata":{"k":"'"$(printf 'x%.0s' $(seq 600))"'"}}' "$(url 2)"
check "validation applies over h2 (a 600-character value is a 400)" '[[ $out == *400 ]]'
check "and nothing was stored" '[[ $(mock_metadata "$(id 2)") != *xxxx* ]]'
echo '{"metadata":{}}' >"$work/big.json"
head -c 1100000 /dev/zero | tr '\0' ' ' >>"$work/big.json"
run h2curl -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary @"$work/big.json" "$(url 3)"
check "a body over the limit gets 413 over h2" '[[ $out == 413 ]]'

# --- many streams on one connection ---
start_mock 10
echo '{"metadata":{"batch":"h2load"}}' >"$work/update.json"
run h2load -n 200 -c 1 -m 50 -d "$work/update.json" -H "$auth" -H 'content-type: application/json' \
  "$(url 4)"
check "h2load: 200 updates on one connection, 50 at once, all 2xx" \
  'has_out "Application protocol: h2" && has_out "200 succeeded, 0 failed" && has_out "status codes: 200 2xx"'
check "stats: one h2 connection (one handshake) carried 200 streams" \
  '[[ $(mock_stat h2_connections) == 1 && $(mock_stat h2_streams) == 200 && $(mock_stat tls_handshakes) == 1 && $(mock_stat requests) == 200 ]]'
peak=$(mock_stat h2_peak_streams)
check "streams were served concurrently on that connection (peak $peak, at most 50)" \
  '[[ $peak -gt 1 && $peak -le 50 ]]'
check "the updates were stored" '[[ $(mock_metadata "$(id 4)") == "{\"batch\":\"h2load\"}" ]]'

start_mock 10 --h2-max-streams 7
run h2frames "$https_url/chat/completions?limit=1"
check "--h2-max-streams sets SETTINGS_MAX_CONCURRENT_STREAMS" \
  'has_out "[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7]"'
run h2load -n 100 -c 1 -m 50 -H "$auth" "$(url 5)"
peak=$(mock_stat h2_peak_streams)
served=$(grep -o '[0-9]* succeeded' <<<"$out" | cut -d' ' -f1)
check "with 7 streams allowed, never more than 7 are served at once (peak $peak, $served of 100 served, the rest refused)" \
  'has_out "requests: 100 total, 100 started, 100 done" && [[ $peak -ge 1 && $peak -le 7 && $served -ge 7 ]]'

# --- --http1-only ---
start_mock 10 --http1-only
run h2curl -o /dev/null -w '%{http_version}' "$https_url/chat/completions?limit=1"
check "--http1-only: a client offering h2 gets HTTP/1.1" '[[ $rc == 0 && $out == 1.1 ]]'
run h2frames "$https_url/chat/completions?limit=1"
check "--http1-only: nghttp finds no h2" 'has_err "HTTP/2 protocol was not selected"'
run curl -sS --http2-prior-knowledge -H "$auth" -o /dev/null "$http_url/chat/completions?limit=1"
check "--http1-only: no h2c either (the preface is not HTTP/1.1)" '[[ $rc != 0 ]]'
check "--http1-only: no h2 connection counted" '[[ $(mock_stat h2_connections) == 0 ]]'

# --- h2 faults, each seen by the client ---
start_mock 10
script_faults '{"'"$(id 3)"'": [{"action": "rst_stream", "code": "cancel"}]}'
run h2frames "$(url 1)" "$(url 3)"
check "rst_stream: the stream gets RST_STREAM with the scripted code, the other its answer" \
  'grep -A1 "recv RST_STREAM frame.*stream_id=3>" <<<"$out" | grep -q "error_code=CANCEL(0x08)" && has_out "recv (stream_id=1) :status: 200"'
script_faults '{"'"$(id 3)"'": ["rst_stream"]}'
run h2frames "$(url 3)"
check "rst_stream defaults to REFUSED_STREAM" \
  'grep -A1 "recv RST_STREAM frame" <<<"$out" | grep -q "error_code=REFUSED_STREAM(0x07)"'
script_faults '{"'"$(id 3)"'": ["rst_stream"]}'
echo '{"metadata":{"refused":"yes"}}' >"$work/refused.json"
run h2frames -d "$work/refused.json" "$(url 3)"
check "a refused stream was not processed: the update is not stored" \
  'has_out "REFUSED_STREAM" && [[ $(mock_metadata "$(id 3)") != *refused* ]]'
check "stats count the faults by kind" '[[ $(curl -s "http://127.0.0.1:$http_port/__mock/stats") == *"\"rst_stream\":3"* ]]'

script_faults '{"'"$(id 3)"'": [{"action": "goaway"}]}'
run h2frames "$(url 1)" "$(url 2)" "$(url 3)" "$(url 4)" "$(url 5)"
check "goaway: GOAWAY names the stream before the faulted one (last_stream_id=3)" \
  'grep -A1 "recv GOAWAY frame" <<<"$out" | grep -q "last_stream_id=3, error_code=NO_ERROR(0x00)"'
check "goaway: the streams up to it are answered, the faulted one and later ones are not" \
  'has_out "recv (stream_id=1) :status: 200" && has_out "recv (stream_id=3) :status: 200" && ! has_out "recv (stream_id=5) :status" && ! has_out "recv (stream_id=9) :status" && has_err "total=5, processed=2"'
script_faults '{"'"$(id 1)"'": [{"action": "goaway", "code": "enhance_your_calm"}]}'
run h2frames "$(url 1)"
check "goaway carries the scripted error code (the first stream: last_stream_id=0)" \
  'grep -A1 "recv GOAWAY frame" <<<"$out" | grep -q "last_stream_id=0, error_code=ENHANCE_YOUR_CALM(0x0b)"'

script_faults '{"'"$(id 2)"'": [{"action": "stall_window", "bytes": 10}]}'
run h2frames -t 2 "$(url 1)" "$(url 2)" "$(url 3)"
check "stall_window: the stream gets HEADERS and 10 bytes, then nothing; the others complete" \
  'has_out "recv DATA frame <length=10, flags=0x00, stream_id=3>" && has_err "[ERROR] Timeout" && has_err "total=3, processed=2"'
script_faults '{"'"$(id 2)"'": ["stall_window"]}'
run h2curl -m 2 -o /dev/null "$(url 2)"
check "stall_window: curl times out waiting for the body (exit 28)" '[[ $rc == 28 ]]'

script_faults '{"'"$(id 2)"'": ["drop_connection"]}'
run h2curl -o /dev/null "$(url 2)"
check "drop_connection: curl sees the connection reset mid-stream" '[[ $rc != 0 ]] && has_err "reset"'
before=$(mock_stat h2_connections)
script_faults '{"'"$(id 2)"'": [{"action": "drop_connection", "bytes": 7}]}'
run h2frames "$(url 2)" "$(url 1)"
check "drop_connection: 7 bytes of the body, then the connection is reset: the stream never ends" \
  'has_out "recv DATA frame <length=7, flags=0x00, stream_id=1>" && ! has_out "flags=0x01, stream_id=1>" && has_err "total=2, processed=" && ! has_err "processed=2"'
check "the next connection is served again" \
  '[[ $(h2curl -o /dev/null -w "%{http_code}" "$(url 2)") == 200 && $(mock_stat h2_connections) -gt $before ]]'

script_faults '{"'"$(id 1)"'": ["close_after_response"], "'"$(id 2)"'": [{"action": "delay", "ms": 300}]}'
run h2frames "$(url 2)" "$(url 1)"
check "delay and close_after_response per stream: both answered, then GOAWAY naming the last one" \
  'has_out "recv (stream_id=1) :status: 200" && has_out "recv (stream_id=3) :status: 200" && grep -A1 "recv GOAWAY frame" <<<"$out" | grep -q "last_stream_id=3"'
script_faults '{"'"$(id 1)"'": [{"status": 429, "retry_after_ms": 100}]}'
run h2curl -D - -o /dev/null "$(url 1)"
check "a scripted status is the answer over h2 too" '[[ $out == *"HTTP/2 429"* && $out == *"retry-after-ms: 100"* ]]'
run curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"x": [{"action": "rst_stream", "code": "nope"}]}' \
  "http://127.0.0.1:$http_port/__mock/faults"
check "an unknown HTTP/2 error code in a script is a 400" '[[ $out == 400 ]]'

# --- HTTP/1.1 faults that have an HTTP/2 form ---
script_faults '{"'"$(id 1)"'": ["reset"]}'
run h2frames "$(url 1)"
check "reset over h2: RST_STREAM INTERNAL_ERROR before any answer" \
  'grep -A1 "recv RST_STREAM frame" <<<"$out" | grep -q "error_code=INTERNAL_ERROR(0x02)" && ! has_out "recv (stream_id=1) :status"'
script_faults '{"'"$(id 1)"'": [{"action": "reset_mid_response", "bytes": 9}]}'
run h2frames "$(url 1)"
check "reset_mid_response over h2: HEADERS, 9 bytes of DATA, then RST_STREAM INTERNAL_ERROR" \
  'has_out "recv DATA frame <length=9, flags=0x00, stream_id=1>" && grep -A1 "recv RST_STREAM frame" <<<"$out" | grep -q "error_code=INTERNAL_ERROR(0x02)"'
script_faults '{"'"$(id 1)"'": ["truncate"]}'
run h2frames "$(url 1)"
check "truncate over h2: a content-length above the DATA sent, which the client rejects" \
  'grep -A1 "send RST_STREAM frame" <<<"$out" | grep -q "PROTOCOL_ERROR" && has_err "processed=0"'

# --- the h2 faults over HTTP/1.1 fall back ---
script_faults '{"'"$(id 3)"'": ["rst_stream"]}'
run curl -sS --http1.1 --cacert "$work/ca.pem" -H "$auth" -o /dev/null "$(url 3)"
check "over HTTP/1.1, rst_stream is a connection reset before any answer" '[[ $rc == 52 || $rc == 56 ]]'
script_faults '{"'"$(id 3)"'": ["stall_window"]}'
run curl -sS --http1.1 -m 2 --cacert "$work/ca.pem" -H "$auth" -o /dev/null "$(url 3)"
check "over HTTP/1.1, stall_window holds the body until the client gives up" '[[ $rc == 28 ]]'

# --- stop() with an h2 connection open and idle ---
command -v openssl >/dev/null && {
  sleep 3 | openssl s_client -alpn h2 -connect "127.0.0.1:$https_port" -CAfile "$work/ca.pem" \
    >"$work/s_client.out" 2>&1 &
  client=$!
  for _ in $(seq 50); do grep -aqs "ALPN protocol: h2" "$work/s_client.out" && break; sleep 0.1; done
  kill "$mock_pid"
  wait "$mock_pid"
  rc=$?
  mock_pid=
  check "SIGTERM with an idle h2 connection open: the mock stops cleanly (exit 0)" \
    'grep -aq "ALPN protocol: h2" "$work/s_client.out" && [[ $rc == 0 ]]'
  kill "$client" 2>/dev/null
  wait "$client" 2>/dev/null
}

}

run_group "openai-mock HTTP/2"

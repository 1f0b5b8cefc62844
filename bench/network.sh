#!/usr/bin/env bash
# The real network's rows: a batch at a server's rate limit, and throughput through a long
# round trip, against openai-mock on loopback with --rate-limit and --latency (the mock delays
# each answer without holding a thread; these machines have no tc netem).
#
#   bash bench/network.sh --bin build/bin            # N = 3000 at 200/s, 6400 at 25 ms
#   bash bench/network.sh --bin build/bin --smoke    # small N: proves the rows still work
#
# Rows (a Markdown table on stdout):
#   rate-limited: `openai ... update-many` of N lines at its default concurrency, no --max-rps,
#     against --rate-limit 200/s, against 12000/m, against 200/s dropped to 50/s halfway
#     (through the mock's admin endpoint), and with --max-rps 180 against 200/s. Wall time
#     from process start, the ideal (N / R, or the sum of the two halves), their ratio, the
#     429s as a share of the requests the mock answered, lines ok, and whether anything was
#     applied twice (the mock's updates minus its 429s, beside N).
#   latency: openai-bench, C = 64, N = 6400, --latency 25ms: over HTTP/2 on one connection
#     and over HTTP/1.1 on 64, updates/s from process start as a ratio to C / RTT; p50/p99.
# Servers bind 127.0.0.1 only; every run is bounded in count and in time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$ROOT/build/bin smoke=0 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift ;;
    --smoke) smoke=1 ;;
    --out) out=$2; shift ;;   # also write the table to this file
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "network.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
rl_n=$(( smoke ? 300 : 3000 )) lat_n=$(( smoke ? 640 : 6400 )) lat_c=64 lat_ms=25
log() { printf '== %s\n' "$*" >&2; }

TMP=$(mktemp -d)
mock_pid=""
stop_mock() { if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi; mock_pid=""; }
trap 'stop_mock; rm -rf "$TMP"' EXIT

# start_mock SEED ARGS...: a fresh mock (fresh counters and bucket) on an ephemeral port.
start_mock() {
  local seed=$1; shift
  stop_mock
  rm -f "$TMP/port"
  "$bin/openai-mock" --seed "$seed" --api-key sk-bench --no-http --port-file "$TMP/port" \
    --ca-out "$TMP/ca.pem" "$@" >"$TMP/mock.log" 2>&1 &
  mock_pid=$!
  for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
  [ -s "$TMP/port" ] || { cat "$TMP/mock.log" >&2; echo "network.sh: openai-mock did not start" >&2; exit 1; }
  port=$(cut -d' ' -f1 "$TMP/port")
  url="https://127.0.0.1:$port"
}
stat_of() {  # NAME: a number from the mock's counters
  curl -fs --http1.1 --cacert "$TMP/ca.pem" "$url/__mock/stats" |
    grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2
}
write_input() {  # N: one update per stored completion
  awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
    printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"bench\":\"network\"}}\n", i }' \
    > "$TMP/input.jsonl"
}
json_num() { grep -o "\"$1\":[0-9.e+-]*" "$2" | head -1 | cut -d: -f2; }

rows=()
# rate_row LABEL IDEAL_SECONDS RATE_FOR_RPS_CAP ARGS...: one update-many run, measured from its
# process start by bench-runner.
rate_row() {
  local label=$1 ideal=$2; shift 2
  local measure_ideal=0; [ "$ideal" = drop ] && measure_ideal=1
  local before_req before_429 after_req after_429 wall ok
  before_req=$(stat_of requests) before_429=$(stat_of rate_limited)
  "$bin/bench-runner" --out "$TMP/measured.json" --timeout 300 -- \
    "$bin/openai" chat:completions update-many --input "$TMP/input.jsonl" --base-url "$url/v1" \
    --api-key sk-bench --ca-file "$TMP/ca.pem" --no-progress "$@" >"$TMP/records" 2>"$TMP/err" || true
  after_req=$(stat_of requests) after_429=$(stat_of rate_limited)
  wall=$(json_num wall_s "$TMP/measured.json")
  if [ $measure_ideal = 1 ]; then
    for _ in $(seq 100); do [ -s "$TMP/dropped_at" ] && break; sleep 0.05; done
    ideal=$(awk -v n="$rl_n" -v d="$(cat "$TMP/dropped_at" 2>/dev/null || echo "$rl_n")" \
              'BEGIN { if (d > n) d = n; print d / 200 + (n - d) / 50 }')
  fi
  ok=$(grep -c '"ok":true' "$TMP/records" || true)
  local requests=$(( after_req - before_req )) r429=$(( after_429 - before_429 ))
  local applied=$(( requests - r429 ))
  local summary; summary=$(grep 'update-many:' "$TMP/err" | sed 's/^openai: update-many: //' | tr '|' '/')
  rows+=("$(awk -v l="$label" -v w="$wall" -v i="$ideal" -v q="$requests" -v r="$r429" -v ok="$ok" \
               -v n="$rl_n" -v a="$applied" -v s="$summary" 'BEGIN {
    printf "| %s | %d | %d | %.2f s | %.2f s | %.3f | %d / %d (%.2f %%) | %s | %s |",
      l, n, ok, w, i, w / i, r, q, (q ? 100 * r / q : 0), (a == n ? "no" : "yes: " a " applied"), s }')")
}

log "rate-limited rows (N = $rl_n)"
write_input "$rl_n"
start_mock "$rl_n" --rate-limit 200/s
rate_row "200/s" "$(awk -v n="$rl_n" 'BEGIN { print n / 200 }')"
start_mock "$rl_n" --rate-limit 12000/m
rate_row "12000/m" "$(awk -v n="$rl_n" 'BEGIN { print n / 200 }')"
start_mock "$rl_n" --rate-limit 200/s
# The limit drops to a quarter once half the lines went through.
# The ideal is then the lines done before the drop at 200/s and the rest at 50/s; the number
# done when the drop came is in $TMP/dropped_at (polling the counters lags a little).
( for _ in $(seq 3000); do
    done_now=$(( $(stat_of requests) - $(stat_of rate_limited) ))
    if [ "$done_now" -ge $(( rl_n / 2 )) ]; then
      curl -fs --http1.1 --cacert "$TMP/ca.pem" -X POST -H 'content-type: application/json' \
        -d '{"rate":"50/s"}' "$url/__mock/rate-limit" >/dev/null
      echo $(( $(stat_of requests) - $(stat_of rate_limited) )) > "$TMP/dropped_at"
      break
    fi
    sleep 0.02
  done ) &
dropper=$!
# The ideal is known once the run is over: rate_row takes it as an expression of $dropped.
rate_row "200/s, then 50/s" "drop"
wait "$dropper" || true
start_mock "$rl_n" --rate-limit 200/s
rate_row "200/s, --max-rps 180" "$(awk -v n="$rl_n" 'BEGIN { print n / 180 }')" --max-rps 180

log "latency rows (N = $lat_n, C = $lat_c, ${lat_ms} ms)"
lat_rows=()
lat_row() {  # LABEL ARGS...
  local label=$1; shift
  start_mock 1000 --latency "${lat_ms}ms"
  local before; before=$(stat_of tls_handshakes)
  "$bin/bench-runner" --out "$TMP/measured.json" --timeout 300 -- \
    "$bin/openai-bench" --n "$lat_n" --c "$lat_c" --base-url "$url/v1" --api-key sk-bench \
    --ca-file "$TMP/ca.pem" "$@" >"$TMP/bench.json" 2>"$TMP/err" || true
  local conns=$(( $(stat_of tls_handshakes) - before - 1 ))
  local wall p50 p99
  wall=$(json_num wall_s "$TMP/measured.json")
  p50=$(json_num p50_us "$TMP/bench.json") p99=$(json_num p99_us "$TMP/bench.json")
  lat_rows+=("$(awk -v l="$label" -v n="$lat_n" -v c="$lat_c" -v d="$lat_ms" -v w="$wall" \
                   -v p50="$p50" -v p99="$p99" -v k="$conns" 'BEGIN {
    ideal = c / (d / 1000); got = n / w
    printf "| %s | %d | %d | %d | %.0f /s | %.0f /s | %.3f | %.1f ms | %.1f ms |",
      l, n, c, k, got, ideal, got / ideal, p50 / 1000, p99 / 1000 }')")
}
lat_row "openai-bench HTTP/2, 1 connection" --http2 --max-connections 1
lat_row "openai-bench HTTP/1.1, $lat_c connections" --http1
stop_mock

{
  echo "### At the rate limit (openai-mock --rate-limit; update-many, default concurrency)"
  echo
  echo "| limit | lines | ok | wall (from process start) | ideal N/R | ratio | 429s / requests | applied twice | summary |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "### Through a ${lat_ms} ms round trip (openai-mock --latency ${lat_ms}ms)"
  echo
  echo "| client | N | C | connections | updates/s (from process start) | C/RTT | ratio | p50 | p99 |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${lat_rows[@]}"
} | tee ${out:+"$out"}

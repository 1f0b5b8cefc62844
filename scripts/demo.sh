#!/usr/bin/env bash
# The main job, end to end: build, start openai-mock over HTTPS with 10,000 stored completions
# and a small random fault rate, tag every one of them with `openai chat:completions
# update-many` (progress bar on), check with a metadata-filtered list that all of them carry the
# tag, and print what it took: updates per second, retries, TLS handshakes.
#   DEMO_COUNT=N       completions (default 10000)
#   DEMO_FAULT_RATE=R  share of API requests the mock fails with a 429/503/500/reset (0.02)
#   DEMO_SKIP_SETUP=1  use the binaries already in DEMO_BIN (default build/bin) as they are
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${DEMO_SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh

bin=${DEMO_BIN:-build/bin}
count=${DEMO_COUNT:-10000}
fault_rate=${DEMO_FAULT_RATE:-0.02}
work=$(mktemp -d)
trap 'kill "${mock_pid:-}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
key="sk-demo-$RANDOM$RANDOM"

"$bin/openai-mock" --seed "$count" --api-key "$key" --ca-out "$work/ca.pem" \
  --port-file "$work/ports" --fault-rate "$fault_rate" --fault-seed 42 2>"$work/mock.log" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.1; done
read -r port http_port <"$work/ports"
# The counters come over the mock's plain-HTTP port, so reading them adds no TLS handshake.
stat() {
  curl -s "http://127.0.0.1:$http_port/__mock/stats" | grep -o "\"$1\":[0-9]*" | head -1 |
    cut -d: -f2
}

# What a user types, pointed at the mock: the key, the base URL and the CA to trust.
export OPENAI_API_KEY=$key OPENAI_BASE_URL="https://127.0.0.1:$port/v1"
openai() { "$bin/openai" --ca-file "$work/ca.pem" --max-retries 6 "$@"; }

echo "== openai-mock: $count stored completions at $OPENAI_BASE_URL, fault rate $fault_rate"
echo "== openai chat:completions list --limit 100 --format jsonl > completions.jsonl"
openai chat:completions list --limit 100 --format jsonl >"$work/completions.jsonl"
echo "   $(wc -l <"$work/completions.jsonl") completions listed"

echo "== openai chat:completions update-many --input completions.jsonl --set experiment=b7 --progress"
handshakes_before=$(stat tls_handshakes)
faults_before=$(stat faults_injected)
status=0
openai chat:completions update-many --input "$work/completions.jsonl" --set experiment=b7 \
  --output "$work/records.jsonl" --progress 2> >(tee "$work/summary" >&2) || status=$?
tee_pid=$!
wait "$tee_pid" 2>/dev/null || true  # the summary line is in the file once tee is done
handshakes=$(($(stat tls_handshakes) - handshakes_before))
faults=$(($(stat faults_injected) - faults_before))
echo "   exit status $status; $(grep -c '"ok":true' "$work/records.jsonl") records ok of $(wc -l <"$work/records.jsonl")"

echo "== openai chat:completions list --limit 100 --metadata experiment=b7 | wc -l"
tagged=$(openai chat:completions list --limit 100 --metadata experiment=b7 --format jsonl | wc -l)
echo "   $tagged of $count completions carry experiment=b7"

summary=$(grep "openai: update-many:" "$work/summary" | tail -1)
rate=$(grep -o '[0-9]* updates/s' <<<"$summary")
retries=$(grep -o '[0-9]* retries' <<<"$summary")
echo "== summary: $count completions tagged at $rate, $retries after $faults injected faults," \
  "$handshakes TLS handshakes"
[ "$status" = 0 ] && [ "$tagged" = "$count" ]

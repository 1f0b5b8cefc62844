#!/usr/bin/env bash
# The main job: build, start openai-mock over HTTPS with seeded completions, tag them all
# through the library, and show what the mock saw (requests, TLS handshakes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

count=${DEMO_COUNT:-2000}
work=$(mktemp -d)
trap 'kill "${mock_pid:-}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
key="sk-demo-$RANDOM$RANDOM"

build/bin/openai-mock --seed "$count" --api-key "$key" --ca-out "$work/ca.pem" \
  --port-file "$work/ports" --no-http --threads 1 2>"$work/mock.log" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.1; done
read -r port _ <"$work/ports"
echo "== openai-mock serving $count stored completions at https://127.0.0.1:$port/v1"

echo "== tagging every completion with experiment=b7"
OPENAI_API_KEY=$key OPENAI_BASE_URL="https://127.0.0.1:$port/v1" SSL_CERT_FILE="$work/ca.pem" \
  build/bin/demo_tagging --count "$count" --tag experiment=b7

echo "== what openai-mock saw"
stats=$(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port/__mock/stats")
field() { echo "$stats" | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }
echo "requests: $(field requests), TLS handshakes: $(field tls_handshakes)"

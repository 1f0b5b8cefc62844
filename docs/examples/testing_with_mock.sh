#!/usr/bin/env bash
# Runs a test program against a fresh openai-mock: 5 stored completions, its own CA, ports
# chosen by the system. Usage: testing_with_mock.sh TEST_PROGRAM
set -euo pipefail
work=$(mktemp -d)
openai-mock --seed 5 --api-key sk-test --ca-out "$work/ca.pem" --port-file "$work/ports" \
  2>"$work/mock.log" &
mock=$!
trap 'kill $mock; rm -rf "$work"' EXIT
while [ ! -s "$work/ports" ]; do sleep 0.05; done   # the mock writes its ports once listening
read -r https_port http_port <"$work/ports"

OPENAI_API_KEY=sk-test OPENAI_BASE_URL="https://127.0.0.1:$https_port/v1" \
  SSL_CERT_FILE="$work/ca.pem" "$1"
# The mock's own view, over plain HTTP: what was stored, how many requests arrived.
curl -s "http://127.0.0.1:$http_port/__mock/metadata/chatcmpl-mock-000001"; echo
curl -s "http://127.0.0.1:$http_port/__mock/stats"; echo

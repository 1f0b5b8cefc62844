#!/usr/bin/env bash
# Installs the library to a temporary prefix, builds the quickstart example as a separate
# project with find_package(openai_asio), and runs it against openai-mock over TLS.
# Usage: run.sh <build-dir> <source-dir>
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'kill "${mock_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
# The command line comes with its bash completion and man page.
[[ -x $work/prefix/bin/openai ]] || { echo "FAIL: bin/openai not installed"; exit 1; }
completion=$work/prefix/share/bash-completion/completions/openai
[[ -s $completion ]] && bash -c 'source "$1" && complete -p openai' _ "$completion" >/dev/null ||
  { echo "FAIL: the bash completion is not installed or does not load"; exit 1; }
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$work/prefix/share/man/man1/openai.1" 2>/dev/null | grep -q -- "--transform" ||
    { echo "FAIL: the man page is not installed or does not render"; exit 1; }
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$source/test/install" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DQUICKSTART_SOURCE="$source/examples/quickstart.cpp" "${launcher[@]}" >/dev/null
cmake --build "$work/consumer" >/dev/null

"$build/bin/openai-mock" --seed 3 --api-key sk-install-test --ca-out "$work/ca.pem" \
  --port-file "$work/ports" --no-http 2>"$work/mock.log" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.1; done
read -r https_port _ <"$work/ports"

out=$(OPENAI_API_KEY=sk-install-test OPENAI_BASE_URL="https://127.0.0.1:$https_port/v1" \
  SSL_CERT_FILE="$work/ca.pem" "$work/consumer/quickstart" chatcmpl-mock-000002)
echo "$out"
[[ "$out" == "chatcmpl-mock-000002 "*" bar req_"* ]]

#!/usr/bin/env bash
# --format json's layout against the official CLI's: builds the oracle over Debian's golang-go
# and golang-github-tidwall-pretty-dev (offline, GOPATH mode) and compares every corpus line.
#   conformance.sh JSON_LAYOUT_COMPARE
compare=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../go_oracle.sh"
build_go_oracle github.com/tidwall/pretty golang-github-tidwall-pretty-dev "$here/oracle.go"
# The corpus, and the gjson corpus's documents, each on one line.
{ cat "$here/corpus.txt"; for f in "$here"/../gjson/*.json; do tr -d '\n' <"$f"; echo; done; } \
  >"$work/corpus.txt"
"$work/oracle" "$work/corpus.txt" >"$work/expected.txt" || exit 1
"$compare" "$work/corpus.txt" "$work/expected.txt"

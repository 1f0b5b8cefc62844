#!/usr/bin/env bash
# --format json's layout against the official CLI's: builds the oracle over Debian's golang-go
# and golang-github-tidwall-pretty-dev (offline, GOPATH mode) and compares every corpus line.
#   conformance.sh JSON_LAYOUT_COMPARE
set -u
compare=$1
here=$(cd "$(dirname "$0")" && pwd)
gopath=/usr/share/gocode
command -v go >/dev/null || { echo "SKIPPED: go is not installed (apt-get install golang-go)"; exit 77; }
[[ -d $gopath/src/github.com/tidwall/pretty ]] ||
  { echo "SKIPPED: golang-github-tidwall-pretty-dev is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
GO111MODULE=off GOPATH=$gopath GOCACHE=$work/cache GOFLAGS= go build -o "$work/oracle" \
  "$here/oracle.go" || { echo "FAIL: the oracle does not build"; exit 1; }
# The corpus, and the gjson corpus's documents, each on one line.
{ cat "$here/corpus.txt"; for f in "$here"/../gjson/*.json; do tr -d '\n' <"$f"; echo; done; } \
  >"$work/corpus.txt"
"$work/oracle" "$work/corpus.txt" >"$work/expected.txt" || exit 1
"$compare" "$work/corpus.txt" "$work/expected.txt"

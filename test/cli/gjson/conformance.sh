#!/usr/bin/env bash
# GJSON conformance: builds the reference implementation's oracle (Debian's golang-go and
# golang-github-tidwall-gjson-dev, offline, GOPATH mode) and compares every path of paths.txt.
#   conformance.sh GJSON_COMPARE
set -u
compare=$1
here=$(cd "$(dirname "$0")" && pwd)
gopath=/usr/share/gocode
command -v go >/dev/null || { echo "SKIPPED: go is not installed (apt-get install golang-go)"; exit 77; }
[[ -d $gopath/src/github.com/tidwall/gjson ]] ||
  { echo "SKIPPED: golang-github-tidwall-gjson-dev is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
GO111MODULE=off GOPATH=$gopath GOCACHE=$work/cache GOFLAGS= go build -o "$work/oracle" \
  "$here/oracle.go" || { echo "FAIL: the oracle does not build"; exit 1; }
"$work/oracle" "$here" "$here/paths.txt" >"$work/expected.tsv" || exit 1
"$compare" "$here" "$work/expected.tsv"

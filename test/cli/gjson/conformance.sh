#!/usr/bin/env bash
# GJSON conformance: builds the reference implementation's oracle (Debian's golang-go and
# golang-github-tidwall-gjson-dev, offline, GOPATH mode) and compares every path of paths.txt.
#   conformance.sh GJSON_COMPARE
compare=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../go_oracle.sh"
build_go_oracle github.com/tidwall/gjson golang-github-tidwall-gjson-dev "$here/oracle.go"
"$work/oracle" "$here" "$here/paths.txt" >"$work/expected.tsv" || exit 1
"$compare" "$here" "$work/expected.tsv"

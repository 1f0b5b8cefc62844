# Sourced by the conformance scripts that run a Go reference implementation as their oracle:
#   build_go_oracle PACKAGE DEBIAN_PACKAGE ORACLE.go
# Skips (exit 77) when Go or the package's sources are absent; else builds ORACLE.go offline in
# GOPATH mode against Debian's /usr/share/gocode into $work/oracle ($work: a scratch folder
# removed at exit).
set -u
build_go_oracle() {
  local package=$1 debian_package=$2 source=$3 gopath=/usr/share/gocode
  command -v go >/dev/null || { echo "SKIPPED: go is not installed (apt-get install golang-go)"; exit 77; }
  [[ -d $gopath/src/$package ]] || { echo "SKIPPED: $debian_package is not installed"; exit 77; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  GO111MODULE=off GOPATH=$gopath GOCACHE=$work/cache GOFLAGS= go build -o "$work/oracle" \
    "$source" || { echo "FAIL: the oracle does not build"; exit 1; }
}

#!/usr/bin/env bash
# The layering check must fail on each kind of violation: copies of lib/ and include/ with one
# bad include each, checked one by one.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect_refused() {  # NAME FILE LINE
  rm -rf "$work/tree" && mkdir -p "$work/tree" && cp -r "$root/lib" "$root/include" "$work/tree/"
  sed -i "1i $3" "$work/tree/$2"
  if bash "$here/check_layers.sh" "$work/tree" >"$work/out" 2>&1; then
    echo "FAIL: $1: not refused"
    failures=$((failures + 1))
  else
    echo "ok: $1: $(grep -m1 '^layering: ' "$work/out")"
  fi
}

expect_refused "http includes api" lib/http/render.cpp '#include "api/classify.hpp"'
expect_refused "transport includes api" lib/transport/connection.cpp '#include "api/endpoints.hpp"'
expect_refused "api includes the call pipeline" lib/api/to_result.cpp '#include "client_impl.hpp"'
expect_refused "support includes http" lib/support/text.cpp '#include "http/url.hpp"'
expect_refused "transport includes the client" lib/transport/connection_pool.hpp '#include <openai/client.hpp>'
expect_refused "a public header includes lib/" include/openai/client.hpp '#include "client_impl.hpp"'
expect_refused "a public header includes Beast" include/openai/error.hpp '#include <boost/beast/http.hpp>'
expect_refused "a file in no layer" lib/http/render.cpp '#include "stray.hpp"'
((failures == 0)) && echo "detects_violations: every kind refused"
exit $((failures > 0))

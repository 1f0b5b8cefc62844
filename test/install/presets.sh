#!/usr/bin/env bash
# Every preset of CMakePresets.json configures (into a scratch folder, not its own build dir)
# with the build type and sanitizer the scripts rely on: setup.sh uses "release",
# sanitizers.sh "asan" and "tsan".
# Usage: presets.sh SOURCE_DIR
set -euo pipefail
source=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$source"

failures=0
expect() {  # expect PRESET BUILD_TYPE FLAG_PATTERN
  local preset=$1 type=$2 pattern=$3 cache=$work/$1/CMakeCache.txt
  if ! cmake --preset "$preset" -B "$work/$preset" -DOPENAI_ASIO_BUILD_TESTS=OFF \
       >"$work/$preset.log" 2>&1; then
    echo "FAIL: preset $preset does not configure"; cat "$work/$preset.log"
    failures=$((failures + 1)); return
  fi
  grep -qx "CMAKE_BUILD_TYPE:STRING=$type" "$cache" &&
    grep -Eq "^CMAKE_CXX_FLAGS:STRING=$pattern" "$cache" ||
    { echo "FAIL: preset $preset: not $type with flags $pattern"; failures=$((failures + 1)); return; }
  echo "ok: $preset"
}
expect release RelWithDebInfo '$'
expect debug Debug '$'
expect asan Debug '.*-fsanitize=address,undefined'
expect tsan Debug '.*-fsanitize=thread'
[[ $(cmake --list-presets | grep -c '^  "') == 4 ]] || { echo "FAIL: not 4 presets"; exit 1; }
exit "$failures"

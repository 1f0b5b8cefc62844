#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine is missing, then configures and builds into build/
# (the "release" preset).
# Safe to run again: installs nothing that is already there, and rebuilds incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."
# Lets ccache cache translation units that use precompiled headers (it hashes the .gch).
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}
# Paths relative to the checkout, so a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}

packages=(build-essential cmake ccache git curl ca-certificates libssl-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev
  clang-14 libclang-rt-14-dev llvm-14
  pkgconf file lintian doxygen
  libyaml-cpp-dev libfyaml-dev golang-go golang-github-tidwall-gjson-dev golang-github-tidwall-pretty-dev man-db bsdutils zsh fish
  tinyproxy nghttp2-client libnghttp2-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The "release" preset of CMakePresets.json (RelWithDebInfo into build/): `cmake --preset
# release` reproduces this configuration. BUILD_TYPE overrides the build type.
echo "== building (${BUILD_TYPE:-RelWithDebInfo}) in build/"
cmake --preset release ${BUILD_TYPE:+-DCMAKE_BUILD_TYPE="$BUILD_TYPE"} >/dev/null
cmake --build build -j"$(nproc)"

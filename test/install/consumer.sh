#!/usr/bin/env bash
# Builds the quickstart example as a user's project would, then runs it against openai-mock over
# TLS. One way of consuming the library per mode:
#
#   find_package      the CMake package of an installed prefix
#   pkg-config        c++ $(pkg-config --cflags --libs openai-asio) against an installed prefix
#   add_subdirectory  the source tree vendored into the user's project
#   fetchcontent      FetchContent_Declare(SOURCE_DIR <checkout>) + FetchContent_MakeAvailable
#
# Usage: consumer.sh MODE BUILD_DIR SOURCE_DIR [PREFIX]
# Without PREFIX the two installed modes first install BUILD_DIR into a scratch prefix.
# OPENAI_MOCK names the mock to run (default BUILD_DIR/bin/openai-mock).
set -euo pipefail
mode=$1 build=$(realpath "$2") source=$(realpath "$3") prefix=${4:-}
mock=${OPENAI_MOCK:-$build/bin/openai-mock}
quickstart_source=$source/examples/quickstart.cpp
work=$(mktemp -d)
trap 'kill "${mock_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The consumer builds reuse the ccache as setup.sh configures it. The consumers that build the
# library from source do so in fixed folders under BUILD_DIR at the same depth, without
# optimization or debug info (the fastest compile: these tests are about the build, not the
# code), and the working directory is left out of the hash, so the second of them, a rerun or
# a fresh clone hits the cache.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$source}
export CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

if [[ -z $prefix && ( $mode == find_package || $mode == pkg-config ) ]]; then
  prefix=$work/prefix
  cmake --install "$build" --prefix "$prefix" >/dev/null
  if [[ $mode == find_package ]]; then
    # The command line comes with its bash completion and man page.
    [[ -x $prefix/bin/openai ]] || { echo "FAIL: bin/openai not installed"; exit 1; }
    completion=$prefix/share/bash-completion/completions/openai
    [[ -s $completion ]] && bash -c 'source "$1" && complete -p openai' _ "$completion" >/dev/null ||
      { echo "FAIL: the bash completion is not installed or does not load"; exit 1; }
    if command -v man >/dev/null; then
      MANWIDTH=80 man -l "$prefix/share/man/man1/openai.1" 2>/dev/null | grep -q -- "--transform" ||
        { echo "FAIL: the man page is not installed or does not render"; exit 1; }
    fi
  fi
fi

case $mode in
  find_package)
    cmake -S "$source/test/install/find_package" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
      -DQUICKSTART_SOURCE="$quickstart_source" "${launcher[@]}" >/dev/null
    cmake --build "$work/consumer" >/dev/null
    quickstart=$work/consumer/quickstart
    ;;
  pkg-config)
    pc_dir=$(dirname "$(find "$prefix" -name openai-asio.pc -print -quit)")
    export PKG_CONFIG_PATH=$pc_dir
    version=$(pkg-config --modversion openai-asio)
    expected=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
    [[ $version == "$expected" ]] || { echo "openai-asio.pc says $version, CMake $expected" >&2; exit 1; }
    read -ra flags < <(pkg-config --cflags --libs openai-asio)
    ${launcher:+ccache} c++ -std=c++20 -o "$work/quickstart" "$quickstart_source" "${flags[@]}"
    quickstart=$work/quickstart
    ;;
  add_subdirectory | fetchcontent)
    # Compiled with ccache in front of the compiler, not as CMAKE_CXX_COMPILER_LAUNCHER: the
    # add_subdirectory consumer checks that the library sets no launcher of its own.
    compiler=c++
    [[ -x /usr/lib/ccache/c++ ]] && compiler=/usr/lib/ccache/c++
    consumer=$build/consumers/$mode
    rm -rf "$consumer"
    cmake -S "$source/test/install/$mode" -B "$consumer" -DCMAKE_BUILD_TYPE= \
      -DCMAKE_CXX_COMPILER="$compiler" -DOPENAI_ASIO_SOURCE_DIR="$source" \
      -DQUICKSTART_SOURCE="$quickstart_source" >/dev/null
    cmake --build "$consumer" -j"$(nproc)" >/dev/null
    quickstart=$consumer/quickstart
    ;;
  *) echo "unknown mode: $mode" >&2; exit 2 ;;
esac

"$mock" --seed 3 --api-key sk-install-test --ca-out "$work/ca.pem" \
  --port-file "$work/ports" --no-http 2>"$work/mock.log" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.1; done
read -r https_port _ <"$work/ports"

out=$(OPENAI_API_KEY=sk-install-test OPENAI_BASE_URL="https://127.0.0.1:$https_port/v1" \
  SSL_CERT_FILE="$work/ca.pem" "$quickstart" chatcmpl-mock-000002)
echo "$mode: $out"
[[ "$out" == "chatcmpl-mock-000002 "*" bar req_"* ]]

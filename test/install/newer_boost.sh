#!/usr/bin/env bash
# The installed CMake package accepts a Boost newer than 1.81 (as Ubuntu 24.04, Fedora or vcpkg
# have). No newer Boost is installed here, so a stand-in package reports itself as 1.99.0 and
# hands out the real 1.81 component targets; configuring the find_package consumer against it
# must succeed (a config asking for exactly 1.81 fails here).
# Usage: newer_boost.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1") source=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
stub=$work/boost/lib/cmake/Boost-1.99.0
mkdir -p "$stub"
cat >"$stub/BoostConfigVersion.cmake" <<'CMAKE'
set(PACKAGE_VERSION 1.99.0)
if(PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
CMAKE
cat >"$stub/BoostConfig.cmake" <<'CMAKE'
set(Boost_VERSION 1.99.0)
message(STATUS "Found the stand-in Boost ${Boost_VERSION}")
foreach(component headers ${Boost_FIND_COMPONENTS})
  find_package(boost_${component} CONFIG REQUIRED)
endforeach()
set(Boost_FOUND TRUE)
CMAKE

if ! cmake -S "$source/test/install/find_package" -B "$work/consumer" \
     -DCMAKE_PREFIX_PATH="$work/prefix" -DBoost_DIR="$stub" \
     -DQUICKSTART_SOURCE="$source/examples/quickstart.cpp" >"$work/configure.log" 2>&1; then
  cat "$work/configure.log" >&2
  exit 1
fi
grep -q "Found the stand-in Boost 1.99.0" "$work/configure.log" || {
  echo "the consumer did not use the stand-in Boost 1.99.0" >&2
  exit 1
}
echo "find_package(openai_asio) accepted Boost 1.99.0"

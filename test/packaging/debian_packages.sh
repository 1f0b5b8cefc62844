#!/usr/bin/env bash
# Builds the Debian packages with CPack, checks their control fields, unpacks them into a
# scratch root (dpkg -x, nothing is installed on the machine), runs openai --version and the
# mock from there, builds the quickstart against the unpacked libopenai-asio-dev (CMake package
# and pkg-config), and runs lintian, which must report no error (E:); its warnings are printed.
# Usage: debian_packages.sh BUILD_DIR SOURCE_DIR EXPECT_SHELL_DOCS(0|1)
set -euo pipefail
build=$(realpath "$1") source=$(realpath "$2") expect_shell_docs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

out=$build/packages
rm -rf "$out"
(cd "$build" && cpack -G DEB -B "$out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
dev=$(ls "$out"/libopenai-asio-dev_*.deb) tools=$(ls "$out"/openai-asio-tools_*.deb)

field() { dpkg-deb -f "$1" "$2"; }
for deb in "$dev" "$tools"; do
  [[ $(field "$deb" Version) == "$version-1" ]] && ok "$(basename "$deb"): version $version-1" ||
    fail "$(basename "$deb"): Version $(field "$deb" Version), CMake says $version"
done
depends=$(field "$dev" Depends)
for p in libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev; do
  [[ $depends == *"$p"* ]] || fail "libopenai-asio-dev does not depend on $p: $depends"
done
depends=$(field "$tools" Depends)
for p in libboost-json1.81.0 libboost-url1.81.0 libssl3 libstdc++6; do
  [[ $depends == *"$p"* ]] || fail "openai-asio-tools does not depend on $p: $depends"
done
ok "Depends: $(field "$dev" Depends) / $depends"

root=$work/root
dpkg -x "$dev" "$root"
dpkg -x "$tools" "$root"
for f in usr/include/openai/client.hpp usr/include/openai/version.hpp usr/lib/libopenai_asio.a \
         usr/lib/cmake/openai_asio/openai_asio-config.cmake usr/lib/pkgconfig/openai-asio.pc \
         usr/bin/openai usr/bin/openai-mock; do
  [[ -e $root/$f ]] || fail "missing /$f"
done
for package in libopenai-asio-dev openai-asio-tools; do
  for f in copyright changelog.gz changelog.Debian.gz; do
    [[ -s $root/usr/share/doc/$package/$f ]] || fail "missing /usr/share/doc/$package/$f"
  done
done
if [[ $expect_shell_docs == 1 ]]; then
  [[ -s $root/usr/share/man/man1/openai.1.gz ]] || fail "missing the man page openai.1.gz"
  [[ -s $root/usr/share/bash-completion/completions/openai ]] || fail "missing the bash completion"
fi

got=$("$root/usr/bin/openai" --version)
[[ $got == "openai $version (openai-asio $version)"* ]] && ok "unpacked openai --version: $got" ||
  fail "unpacked openai --version says: $got"

# The quickstart against the unpacked dev package, run against the unpacked mock.
for mode in find_package pkg-config; do
  OPENAI_MOCK=$root/usr/bin/openai-mock bash "$source/test/install/consumer.sh" "$mode" \
    "$build" "$source" "$root/usr" || fail "the $mode consumer of the unpacked package"
done

# lintian refuses nothing as root, it only says so; its tags go to the log either way.
lintian --tag-display-limit 0 "$dev" "$tools" >"$work/lintian.log" 2>&1 || true
grep -v "running with root privileges" "$work/lintian.log" | sed 's/^/lintian: /'
if grep -q '^E:' "$work/lintian.log"; then fail "lintian reports errors"; else ok "lintian: no errors"; fi
exit "$failures"

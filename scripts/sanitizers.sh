#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), then the
# concurrency tests under ThreadSanitizer (build-tsan/). Any sanitizer report fails the script.
#
#   bash scripts/sanitizers.sh            # both
#   bash scripts/sanitizers.sh asan       # only ASan+UBSan
#   bash scripts/sanitizers.sh tsan       # only TSan
#
# The sanitizer flags go in on the cmake command line of these build directories only; the
# CMakeLists stay free of them. Environment: JOBS (parallel compiles, default nproc),
# TSAN_TESTS (extra Boost.Test filters for the TSan run, space separated).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${JOBS:-$(nproc)}
what=${1:-all}

# Only a machine that lacks the packages runs setup.sh (it installs them, then builds build/).
# Otherwise build/ is left alone: it may be in use.
for p in g++ cmake ccache libssl-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    bash scripts/setup.sh
    break
  }
done

# Debug keeps assertions (Boost's and ours) on; -O1 keeps the instrumented tests fast enough.
common_flags="-O1 -g -fno-omit-frame-pointer"

run_asan() {
  echo "== ASan+UBSan: building in build-asan/"
  local flags="$common_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null || return 1
  cmake --build build-asan -j"$jobs" || return 1

  # Not run here: install (a plain build of the package), contract (a network peer), and what
  # measures memory or speed (ASan's shadow memory and quarantine make those numbers meaningless).
  echo "== ASan+UBSan: running the test suite (without install, contract and memory/speed tests)"
  # halt_on_error: the first report ends the test with a failure, it is never just logged.
  (cd build-asan &&
    ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87" \
    LSAN_OPTIONS="exitcode=88" \
    ctest --output-on-failure -j"$jobs" --timeout 900 \
      -LE '^(install|contract|memory|bench|perf)$' -E '[.]memory$')
}

# The Boost.Test case filters TSan runs: the named tests that share one client across a
# multi-threaded io_context, every test whose name says "thread" or "concurren", and every test
# decorated with boost::unit_test::label("tsan") (selected with "@tsan").
tsan_filters() {
  local binary=$1
  local -a filters=(
    update_completion/one_client_serves_a_four_thread_io_context
    update_completion/thousand_concurrent_updates_through_a_pool_of_eight
  )
  # --list_content prints "suite*" and indented "case*" lines (to stderr) and ignores
  # --run_test, so labels cannot be listed: "@tsan" is simply tried.
  local suite="" line name
  while IFS= read -r line; do
    name=${line%%\**}
    name=${name%%:*}
    if [[ $line != " "* ]]; then
      suite=$name
    else
      name=${name#"${name%%[! ]*}"}
      if [[ $name == *thread* || $name == *concurren* ]]; then filters+=("$suite/$name"); fi
    fi
  done < <("$binary" --list_content 2>&1 || true)
  filters+=("@tsan")  # skipped below when no test carries the label
  filters+=(${TSAN_TESTS:-})
  printf '%s\n' "${filters[@]}" | awk '!seen[$0]++'
}

run_tsan() {
  echo "== TSan: building the integration tests in build-tsan/"
  # -Wno-tsan: g++ warns on every Asio atomic_thread_fence, which TSan does not model; Asio's
  # ordering also goes through mutexes it does see, and real races are still reported at run time.
  local flags="$common_flags -fsanitize=thread -Wno-tsan"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
    -DOPENAI_ASIO_BUILD_EXAMPLES=OFF >/dev/null || return 1
  # openai_trust_store_tests: its own process (it sets SSL_CERT_FILE / SSL_CERT_DIR).
  cmake --build build-tsan -j"$jobs" --target openai_integration_tests openai_trust_store_tests ||
    return 1

  # (errexit is off inside a function called with ||: every failure is returned explicitly.)
  # Uninstrumented OpenSSL/Boost internals only; see test/tsan.supp. Never our own code.
  export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:history_size=4:suppressions=$root/test/tsan.supp"
  local failed=0 filter binary
  local log=build-tsan/tsan-run.log
  for binary in build-tsan/bin/openai_integration_tests build-tsan/bin/openai_trust_store_tests; do
    local -a filters
    mapfile -t filters < <(tsan_filters "$binary")
    for filter in "${filters[@]}"; do
      echo "== TSan: ${binary##*/} $filter"
      if "$binary" --run_test="$filter" --log_level=test_suite >"$log" 2>&1; then
        # Which cases ran, so the log shows that a filter (a label above all) selected something.
        sed -n 's/.*Leaving test case "\([^"]*\)"; testing time: \([0-9]*[mu]s\).*/  ran \1 (\2)/p' "$log"
        tail -3 "$log"
      elif grep -q "no test cases matching filter" "$log"; then
        echo "(no test matches)"
      else
        cat "$log"
        echo "!! TSan: $filter failed"
        failed=1
      fi
    done
  done
  return "$failed"
}

failed=()
case $what in
  all) run_asan || failed+=(asan); run_tsan || failed+=(tsan) ;;
  asan) run_asan || failed+=(asan) ;;
  tsan) run_tsan || failed+=(tsan) ;;
  *) echo "usage: $0 [all|asan|tsan]" >&2; exit 2 ;;
esac
if [ ${#failed[@]} -gt 0 ]; then
  echo "== sanitizers: FAILED: ${failed[*]}"
  exit 1
fi
echo "== sanitizers: clean"

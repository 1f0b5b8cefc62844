#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz with clang (build-fuzz/) and runs each for a bounded
# time on a fresh copy of its seed corpus (test/fuzz/corpus/<target>/). Any crash, sanitizer
# report, failed invariant, leak, timeout or out-of-memory fails the script, leaving the input
# in build-fuzz/artifacts/.
#
#   bash scripts/fuzz.sh                       # every target, FUZZ_SECONDS (60) each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh metadata_id
#   build-fuzz/fuzz_metadata_id build-fuzz/artifacts/metadata_id-crash-...   # replay one input
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-$(nproc)}
clang=${FUZZ_CXX:-clang++-14}

# Only a machine that lacks the packages runs setup.sh (it installs them, then builds build/).
for p in clang-14 libclang-rt-14-dev cmake libboost1.81-dev libnghttp2-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    bash scripts/setup.sh
    break
  }
done

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(completion error_body metadata_id h2_session)

echo "== fuzz: building in build-fuzz/ with $clang"
cmake -S test/fuzz -B build-fuzz -DCMAKE_CXX_COMPILER="$clang" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]/#/fuzz_}"

# Symbolized stacks in the reports.
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
[ -z "$symbolizer" ] || export ASAN_SYMBOLIZER_PATH=$symbolizer
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}"

mkdir -p build-fuzz/artifacts
failed=()
for t in "${targets[@]}"; do
  # The seeds stay untouched; what the run discovers goes to a scratch copy.
  work=build-fuzz/corpus/$t
  rm -rf "$work"
  mkdir -p "$work"
  cp test/fuzz/corpus/"$t"/* "$work"/
  echo "== fuzz: $t for ${seconds}s ($(ls "$work" | wc -l) seeds)"
  dict=(); [ ! -f test/fuzz/"$t".dict ] || dict=(-dict=test/fuzz/"$t".dict)
  if build-fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=8192 -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/"$t"- \
      "${dict[@]}" "$work" > build-fuzz/"$t".log 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' build-fuzz/"$t".log | tr '\n' ' '
    echo "corpus now $(ls "$work" | wc -l) inputs"
  else
    echo "!! fuzz: $t failed; the report:"
    grep -vE '^#[0-9]+|^INFO:|NEW_FUNC' build-fuzz/"$t".log | tail -60
    echo "!! replay: build-fuzz/fuzz_$t $(ls -t build-fuzz/artifacts/"$t"-* 2>/dev/null | head -1)"
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "== fuzz: clean"

#!/usr/bin/env bash
# Builds and runs the whole test suite (unit, integration over loopback TLS, CLI, examples,
# contract, install), then a smoke run of the benchmarks: every peer client against nginx and
# openai-mock with N = 200. The smoke run proves the benchmark still works; it asserts nothing
# about timings (its table goes to build/bench-smoke/, not to bench/results/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
echo "== benchmark smoke run"
bash bench/run.sh --smoke --out "$PWD/build/bench-smoke" >/dev/null
echo "== benchmark smoke run: done (build/bench-smoke/latest.md)"

#!/usr/bin/env bash
# Builds and runs the whole test suite (unit, integration over loopback TLS, install).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600

#!/usr/bin/env bash
# The test command: builds and runs the whole test suite twice, in the debug
# build and under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh [debug|asan ...]    (default: debug asan)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-banned.sh

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(debug asan)

failed=0
for preset in "${presets[@]}"; do
    echo "=== $preset: configure, build, test"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$(nproc)"
    if ! ctest --preset "$preset"; then
        failed=1
    fi
done
exit $failed

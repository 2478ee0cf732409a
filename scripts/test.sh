#!/usr/bin/env bash
# The test command: builds and runs the whole test suite twice, in the debug
# build and under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh [debug|asan ...]    (default: debug asan)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-banned.sh

# The PostgreSQL store tests (ctest label pg) run against a throw-away
# server when none is given in MH_TEST_PG_URI; without one they are skipped.
if [ -z "${MH_TEST_PG_URI:-}" ]; then
    if pg_env=$(scripts/pg-test-server.sh start </dev/null); then
        eval "$pg_env"
        trap 'scripts/pg-test-server.sh stop "$MH_TEST_PG_DIR"' EXIT
    else
        echo "test: no PostgreSQL test server could be started: the pg tests are skipped"
    fi
fi

# The bus tests (ctest label integration and test_bus) start throw-away NATS
# servers of their own (scripts/nats-test-server.sh), since they kill and
# restart them; here one must start, and they fail rather than skip.
if nats_env=$(scripts/nats-test-server.sh start </dev/null); then
    eval "$nats_env"
    scripts/nats-test-server.sh stop "$MH_TEST_NATS_DIR"
    unset MH_TEST_NATS_URL MH_TEST_NATS_DIR
    export MH_TEST_NATS_REQUIRED=1
else
    echo "test: no NATS server could be started: the bus tests are skipped"
fi

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

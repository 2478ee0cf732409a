#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a
# bounded time, starting from its committed corpus. New interesting inputs
# go to a scratch directory; a crash fails the run and leaves the input in
# fuzz/work/ to be added to fuzz/corpus/<target>/ with the fix.
# Usage: scripts/fuzz.sh [seconds-per-target] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(grep -v '^$' build/fuzz/fuzz-targets.txt)
fi

mkdir -p fuzz/work
failed=0
for t in "${targets[@]}"; do
    work=fuzz/work/$t
    rm -rf "$work" && mkdir -p "$work/new"
    echo "=== fuzz $t for ${seconds}s"
    if ! (cd "$work" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
          "../../../build/fuzz/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
          -print_final_stats=1 new "../../corpus/$t" >log.txt 2>&1); then
        echo "fuzz $t: FAILED (see $work/log.txt)"
        tail -40 "$work/log.txt"
        failed=1
    else
        grep -E 'stat::number_of_executed_units|cov:' "$work/log.txt" | tail -2
    fi
done
if [ $failed -eq 0 ]; then
    echo "fuzz: ${#targets[@]} passed, 0 failed"
else
    echo "fuzz: some targets failed"
fi
exit $failed

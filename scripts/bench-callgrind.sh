#!/usr/bin/env bash
# Instructions per frame of a benchmark's subject and of its baseline, under
# valgrind --tool=callgrind: repeatable where wall-clock rates on a shared
# machine are not. The benchmark must accept "once N [baseline]" (run N
# passes of the subject, or of the baseline, then print "frames F").
# Two runs per side (N passes and 0 passes) cancel the setup's instructions.
# Usage: scripts/bench-callgrind.sh [bench-binary] [passes]
#        (default build/release/bench/bench_dlt645, 4 passes; build the
#         release preset first: cmake --preset release && cmake --build --preset release)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/bench/bench_dlt645}
passes=${2:-4}
[ -x "$bin" ] || { echo "bench-callgrind: $bin not built (cmake --build --preset release)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "bench-callgrind: valgrind missing (scripts/install-deps.sh)" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Total instructions (Ir) of one run.
instr() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$@" >"$out/stdout" 2>"$out/stderr"
    grep -E '^(summary|totals):' "$out/cg" | head -1 | awk '{print $2}'
}

name=$(basename "$bin")
declare -A per
for side in subject baseline; do
    extra=()
    [ "$side" = baseline ] && extra=(baseline)
    i0=$(instr "$bin" once 0 "${extra[@]}")
    i1=$(instr "$bin" once "$passes" "${extra[@]}")
    frames=$(awk '/^frames/ {print $2}' "$out/stdout")
    per[$side]=$(awk -v a="$i1" -v b="$i0" -v f="$frames" 'BEGIN { printf "%.1f", (a - b) / f }')
    printf '%s %s %s instructions/frame -\n' "$name" "$side" "${per[$side]}"
done
awk -v s="${per[subject]}" -v b="${per[baseline]}" -v n="$name" \
    'BEGIN { printf "%s subject/baseline %.2f x (instruction ratio %.3f)\n", n, s / b, b / s }'

#!/usr/bin/env bash
# The run command: installs what is missing, builds meterhub (release) and
# shows it at work: the protocol decoders on a capture of frames, then
# `meterhub demo` — the master station and the simulated field side by
# side, yesterday's daily frozen registers collected and reported; the
# station keeps running until Ctrl-C.
# MH_RUN_SMOKE=1 (CI): the decoders, then `demo --once` on a small field,
# failing unless the report shows collected meters.
# Usage: scripts/run.sh [demo options, e.g. --scenario examples/scenarios/small.json]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
bin=build/release/src/cli/meterhub

echo "meterhub $($bin version | cut -d' ' -f2): decoding examples/frames.hex"
echo "(DL/T 645, Q/GDW 1376.1 and DL/T 698.45 frames with noise between them)"
# Exit status 1 is expected: the capture ends with a damaged frame, reported as such.
status=0
summary=$("$bin" decode < examples/frames.hex) || status=$?
if [ "$status" -ne 1 ]; then
    echo "unexpected exit status $status" >&2
    exit 1
fi
for p in dlt645 gdw1376 dlt698; do
    ok=$(grep -c "\"proto\":\"$p\",\"valid\":true" <<<"$summary" || true)
    bad=$(grep -c "\"proto\":\"$p\",\"valid\":false" <<<"$summary" || true)
    printf '%-8s %2d frames decoded, %d rejected\n' "$p" "$ok" "$bad"
done
echo "(the capture's last frame is damaged on purpose: it must be rejected, and is;"
echo " '$bin decode --pretty < examples/frames.hex' shows every field)"
echo

if [ "${MH_RUN_SMOKE:-0}" = 1 ]; then
    report=$(MH_LOG=warn "$bin" demo --once --scenario examples/scenarios/small.json --grace 5 "$@")
    echo "$report"
    collected=$(sed -n 's/^total: \([0-9]*\) of .*/\1/p' <<<"$report")
    if [ -z "$collected" ] || [ "$collected" -eq 0 ]; then
        echo "smoke: the report shows no collected meter" >&2
        exit 1
    fi
    echo "smoke: $collected meters collected"
    exit 0
fi

echo "meterhub demo: the master station and the simulated field (examples/scenarios/demo.json)"
exec "$bin" demo "$@"

#!/usr/bin/env bash
# The run command: installs what is missing, builds meterhub (release) and
# shows it at work. Until the master station lands, that is the protocol
# decoders on a capture of frames from every protocol meterhub speaks.
# Usage: scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
bin=build/release/src/cli/meterhub

echo "meterhub $($bin version | cut -d' ' -f2): decoding examples/frames.hex"
echo "(DL/T 645, Q/GDW 1376.1 and DL/T 698.45 frames with noise between them; one JSON object per frame)"
echo
# Exit status 1 is expected: the capture ends with a damaged frame, reported as such.
status=0
"$bin" decode --pretty < examples/frames.hex || status=$?
if [ "$status" -ne 1 ]; then
    echo "unexpected exit status $status" >&2
    exit 1
fi
summary=$("$bin" decode < examples/frames.hex || true)
echo
for p in dlt645 gdw1376 dlt698; do
    ok=$(grep -c "\"proto\":\"$p\",\"valid\":true" <<<"$summary" || true)
    bad=$(grep -c "\"proto\":\"$p\",\"valid\":false" <<<"$summary" || true)
    printf '%-8s %2d frames decoded, %d rejected\n' "$p" "$ok" "$bad"
done
echo "(the capture's last frame is damaged on purpose: it must be rejected, and is)"

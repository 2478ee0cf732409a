#!/bin/sh
# Request timeouts from the channel, end to end: the small field behind
# slow cells (round trips of 3-9 s, beyond the 5 s the demo used to fix),
# serve with no --timeout-ms. The derived timeouts start at the cellular
# 10 s and follow the measured round trips, so every meter of a terminal
# that logs in is read at the first try, no request is re-sent for a reply
# that was merely slow (no stray replies), and the registers are right.
# Usage: collect_slow.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --round yesterday --once --grace 30 \
    --max-time 200 --no-curves --no-realtime
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 220 > "$dir/sim.log" 2>&1 &
sim=$!
track "$sim"
wait_serve
cat "$dir/serve.out"
grep "frames" "$dir/serve.all"
# Every meter asked was collected at the first try.
grep -Eq "round done in [0-9.]+ s: ([0-9]+) of \1 meters collected \(\1 at the first try\)" \
    "$dir/serve.out"
grep -q "rate-dropped, 0 stray" "$dir/serve.all"
"$mh" check truth --db "$db" "$scenario" --date yesterday --min-permille 999
echo "collect slow: ok"

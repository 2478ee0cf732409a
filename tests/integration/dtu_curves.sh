#!/bin/sh
# End to end over real sockets and a real SQLite file: the DTUs of
# tests/integration/dtu_curves.json (DL/T 645-2007 meters, 1 % loss, 0.3 %
# corruption) read in one on-demand round of yesterday with two patch
# days: each meter's load records (0x11 06cc0001, continued by 0x12
# follow-ups, a lost frame asked for again) stored as 15-minute curves for
# yesterday and, by the patch, the two days before; every point compared
# with the scenario's truth (meterhub check truth --curves: increments,
# voltages, currents, frequency, powers, power factors; zero mismatches,
# every meter whole) and the curve report counting every DTU collected.
# Usage: dtu_curves.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --round yesterday --once --grace 20 \
    --login-timeout-ms 5000 --patch-delay-ms 2000 --max-time 200 --patch --patch-days 2 \
    --no-realtime
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 240 > "$dir/sim.log" 2>&1 &
sim=$!
track "$sim"
wait_serve
cat "$dir/serve.out"
grep "frames" "$dir/serve.all" || true
grep -q "round done" "$dir/serve.out"

# Yesterday and the two days before it (the station's local days, UTC+8).
now=$(date +%s)
for back in 1 2 3; do
    day=$(date -u -d "@$((now + 8 * 3600 - back * 86400))" +%F)
    "$mh" check truth --db "$db" "$scenario" --date "$day" --curves --protocol dlt645-2007 \
        --min-permille 999 | tee "$dir/check"
    grep -q "checked 6 meters: 6 with whole curves.*values compared, 0 mismatches" "$dir/check"
    grep -Eq "^[1-9][0-9]{3,} of the values compared are power" "$dir/check"
    "$mh" report collection --db "$db" --date "$day" --curves | tee "$dir/report"
    grep -Eq "^  dtu +6 +[0-9]+ +6 +0 +0 " "$dir/report"
done
echo "dtu curves: ok"

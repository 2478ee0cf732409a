#!/bin/sh
# End to end over real sockets and a real SQLite file: meterhub serve and
# meterhub sim run on a small lossy field of 1376.1 and 698.45 terminals and DTUs
# in front of DL/T 645 meters (tests/integration/collect_small.json),
# one on-demand round of yesterday's daily and last month's monthly frozen
# registers, then every stored
# register compared with the scenario's ground truth (meterhub check truth:
# zero mismatches, >= 99.9 % of the meters of terminals that log in), the
# report showing a reason for the rest, and a second round on the same file
# storing nothing new (readings are idempotent), stopped by SIGTERM.
# Usage: collect_round.sh METERHUB_BINARY SCENARIO [DB]
# (DB: the store, a file in the test's temp dir unless given, e.g. postgres://...)
set -eu
mh=$1
scenario=$2
dir=$(mktemp -d)
db=${3:-$dir/mh.db}
sim=
srv=
cleanup() {
    [ -n "$sim" ] && kill "$sim" 2>/dev/null || true
    [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

"$mh" sim archive "$scenario" --out "$dir/archive.csv"

# Start the station on a free port and learn it from the log.
start_serve() {
    : > "$dir/serve.err"
    "$mh" serve --db "$db" --listen 127.0.0.1:0 --no-schedule "$@" \
        > "$dir/serve.out" 2> "$dir/serve.err" &
    srv=$!
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/serve.err")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$dir/serve.err" >&2; exit 1; }
}

start=$(date +%s)
# A terminal whose login frame is lost is closed after 5 s and logs in again.
start_serve --archive "$dir/archive.csv" --round yesterday --round-month last --once --grace 20 \
    --login-timeout-ms 5000 \
    --patch-delay-ms 2000 --max-time 200
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 240 > "$dir/sim.log" 2>&1 &
sim=$!
wait "$srv"
srv=
end=$(date +%s)
cat "$dir/serve.out"
grep -q "round done" "$dir/serve.out"
echo "round and shutdown took $((end - start)) s"

"$mh" check truth --db "$db" "$scenario" --date yesterday --min-permille 999
# Monthly registers are read from 1376.1 terminals only (698.45: 5006 not yet).
"$mh" check truth --db "$db" "$scenario" --month last --min-permille 999 --protocol gdw1376
# The 698.45 terminals' daily registers (two decimals) on their own: the transformer
# monitors' and concentrators' own meters, and the meters behind the concentrators
# (read from the concentrator's store by their addresses).
"$mh" check truth --db "$db" "$scenario" --date yesterday --protocol dlt698 \
    --min-permille 999 | tee "$dir/c698"
grep -q "checked 50 meters: [1-9]" "$dir/c698"
# The DTUs' meters (DL/T 645 daily freeze, two decimals): every one that is online.
"$mh" check truth --db "$db" "$scenario" --date yesterday --protocol dlt645-2007 \
    --min-permille 999 | tee "$dir/c645"
grep -q "checked 4 meters: [1-9]" "$dir/c645"
# The 1376.1 terminals' 15-minute active energy increments of the day, point by
# point against the truth's day curve (AFN0D F97, F99).
"$mh" check truth --db "$db" "$scenario" --date yesterday --curves --protocol gdw1376 \
    --min-permille 999 | tee "$dir/ccurve"
grep -q "values compared, 0 mismatches" "$dir/ccurve"
# The 698.45 terminals' own meters' curves (minute freeze 5002) and those of the meters
# behind the concentrators (their task data 6012 0300): every point's registers, power,
# voltages and currents equal to the model at the point.
"$mh" check truth --db "$db" "$scenario" --date yesterday --realtime --protocol dlt698 \
    --min-permille 999 | tee "$dir/c698curve"
grep -q "checked 50 meters: 49 with.*values compared, 0 mismatches" "$dir/c698curve"
# The DTUs' DL/T 645 meters' curves from their load records (0x11 06cc0001, continued
# by 0x12 follow-ups): the increments made from the energy registers point by point,
# and the voltage, current, frequency, power and power factor points against the model.
"$mh" check truth --db "$db" "$scenario" --date yesterday --curves --protocol dlt645-2007 \
    --min-permille 999 | tee "$dir/c645curve"
grep -q "checked 4 meters: 4 with whole curves.*values compared, 0 mismatches" "$dir/c645curve"
grep -Eq "^[1-9][0-9]{3,} of the values compared are power" "$dir/c645curve"
"$mh" report collection --db "$db" --date yesterday --curves | tee "$dir/rcurve"
# every 1376.1 meter of a terminal that logs in has its curve (the never-login ones: never
# tried); on a loaded machine or when a frame of its reply was lost (1 % loss) a curve may come
# by the patch re-read, so the first-try column is not pinned
grep -Eq "^  gdw1376 +390 +[0-9]+ +374 +0 +16 " "$dir/rcurve"
# every DTU's meter has its curve (a lost frame is asked for again by its follow-up)
grep -Eq "^  dtu +4 +[0-9]+ +4 +0 +0 " "$dir/rcurve"
grep -Eq "^  dlt645-2007 +4 +[0-9]+ +4 +0 +0 " "$dir/rcurve"
# every 698.45 meter too: the terminals' own (minute freeze 5002) and the meters behind the
# concentrators (their task data, 6012 0300); the never-login terminal's meter never tried
grep -Eq "^  dlt698 +50 +[0-9]+ +49 +0 +1 " "$dir/rcurve"
# the power curve of every point, the phase power, reactive power, voltage, current and
# neutral current curves of the three-phase ones (AFN0D F81..F95), point by point against
# the meter model
grep -Eq "^[1-9][0-9]{4,} of the values compared are power" "$dir/ccurve"
# the loads beyond A.9's 79.9999 kW: their F81 points estimated from F97 - F99, each equal to
# the truth's mean power over its interval
grep -Eq "\([1-9][0-9]* powers estimated from the interval energies\)" "$dir/ccurve"
# The registers now (AFN0C F129, F131), a status row per meter of the local day they were read.
today=$(date -u -d "@$(($(date +%s) + 8 * 3600))" +%F)
"$mh" report collection --db "$db" --date "$today" --realtime | tee "$dir/rrt"
rt=$(sed -n 's/^total: \([0-9]*\) of.*/\1/p' "$dir/rrt")
[ "$rt" -ge 370 ]
# The 698.45 terminals' realtime values (own meters by GET-NormalList, the meters
# behind the concentrators by PROXY), each equal to the model at the minute the
# terminal's clock dates it.
"$mh" check truth --db "$db" "$scenario" --date "$today" --realtime --protocol dlt698 \
    --min-permille 999 | tee "$dir/crt"
grep -q "checked 50 meters: [1-9].*values compared, 0 mismatches" "$dir/crt"
# The instantaneous values of the same frames (AFN0C F25, concentrators' meters too),
# each against the meter model at the terminal's read time.
"$mh" check truth --db "$db" "$scenario" --date "$today" --realtime --protocol gdw1376 \
    --min-permille 999 > "$dir/crt" || { cat "$dir/crt"; exit 1; }
cat "$dir/crt"
grep -q "values compared, 0 mismatches" "$dir/crt"
# The DTUs' DL/T 645-2007 meters (a read per block, 0201FF00 .. 0002FF00),
# each value dated by the master's clock when its block came.
"$mh" check truth --db "$db" "$scenario" --date "$today" --realtime --protocol dlt645-2007 \
    --min-permille 999 | tee "$dir/crt645"
grep -q "checked 4 meters: [1-9].*values compared, 0 mismatches" "$dir/crt645"

report=$("$mh" report collection --db "$db" --date yesterday)
echo "$report"
# The scenario's never-login terminal: its meters failed as "terminal offline".
echo "$report" | grep -q "terminal offline"
"$mh" report collection --db "$db" --date yesterday --json | grep -q '"collected": [1-9]'
"$mh" report collection --db "$db" --date yesterday --json | grep -q '"first_try": [1-9]'
"$mh" report collection --db "$db" --month last | grep "^total:"
"$mh" report collection --db "$db" --month last | grep -q "^total: [1-9][0-9]* of"

# Again on the same file and port (the simulator redials it), two requests at a
# time in the channel group, with patch collection of the day before: the day
# is stored again only as duplicates, the day before is read whole.
first=$port
start_serve_on() {
    : > "$dir/serve.err"
    "$mh" serve --db "$db" --listen "127.0.0.1:$first" --no-schedule "$@" \
        > "$dir/serve.out" 2> "$dir/serve.err" &
    srv=$!
}
# (the simulator's terminals redial with a doubling delay: give them time to come back)
start_serve_on --round yesterday --once --grace 35 --login-timeout-ms 5000 --timeout-ms 3000 \
    --patch-delay-ms 2000 \
    --max-time 200 --group-max 2 --patch --patch-days 1 --no-curves --no-realtime
wait "$srv"
srv=
cat "$dir/serve.out"
grep -q "curves 0 of 0 meters, realtime registers 0 of 0" "$dir/serve.out"
grep "stopped:" "$dir/serve.err"
grep -q "patch day" "$dir/serve.err"
grep -q "stopped: [1-9][0-9]* readings stored, [1-9][0-9]* duplicates, 0 conflicts" "$dir/serve.err"
before=$(date -u -d "@$(($(date +%s) + 8 * 3600 - 2 * 86400))" +%F) # local (UTC+8) day before yesterday
"$mh" check truth --db "$db" "$scenario" --date "$before" --min-permille 999

# SIGTERM with terminals online: a clean stop, exit status 0.
start_serve_on
sleep 4
kill -TERM "$srv"
wait "$srv"
srv=
grep -q "signal 15: shutting down" "$dir/serve.err"
grep -q "stopped:" "$dir/serve.err"
echo "collect round: ok"

#!/bin/sh
# serve --procs 2 against sim run --procs 2 on the small field
# (tests/integration/collect_small.json), over real sockets and one store
# (SQLite in WAL mode, or PostgreSQL when DB is given), with worker 1 killed
# with SIGKILL mid-round. Passes when:
# - the parent restarts the killed worker and both finish the round;
# - the connections were spread over both workers by the kernel and logins
#   of another worker's terminals were handed over (the counters of both
#   directions are non-zero), so the terminals that redialled after the kill
#   reached their owner (else their meters would be missing);
# - every meter of a terminal that logs in is collected and right (check
#   truth: 0 mismatches, >= 99.9 %), none is left untried, the never-online
#   terminals' meters are "terminal offline" exactly once;
# - no meter is collected by both workers: the workers' own counts of
#   collected meters add up to the report's total, and no reading or status
#   row is stored twice.
# Usage: serve_procs.sh METERHUB_BINARY SCENARIO [pg]
# (pg: the store in a throw-away database on the PostgreSQL server
# MH_TEST_PG_URI names, scripts/test.sh starts one; skipped, exit 77, without it)
set -eu
mh=$1
scenario=$2
if [ "${3:-}" = pg ] && [ -z "${MH_TEST_PG_URI:-}" ]; then
    echo "SKIPPED: MH_TEST_PG_URI is not set"
    exit 77
fi
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db
if [ "${3:-}" = pg ]; then
    pgdb="mh_procs_$$_$(date +%s)"
    psql "$MH_TEST_PG_URI" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $pgdb"
    server=${MH_TEST_PG_URI%%\?*}
    db="${server%/*}/$pgdb"
    sql() { psql -qAt "$db" -c "$1"; }
    pg_drop() { psql "$MH_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" > /dev/null; }
    trap 'cleanup; pg_drop' EXIT
else
    command -v sqlite3 > /dev/null || { echo "sqlite3 not found"; exit 1; }
fi

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
start_serve 127.0.0.1:0 --procs 2 --archive "$dir/archive.csv" --round yesterday --once \
    --grace 30 --login-timeout-ms 5000 --timeout-ms 3000 --patch-delay-ms 2000 --max-time 200
port=$(echo "$port" | head -1) # the parent's line, and perhaps the workers' already
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --procs 2 --quiet --duration 280 \
    > "$dir/sim.log" 2>&1 &
sim=$!
track "$sim"

# Kill worker 1 once some readings are committed, before it has finished.
w1=
for _ in $(seq 1 50); do
    w1=$(sed -n 's/.*worker 1 started (pid \([0-9]*\)).*/\1/p' "$dir/serve.err" | head -1)
    [ -n "$w1" ] && break
    sleep 0.1
done
[ -n "$w1" ] || { echo "worker 1 never started" >&2; cat "$dir/serve.err" >&2; exit 1; }
wait_stored 150
[ "$stored" -ge 150 ] || { echo "only $stored readings after 60 s" >&2; exit 1; }
if grep -q "worker 1 finished" "$dir/serve.err"; then
    echo "worker 1 finished before the kill: nothing was tested" >&2
    exit 1
fi
kill -9 "$w1"
echo "killed worker 1 (pid $w1) with $stored readings stored"
wait_serve
# SIGTERM to the simulator's parent alone stops its workers too (they are gone once it is).
children=$(cat "/proc/$sim/task/$sim/children")
[ -n "$children" ] || { echo "sim run --procs 2 has no workers" >&2; exit 1; }
kill -TERM "$sim"
wait "$sim" || true
untrack "$sim"
for c in $children; do
    if kill -0 "$c" 2>/dev/null; then
        echo "sim worker $c still running after SIGTERM to its parent" >&2
        kill "$c"
        exit 1
    fi
done

all=$dir/serve.all
cat "$dir/serve.out"
grep -q "worker 1 died (signal 9); restarting" "$all" || { echo "no restart logged" >&2; exit 1; }
[ "$(grep -c "finished its round" "$all")" -eq 2 ]
grep -q "stopped: 2 workers, 1 restarts" "$all"

# Both directions of the handoff were used (kernel spread, owner by archive id).
handed=$(sed -n 's/.* \([0-9]*\) handed to their owner, \([0-9]*\) taken over/\1 \2/p' "$all")
echo "handed / taken over per worker run: $(echo "$handed" | tr '\n' ' ')"
echo "$handed" | awk '{h += $1; t += $2} END {exit !(h > 0 && t > 0)}'

"$mh" check truth --db "$db" "$scenario" --date yesterday --min-permille 999
report=$("$mh" report collection --db "$db" --date yesterday)
echo "$report" | grep "^total:"
echo "$report" | grep -q "^total: [0-9]* of [0-9]* active meters collected ([0-9.]*%), [0-9]* failed, 0 never tried"
echo "$report" | grep -Eq "^  terminal offline +17$"

# The workers' collected meters add up to the report's: none collected twice.
total=$(echo "$report" | sed -n 's/^total: \([0-9]*\) of.*/\1/p')
sum=$(sed -n 's/^worker [01]: round done in [0-9.]* s: \([0-9]*\) of.*/\1/p' "$dir/serve.out" |
      awk '{s += $1} END {print s + 0}')
echo "collected: report $total, workers $sum"
[ "$sum" -eq "$total" ]

dup=$(sql "SELECT count(*) FROM (SELECT 1 FROM readings GROUP BY meter_id, item, data_time HAVING count(*) > 1) d")
dups=$(sql "SELECT count(*) FROM (SELECT 1 FROM collection_status GROUP BY day, item_class, meter_id HAVING count(*) > 1) d")
[ "$dup" -eq 0 ] && [ "$dups" -eq 0 ]

# SIGTERM to the parent with terminals online: every worker stops cleanly, status 0.
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --procs 2 --quiet --duration 60 \
    > "$dir/sim2.log" 2>&1 &
sim=$!
track "$sim"
start_serve "127.0.0.1:$port" --procs 2
sleep 4
kill -TERM "$srv"
wait_serve
grep -q "signal 15: stopping 2 workers" "$dir/serve.err"
[ "$(grep -c "info serve: stopped: [0-9]* readings stored" "$dir/serve.err")" -eq 2 ]
echo "serve procs: ok"

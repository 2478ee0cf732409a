#!/bin/sh
# Crash in the middle of a round: meterhub serve is killed with SIGKILL once
# some readings of an on-demand round are stored and before the round ends,
# then started again on the same SQLite file and port while the simulated
# field (tests/integration/crash_events.json: lossy 1376.1 and 698.45
# terminals whose meters' anomalies the 1376.1 terminals report actively)
# redials. Passes when:
# - the restarted round reaches the end state of an uninterrupted one:
#   check truth finds 0 mismatches and >= 99.9 % of the meters of the
#   terminals that log in, daily and monthly;
# - no reading or collection status is stored twice (rows counted by key);
# - nothing a terminal had confirmed is lost: every event report the master
#   confirmed (the simulator counts them at its end) is in the events table.
# Usage: crash_restart.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db
command -v sqlite3 > /dev/null || { echo "sqlite3 not found"; exit 1; }

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
round="--round yesterday --round-month last --once --login-timeout-ms 5000 --timeout-ms 3000
       --patch-delay-ms 2000 --max-time 200"
# shellcheck disable=SC2086
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --grace 20 $round
first=$port
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 280 > "$dir/sim.log" 2>&1 &
sim=$!
track "$sim"

# Kill once some readings are committed; the round must still be running.
wait_stored 150
if grep -q "round done" "$dir/serve.out" "$dir/serve.err"; then
    echo "the round ended before the kill ($stored readings): nothing was tested" >&2
    exit 1
fi
[ "$stored" -ge 150 ] || { echo "only $stored readings after 60 s" >&2; exit 1; }
kill -9 "$srv"
wait "$srv" 2>/dev/null || true
untrack "$srv"
cat "$dir/serve.err" >> "$dir/serve.all"
at_kill=$(sql "SELECT count(*) FROM readings")
events_at_kill=$(sql "SELECT count(*) FROM events")
echo "killed serve with $at_kill readings and $events_at_kill events stored"

# The same file and port: the simulator's terminals redial (doubling delay, hence the grace).
start=$(date +%s)
# shellcheck disable=SC2086
start_serve "127.0.0.1:$first" --grace 35 $round
wait_serve
echo "restarted round took $(($(date +%s) - start)) s"
grep "stopped:" "$dir/serve.all" | tail -1
grep -q "round done" "$dir/serve.all" || { echo "the restarted round did not end" >&2; exit 1; }

# Stop the field; its counters give the confirmed events.
kill -TERM "$sim"
wait "$sim" || { echo "sim run failed" >&2; cat "$dir/sim.log" >&2; exit 1; }
untrack "$sim"
cat "$dir/sim.log"

final=$(sql "SELECT count(*) FROM readings")
[ "$final" -gt "$at_kill" ] || { echo "the restart stored nothing: the kill was not mid-round" >&2; exit 1; }

"$mh" check truth --db "$db" "$scenario" --date yesterday --min-permille 999
"$mh" check truth --db "$db" "$scenario" --month last --min-permille 999 --protocol gdw1376

dup=$(sql "SELECT count(*) FROM (SELECT 1 FROM readings GROUP BY meter_id, item, data_time HAVING count(*) > 1)")
dups=$(sql "SELECT count(*) FROM (SELECT 1 FROM collection_status GROUP BY day, item_class, meter_id HAVING count(*) > 1)")
echo "readings: $final rows, $dup keys stored twice; collection status: $dups keys stored twice"
[ "$dup" -eq 0 ] && [ "$dups" -eq 0 ]

confirmed=$(sed -n 's/^events confirmed \([0-9]*\)$/\1/p' "$dir/sim.log")
[ -n "$confirmed" ] || { echo "the simulator printed no confirmed events" >&2; exit 1; }
events=$(sql "SELECT count(*) FROM events")
distinct=$(sql "SELECT count(*) FROM (SELECT DISTINCT terminal_id, code, start_s, payload FROM events)")
echo "events: $confirmed confirmed by the master, $distinct distinct in the store ($events rows)"
[ "$confirmed" -gt 0 ] || { echo "no event was confirmed: nothing was tested" >&2; exit 1; }
[ "$distinct" -ge "$confirmed" ] || { echo "confirmed events lost" >&2; exit 1; }
echo "crash restart: ok"

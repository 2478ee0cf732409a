#!/bin/sh
# Events read by counter, end to end: meterhub serve and meterhub sim run on
# a field of 1376.1 terminals whose active reports are all lost on the
# channel (tests/integration/events_lost.json). One round reads each
# terminal's event counters (AFN0C F7) and the records it does not hold
# (AFN0E F1): every event of the scenario is stored once, an ERC10's
# payload says phase failure or voltage loss as the scenario has it, the
# counters are kept per terminal, and a second round on the same store asks
# for nothing more and stores nothing twice.
# Usage: events_read.sh METERHUB_BINARY SCENARIO [DB]
# (DB: a SQLite file in the test's temp dir unless given, e.g. postgres://...)
set -eu
mh=$1
scenario=$2
. "$(dirname "$0")/lib.sh"
db=${3:-$dir/mh.db}
case $db in
postgres*) q() { psql "$db" -Atc "$1"; } ;;
*)
    command -v sqlite3 > /dev/null || { echo "sqlite3 not found"; exit 1; }
    q() { sql "$1"; }
    ;;
esac

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
round="--round yesterday --once --no-curves --no-realtime --login-timeout-ms 5000 --max-time 120"
# shellcheck disable=SC2086
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --grace 20 $round
first=$port
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 200 > "$dir/sim.log" 2>&1 &
sim=$!
track "$sim"
wait_serve
grep "round done" "$dir/serve.all"

# 6 covers opened, 3 meters stopped, 2 voltage losses, 2 phase failures: 13 events.
events=$(q "SELECT count(*) FROM events")
echo "events stored: $events"
[ "$events" -eq 13 ]
# (the payload as text: PostgreSQL's jsonb prints it with spaces and its own key order)
erc10() {
    q "SELECT count(*) FROM events WHERE code = 10 AND CAST(payload AS TEXT) LIKE '%\"kind\":%\"$1\"%'
       AND CAST(payload AS TEXT) LIKE '%\"phases\":%\"$2\"%'"
}
[ "$(erc10 voltage_loss B)" -eq 2 ]
[ "$(erc10 phase_failure C)" -eq 2 ]
[ "$(q "SELECT count(*) FROM events WHERE code = 37")" -eq 6 ]
# every terminal's EC1 is kept (12 terminals), and its value is the count of its events
[ "$(q "SELECT count(*) FROM event_counters WHERE counter = 1")" -eq 12 ]
[ "$(q "SELECT sum(value) FROM event_counters WHERE counter = 1")" -eq 13 ]

# Again on the same store: the counters are read, no record is asked for or stored again.
# shellcheck disable=SC2086
start_serve "127.0.0.1:$first" --grace 35 $round
wait_serve
[ "$(q "SELECT count(*) FROM events")" -eq 13 ]
if grep -q "events not read" "$dir/serve.all"; then
    echo "an events read failed" >&2
    exit 1
fi

kill -TERM "$sim"
wait "$sim" || { echo "sim run failed" >&2; cat "$dir/sim.log" >&2; exit 1; }
untrack "$sim"
# the terminals count as read by the master every event they recorded
grep "^events confirmed 13$" "$dir/sim.log"
echo "events read: ok"

#!/bin/sh
# An event storm, small: meterhub serve and meterhub sim run on a field whose
# 220 terminals (1376.1 and 698.45) each raise 10 events within 5 s and
# report them actively (tests/integration/event_storm.json). Every report
# is confirmed, every event is stored exactly once (10 per terminal), and
# none is stored twice though the station confirms only after its commit.
# Usage: event_storm.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db
command -v sqlite3 > /dev/null || { echo "sqlite3 not found"; exit 1; }

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --login-timeout-ms 10000
# The field's clock a day after the scenario's start: the records' registers are quick to compute.
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 20 \
    --at 2026-01-02T00:00 > "$dir/sim.log" 2>&1
kill -TERM "$srv"
wait_serve
cat "$dir/sim.log"

expected=2200
grep -q "^events confirmed $expected\$" "$dir/sim.log" || { echo "not every event was confirmed" >&2; exit 1; }
line=$(grep "^reports sent" "$dir/sim.log")
sent=$(echo "$line" | sed 's/^reports sent \([0-9]*\) .*/\1/')
confirmed=$(echo "$line" | sed 's/.* confirmed \([0-9]*\) .*/\1/')
[ "$sent" -gt 0 ] && [ "$sent" -eq "$confirmed" ] || { echo "reports: $line" >&2; exit 1; }

rows=$(sql "SELECT count(*) FROM events")
keys=$(sql "SELECT count(*) FROM (SELECT DISTINCT terminal_id, code, start_s, seq, meter_id FROM events)")
echo "events stored: $rows rows, $keys distinct"
[ "$rows" -eq "$expected" ] && [ "$keys" -eq "$expected" ]
[ "$(sql "SELECT count(DISTINCT terminal_id) FROM events")" -eq 220 ]
[ "$(sql "SELECT count(*) FROM (SELECT terminal_id FROM events GROUP BY terminal_id HAVING count(*) != 10)")" -eq 0 ]

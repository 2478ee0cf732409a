#!/bin/sh
# DL/T 698.45 event reports end to end: meterhub serve and meterhub sim run
# over loopback on a field of 698.45 transformer monitors and concentrators
# (tests/integration/events_698.json) whose meters have anomalies. Every
# terminal reports its meters' anomalies as event records
# (REPORT-Notification) until the master answers REPORT-Response. Passes
# when every reported anomaly of the scenario's truth is stored exactly
# once as an event of its meter (code: the 1376.1 ERC of the 698.45 event
# object, start: the anomaly's start in UTC, the meter's measurement point),
# nothing else is stored, and the simulator saw every report confirmed.
# Usage: events_698.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db
scenario=$2
command -v sqlite3 > /dev/null || { echo "sqlite3 not found"; exit 1; }

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
"$mh" sim truth "$scenario" --date "$(date -u +%F)" --out "$dir/truth" > /dev/null
start_serve 127.0.0.1:0 --archive "$dir/archive.csv"
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 25 > "$dir/sim.log" 2>&1 &
sim=$!
track "$sim"
wait "$sim" || { echo "sim run failed" >&2; cat "$dir/sim.log" >&2; exit 1; }
untrack "$sim"
kill -TERM "$srv"
wait_serve
cat "$dir/sim.log"

# What the truth says the terminals report (anomaly -> ERC of its 698.45 object:
# 301B cover open 37, 310E stopped 30, 310D racing 29, 3000 / 3003 voltage loss
# and phase failure 10, 3105 clock 12), as "address code start_utc pn".
awk -F, 'NR > 1 {
    split("cover_open=37 stopped=30 racing=29 voltage_loss=10 phase_failure=10 clock_drift=12 reversed=27", kv, " ")
    for (i in kv) { split(kv[i], p, "="); erc[p[1]] = p[2] }
    if ($2 in erc) print $1, erc[$2], $3
}' "$dir/truth/anomalies.csv" | while read -r addr code start; do
    utc=$(date -u -d "${start}+08:00" +%s)
    pn=$(awk -F, -v a="$addr" '$8 == a { print $7 }' "$dir/archive.csv")
    echo "$addr $code $utc $pn"
done | sort > "$dir/want"
sql "SELECT json_extract(payload, '\$.meter'), code, start_s, json_extract(payload, '\$.pn')
     FROM events WHERE json_extract(payload, '\$.start') = 1" | tr '|' ' ' | sort > "$dir/got"
echo "events: $(wc -l < "$dir/want") anomalies reported by the truth, $(wc -l < "$dir/got") stored"
[ -s "$dir/want" ] || { echo "the scenario has no reported anomaly: nothing was tested" >&2; exit 1; }
diff "$dir/want" "$dir/got" || { echo "stored events differ from the truth" >&2; exit 1; }
# Meters behind the concentrators (pn > 1) and the monitors' own meters (pn 1) both reported.
grep -q ' [2-9][0-9]*$' "$dir/got"
grep -q ' 1$' "$dir/got"
# Every stored event has its meter; none stored twice.
[ "$(sql "SELECT count(*) FROM events WHERE meter_id IS NULL OR meter_id = 0")" -eq 0 ]
[ "$(sql "SELECT count(*) FROM (SELECT 1 FROM events GROUP BY meter_id, code, start_s HAVING count(*) > 1)")" -eq 0 ]
confirmed=$(sed -n 's/^events confirmed \([0-9]*\)$/\1/p' "$dir/sim.log")
echo "the simulator saw $confirmed events confirmed"
[ "$confirmed" -eq "$(wc -l < "$dir/want")" ]
echo "events 698: ok"

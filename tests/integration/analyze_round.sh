#!/bin/sh
# The station's analysis on what it collected: meterhub serve and meterhub
# sim run over loopback on tests/integration/analyze_small.json (its dates
# moved so that the analysed day is yesterday: anomalies begin inside the
# week before it), one on-demand round of yesterday with patch collection of
# the 7 days before (serve analyses the round's day when it is done), then
# meterhub analyze of the last four days in order, as the station does day
# by day, and meterhub score --db: the stored alarms' precision and recall
# per type, the stored consumption and line loss against the truth. A second
# analysis of the day stores exactly the same results.
# Usage: analyze_round.sh METERHUB_BINARY SCENARIO_TEMPLATE [DB]
set -eu
mh=$1
template=$2
. "$(dirname "$0")/lib.sh"
db=${3:-$dir/mh.db}

# The template's analysed day is 2026-01-20; every date moves by the same days.
local_day() { date -u -d "@$(($(date +%s) + 8 * 3600 + $1 * 86400))" +%F; }
D=$(local_day -1)
shift_date() { date -u -d "$D $(( $(date -u -d "$1" +%s) / 86400 - $(date -u -d 2026-01-20 +%s) / 86400 )) days" +%F; }
cp "$template" "$dir/scenario.json"
for old in $(grep -o '2026-01-[0-9][0-9]' "$template" | sort -u); do
    sed -i "s/$old/$(shift_date "$old")/g" "$dir/scenario.json"
done
scenario=$dir/scenario.json
"$mh" sim archive "$scenario" --out "$dir/archive.csv"

start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --round yesterday --patch --patch-days 7 \
    --once --grace 20 --login-timeout-ms 5000 --timeout-ms 3000 --patch-delay-ms 2000 \
    --max-time 240
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 280 > "$dir/sim.log" 2>&1 &
sim=$!
track "$sim"
wait_serve
kill "$sim" 2>/dev/null || true
grep "analyze" "$dir/serve.all" || { tail -20 "$dir/serve.all" >&2; exit 1; }
grep -q "analyze.*alarms holding" "$dir/serve.all"

# The days are analysed in order (a day's alarms extend the day's before):
# serve's analysis of the last day is replayed after the days before it.
sql "DELETE FROM alarms; DELETE FROM consumption_day; DELETE FROM lineloss_day;"
for k in 4 3 2 1; do
    "$mh" analyze --db "$db" --date "$(local_day -$k)"
done
dump() {
    sql "SELECT * FROM consumption_day ORDER BY meter_id, day;
         SELECT * FROM lineloss_day ORDER BY area_id, day;
         SELECT type, phase, meter_id, terminal_id, area_id, start_s, end_s, first_day, last_day,
                value_milli, evidence FROM alarms ORDER BY id;"
}
dump > "$dir/first"
"$mh" analyze --db "$db" --date "$D" --json | sed 's/"seconds": [0-9.]*, //' > "$dir/again1"
"$mh" analyze --db "$db" --date "$D" --json | sed 's/"seconds": [0-9.]*, //' > "$dir/again2"
dump > "$dir/second"
cmp "$dir/first" "$dir/second"
cmp "$dir/again1" "$dir/again2"
grep -q '"consumption": [1-9]' "$dir/again2"

# Types the stored daily freezes, the 1376.1 events and the collection status show.
status=0
"$mh" score "$scenario" --date "$D" --db "$db" --check \
    --types stopped,reversed,racing,cover_open,sudden_drop,collect_failure > "$dir/score" ||
    status=$?
cat "$dir/score"
[ "$status" -eq 0 ]
grep -q "theft localisation: \([0-9]*\) of \1 areas" "$dir/score"
echo "analyze round: ok"

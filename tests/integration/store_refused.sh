#!/bin/sh
# Not stored is not collected: a station whose store refuses every reply's
# readings (an append queue of 4 readings, smaller than any reply) must not
# count a single meter as collected. Each meter ends the round failed as
# "store busy" after its passes, and the store holds no reading of it.
# Usage: store_refused.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --round yesterday --once --grace 15 \
    --login-timeout-ms 5000 --patch-delay-ms 1000 --passes 1 --no-curves --no-realtime \
    --max-time 120 --store-queue 4
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 150 > "$dir/sim.log" 2>&1 &
track $!
wait_serve
grep -q "readings not stored" "$dir/serve.all"

report=$("$mh" report collection --db "$db" --date yesterday)
echo "$report"
echo "$report" | grep -Eq "^total: 0 of [1-9][0-9]* active meters collected"
echo "$report" | grep -Eq "^  store busy +[1-9]"
[ "$(sql "SELECT count(*) FROM readings")" -eq 0 ]
echo "store refused: no meter counted collected"

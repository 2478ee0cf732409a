#!/bin/sh
# Store back-pressure: while another connection holds the database's write
# lock (another front-end process, a long checkpoint), the writer cannot
# commit and its queue fills. Past half of it a round's requests wait
# instead of going out ("requests held back N times while the store was
# behind"), and
# once the lock goes the round finishes with every logged-in meter
# collected. Fails if nothing is ever held back.
# Usage: store_behind.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --round yesterday --once --grace 15 \
    --login-timeout-ms 5000 --patch-delay-ms 1000 --no-curves --no-realtime --max-time 150 \
    --store-queue 1000
# The archive is imported once serve listens: now the write lock, for 25 s.
printf 'BEGIN IMMEDIATE;\n.shell sleep 25\nROLLBACK;\n' | sqlite3 "$db" > "$dir/lock.log" 2>&1 &
lock=$!
track "$lock"
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 170 > "$dir/sim.log" 2>&1 &
track $!
wait "$lock"
untrack "$lock"
wait_serve

grep "round done" "$dir/serve.out"
held=$(sed -n 's/.*; requests held back \([0-9]*\) times while the store was behind$/\1/p' "$dir/serve.out")
echo "requests held back while the store was behind: ${held:-none} times"
[ "${held:-0}" -gt 0 ]
report=$("$mh" report collection --db "$db" --date yesterday)
echo "$report" | grep "^total:"
echo "$report" | grep -q "^total: [0-9]* of [0-9]* active meters collected ([0-9.]*%), [0-9]* failed, 0 never tried"
"$mh" check truth --db "$db" "$scenario" --date yesterday --min-permille 999
echo "store behind: the round waited and then finished"

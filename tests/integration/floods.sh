#!/bin/sh
# Floods do not stop the others being collected: while meterhub serve runs
# an on-demand round of the collection test's field (collect_small.json),
# hostile clients on the same port (tests/integration/flood.py):
# - garbage: connections spewing random bytes and 1376.1 frames with bad
#   checksums, without a pause;
# - slow-loris: connections sending the start of a 1376.1 frame one byte a
#   second, never a whole frame;
# - a login storm: thousands of connections at once, each a well-formed
#   1376.1 login of an unknown terminal, redialling as soon as refused.
# Passes when the round still reaches >= 99.9 % of the meters of the
# terminals that log in with 0 mismatches, and serve's port counters show
# the garbage counted as malformed, every slow client cut at the login
# deadline and the storm's logins refused.
# Usage: floods.sh METERHUB_BINARY SCENARIO FLOOD_PY [STORM_CONNECTIONS]
set -eu
mh=$1
scenario=$2
flood=$3
storm=${4:-3000}
. "$(dirname "$0")/lib.sh"
db=$dir/mh.db
command -v python3 > /dev/null || { echo "python3 not found"; exit 1; }

# The storm, serve and the field each need a descriptor a connection.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=65536
ulimit -n "$hard"
[ $((storm * 2 + 200)) -le "$hard" ] || storm=$(((hard - 200) / 2))
echo "open-file limit $hard: storm of $storm connections"

"$mh" sim archive "$scenario" --out "$dir/archive.csv"
login_ms=5000
start=$(date +%s)
start_serve 127.0.0.1:0 --archive "$dir/archive.csv" --round yesterday --once --grace 20 \
    --login-timeout-ms "$login_ms" --timeout-ms 3000 --patch-delay-ms 2000 --max-time 200

python3 "$flood" garbage 127.0.0.1 "$port" -n 4 > "$dir/garbage.log" 2>&1 &
track $!
garbage=$!
python3 "$flood" slow 127.0.0.1 "$port" -n 50 > "$dir/slow.log" 2>&1 &
track $!
slow=$!
python3 "$flood" storm 127.0.0.1 "$port" -n "$storm" > "$dir/storm.log" 2>&1 &
track $!
stormer=$!
sleep 1 # the floods first: the field logs in through them
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 240 > "$dir/sim.log" 2>&1 &
track $!
sim=$!

wait_serve
end=$(date +%s)
for p in $garbage $slow $stormer $sim; do
    kill -TERM "$p" 2>/dev/null || { echo "process $p died during the round" >&2; exit 1; }
done
for p in $garbage $slow $stormer $sim; do
    wait "$p" || { echo "process $p failed" >&2; exit 1; }
    untrack "$p"
done
cat "$dir/garbage.log" "$dir/slow.log" "$dir/storm.log" "$dir/serve.out"
echo "round under floods and shutdown took $((end - start)) s"
grep -q "round done" "$dir/serve.all"

"$mh" check truth --db "$db" "$scenario" --date yesterday --min-permille 999

# serve's counters: garbage counted, slow clients cut, the storm refused.
ports=$(grep "info serve: port:" "$dir/serve.all")
echo "$ports"
num() { echo "$ports" | sed -n "s/.* \([0-9]*\) $1.*/\1/p"; }
malformed=$(num malformed)
timeouts=$(num "login timeouts")
refused=$(num refused)
[ "$malformed" -gt 0 ] || { echo "garbage not counted" >&2; exit 1; }
[ "$timeouts" -ge 50 ] || { echo "only $timeouts connections cut at the login deadline" >&2; exit 1; }
[ "$refused" -ge "$storm" ] || { echo "only $refused of $storm storm logins refused" >&2; exit 1; }
grep -q "malformed frame" "$dir/serve.all"
grep -q "no login within $login_ms ms, closing" "$dir/serve.all"
# Every slow client was cut, none later than the login deadline and a second.
cut=$(sed -n 's/.*cut by the master \([0-9]*\) .*/\1/p' "$dir/slow.log")
late=$(sed -n 's/.*(max \([0-9]*\)\.[0-9] s after connect).*/\1/p' "$dir/slow.log")
[ "$cut" -ge 50 ] || { echo "only $cut slow clients cut" >&2; exit 1; }
[ "$late" -le $((login_ms / 1000 + 1)) ] || { echo "a slow client held on for $late s" >&2; exit 1; }
echo "floods: ok"

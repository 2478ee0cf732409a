#!/bin/sh
# The station publishing on a real NATS server while it collects a small
# lossy field from the simulator (tests/integration/collect_small.json):
#  1. streams for readings and for events + round summaries, a live
#     subscriber for link changes (published plainly);
#  2. a round with --nats and --export-dir, the NATS server killed with
#     SIGKILL mid-round and restarted: the round still completes (check
#     truth >= 99.9 %), the publisher counts a disconnect and a reconnect,
#     every reading a consumer got equals the exported freeze value;
#  3. a second round on the same store with NATS up throughout: the
#     readings in the stream are exactly the readings the round appended,
#     the round summary arrived, and the station's export equals
#     `meterhub export` run afterwards byte for byte.
# Usage: station_bus.sh METERHUB NATS_TOOL SCENARIO SOURCE_DIR
# Exits 77 (skipped) when nats-server is not installed, 1 when MH_TEST_NATS_REQUIRED is set.
set -eu
mh=$1
tool=$2
scenario=$3
src=$4
nats_dir=
. "$src/tests/integration/lib.sh" # dir, track, start_serve, wait_serve, cleanup
trap 'nats_stop; cleanup' EXIT
nats_stop() {
    [ -z "$nats_dir" ] || bash "$src/scripts/nats-test-server.sh" stop "$nats_dir" || true
}

if ! env_=$(bash "$src/scripts/nats-test-server.sh" start 2>"$dir/nats.err"); then
    cat "$dir/nats.err" >&2
    [ -z "${MH_TEST_NATS_REQUIRED:-}" ] || { echo "station_bus: nats-server would not start" >&2; exit 1; }
    echo "station_bus: no nats-server: skipped"
    exit 77
fi
eval "$env_"
url=$MH_TEST_NATS_URL
nats_dir=$MH_TEST_NATS_DIR

"$tool" "$url" stream MH_READINGS 'meterhub.readings.>'
"$tool" "$url" stream MH_EVENTS 'meterhub.events.>' 'meterhub.collect.>'
"$tool" "$url" sub 'meterhub.link.>' 600000 > "$dir/link.txt" 2> "$dir/link.err" &
track $!
for _ in $(seq 1 50); do grep -q ready "$dir/link.err" && break; sleep 0.1; done

db=$dir/mh.db
"$mh" sim archive "$scenario" --out "$dir/archive.csv"

# The station with the bus and exports, a round of yesterday, on LISTEN. Daily
# registers only: the published readings are compared with the readings export,
# which holds the day's frozen registers (curves and realtime values are not exported).
serve_round() {
    _l=$1
    shift
    start_serve "$_l" --nats "$url" --export-dir "$dir/out" --round yesterday --once \
        --login-timeout-ms 5000 --timeout-ms 3000 --patch-delay-ms 2000 --max-time 200 \
        --no-curves --no-realtime "$@"
}

# ---- 1, 2: a round with the server killed and restarted in the middle
serve_round 127.0.0.1:0 --archive "$dir/archive.csv" --grace 20
"$mh" sim run "$scenario" --master "127.0.0.1:$port" --quiet --duration 400 > "$dir/sim.log" 2>&1 &
track $!
for _ in $(seq 1 300); do
    n=$("$tool" "$url" count MH_READINGS 2>/dev/null || echo 0)
    [ "$n" -gt 20 ] && break
    sleep 0.1
done
[ "$n" -gt 20 ] || { echo "no readings published" >&2; cat "$dir/serve.err" >&2; exit 1; }
bash "$src/scripts/nats-test-server.sh" kill "$nats_dir"
echo "NATS killed after $n reading messages"
sleep 2
bash "$src/scripts/nats-test-server.sh" restart "$nats_dir"
wait_serve
cat "$dir/serve.out"
grep -q "round done" "$dir/serve.out"
grep "bus: closed" "$dir/serve.err"
# The publisher lost the server once and found it again; the station did not wait for it.
grep -q "bus: closed: .* [1-9][0-9]* disconnects, [1-9][0-9]* reconnects" "$dir/serve.err"
"$mh" check truth --db "$db" "$scenario" --date yesterday --min-permille 999
# What a consumer got is what the station stored: every published reading has
# the value the day's export holds for it.
day=$(ls "$dir/out")
"$tool" "$url" dump MH_READINGS 500 > "$dir/readings1.txt" 2>/dev/null
python3 - "$dir/readings1.txt" "$dir/out/$day/readings.csv" <<'EOF'
import csv, json, sys
exp = {(r["meter"], r["item"], r["time"]): r["value"] for r in csv.DictReader(open(sys.argv[2]))}
n = 0
for line in open(sys.argv[1]):
    subj, payload = line.rstrip("\n").split("\t", 1)
    msg = json.loads(payload)
    assert subj == "meterhub.readings.%s.%s" % (msg["region"], msg["terminal"]), subj
    for r in msg["readings"]:
        assert exp[(r["meter"], r["item"], r["time"])] == r["value"], r
        assert r["unit"] == "kWh" and r["quality"] == "valid", r
        n += 1
assert n > 0
print("published readings checked against the export: %d" % n)
EOF

# ---- 3: NATS up throughout: exactly the round's readings, once each
before=$("$tool" "$url" count MH_READINGS)
serve_round "127.0.0.1:$port" --grace 35
wait_serve
cat "$dir/serve.out"
appended=$(sed -n 's/.* \([0-9]*\) readings, .*/\1/p' "$dir/serve.out")
grep -q "bus: closed: .* 0 failed, 0 dropped; 0 disconnects" "$dir/serve.err"
"$tool" "$url" dump MH_READINGS 500 > "$dir/readings2.txt" 2>/dev/null
got=$(tail -n +"$((before + 1))" "$dir/readings2.txt" |
      python3 -c 'import json,sys; print(sum(len(json.loads(l.split("\t",1)[1])["readings"]) for l in sys.stdin))')
echo "round 2: $appended readings appended, $got published"
[ "$appended" -gt 0 ] && [ "$got" -eq "$appended" ]
# Round summaries: one per round, in the events stream.
"$tool" "$url" dump MH_EVENTS 500 > "$dir/events.txt" 2>/dev/null
[ "$(grep -c '^meterhub.collect.round	' "$dir/events.txt")" -eq 2 ]
grep '^meterhub.collect.round	' "$dir/events.txt" | tail -1 | grep -q "\"day\":\"$day\""
# Link changes, published plainly, reached the live subscriber.
grep -q '^meterhub.link.[0-9a-f]*\.[0-9A-Za-z_-]*	{"region":"[0-9a-f]*","terminal":".*","online":true' "$dir/link.txt"
# The station's export of the round's day equals the command's, byte for byte.
"$mh" export --db "$db" --date "$day" --what all --out "$dir/again"
for f in readings.csv events.csv collection.csv; do
    cmp "$dir/out/$day/$f" "$dir/again/$day/$f"
done
[ "$(wc -l < "$dir/out/$day/readings.csv")" -gt 100 ]
echo "station bus: ok"

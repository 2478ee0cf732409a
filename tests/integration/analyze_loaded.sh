#!/bin/sh
# The daily analysis on a store loaded with what collecting a week of
# tests/integration/analyze_loaded.json would have stored (meterhub sim
# load: daily freezes, events, and every day's 15-minute power, voltage and
# current curves and realtime reads, with every meter's voltage curve),
# without the network: four days analysed in order, the last one
# again with the same figures, and meterhub score --db --check on the
# stored alarms, consumption and line loss. With a second store URI the
# same is run there too and both score tables must be equal (SQLite and
# PostgreSQL give the same results).
# Usage: analyze_loaded.sh METERHUB_BINARY SCENARIO [DB [DB2]]
set -eu
mh=$1
scenario=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

run() { # run DB OUT: load, analyse, score into OUT
    "$mh" sim load "$scenario" --db "$1" --date 2026-01-20 --days 8 --curve-days 8 --curves
    for d in 17 18 19 20; do
        "$mh" analyze --db "$1" --date "2026-01-$d"
    done
    "$mh" analyze --db "$1" --date 2026-01-20 --json | sed 's/"seconds": [0-9.]*, //' > "$dir/a1"
    "$mh" analyze --db "$1" --date 2026-01-20 --json | sed 's/"seconds": [0-9.]*, //' > "$dir/a2"
    cmp "$dir/a1" "$dir/a2"
    status=0
    "$mh" score "$scenario" --date 2026-01-20 --db "$1" --check \
        --types stopped,reversed,racing,voltage_loss,phase_failure,imbalance,reverse_power,cover_open,over_capacity,sudden_drop,collect_failure \
        > "$2" || status=$?
    cat "$2"
    [ "$status" -eq 0 ]
    grep -q "theft localisation: \([0-9]*\) of \1 areas" "$2"
    # the voltage curves' quality: the meters below 100 % are the injected voltage faults
    grep -q "stored voltage quality: [1-9][0-9]* meters.*, \([1-9]\) below 100 % (\1 with" "$2"
}

run "${3:-$dir/mh.db}" "$dir/score1"
if [ -n "${4:-}" ]; then
    run "$4" "$dir/score2"
    # the same table on both stores (the first line holds the run time)
    tail -n +2 "$dir/score1" > "$dir/t1"
    tail -n +2 "$dir/score2" > "$dir/t2"
    diff "$dir/t1" "$dir/t2"
fi
echo "analyze loaded: ok"

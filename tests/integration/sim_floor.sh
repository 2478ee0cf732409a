#!/bin/sh
# meterhub sim floor on the demo field: with curves (the default) and the
# registers alone (--no-curves, the floor of a round run without curves),
# exchange counts and times as the model says: 1376.1 terminal 0 has 25
# points (4 groups of eight): login + clock + 4 register requests (+ 4
# curve requests); each costs the mean round trip 0.85 s plus 0.0121
# retries of a 10 s timeout. With curves the slowest is a DTU (terminal 250):
# its meter's three daily-freeze reads and its load records' 73 frames, and
# the address question, 77 exchanges.
# Usage: sim_floor.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
all=$("$mh" sim floor "$scenario")
regs=$("$mh" sim floor "$scenario" --no-curves)
echo "$all"
echo "$regs"
echo "$all" | grep -q "^exchanges for one day: 5930 (login, clock, frozen registers and curves,"
echo "$all" | grep -q "^floor: 74.8 s (terminal 250, 77 exchanges,"
echo "$regs" | grep -q "^exchanges for one day: 1490 (login, clock, frozen registers, 8 points"
echo "$regs" | grep -q "^floor: 5.8 s (terminal 0, 6 exchanges,"
if "$mh" sim floor "$scenario" --curves 2> /dev/null; then
    echo "an unknown option was taken" >&2
    exit 1
fi
echo "sim floor: ok"

#!/bin/sh
# Registers rolling over at their display capacity (999999.99 kWh), end to
# end: tests/integration/analyze_wrap.json puts every meter's import
# register just below it, so most roll over to 0 on the first day (through
# Q/GDW 1376.1, DL/T 698.45, DL/T 645 and behind a CT). meterhub sim load
# stores what collecting three days would, meterhub analyze runs each day,
# and meterhub score --db --check must find every day's stored consumption
# equal to the truth (none refused as a register that went down, no false
# reversed or racing alarm), while the meter made to run backwards from the
# second day (through 0 to 999999.99) is refused and alarmed as reversed.
# Usage: analyze_wrap.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db=$dir/mh.db

"$mh" sim load "$scenario" --db "$db" --date 2026-01-03 --days 2
for d in 01 02 03; do
    "$mh" analyze --db "$db" --date "2026-01-$d"
done
# the truth: how many meters' registers rolled over on the first day
"$mh" sim truth "$scenario" --date 2026-01-01 --out "$dir/truth" > /dev/null
wrapped=$(awk -F, 'NR > 1 { if ($1 == m && $3 < v) n++; m = $1; v = $3 } END { print n + 0 }' \
    "$dir/truth/registers.csv")
echo "registers rolled over on 2026-01-01: $wrapped"
[ "$wrapped" -ge 25 ]
"$mh" score "$scenario" --date 2026-01-01 --db "$db" --history 1 --check \
    --types reversed,racing | tee "$dir/s1"
grep -q "stored consumption: 38 meters equal to truth, 0 differ, 0 estimated, 0 refused" "$dir/s1"
"$mh" score "$scenario" --date 2026-01-02 --db "$db" --history 1 --check \
    --types reversed,racing | tee "$dir/s2"
grep -q "^reversed *1 *1 *1 *0 *0" "$dir/s2"
grep -q "stored consumption: 37 meters equal to truth, 0 differ, 0 estimated, 1 refused" "$dir/s2"
echo "analyze wrap: ok"

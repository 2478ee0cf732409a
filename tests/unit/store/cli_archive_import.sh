#!/bin/sh
# meterhub archive import: imports a simulated city's archive, imports it
# again (all unchanged), rejects a file with one bad row naming the line
# and changing nothing, and reports a PostgreSQL server it cannot reach.
# Usage: cli_archive_import.sh METERHUB_BINARY SCENARIO
set -eu
mh=$1
scenario=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export MH_LOG=warn

"$mh" sim archive "$scenario" --out "$dir/a.csv"
rows=$(($(wc -l < "$dir/a.csv") - 1))

out=$("$mh" archive import "$dir/a.csv" --db "$dir/s.db")
echo "$out"
echo "$out" | grep -q "meters $rows added, 0 updated, 0 unchanged, 0 retired"

out=$("$mh" archive import "$dir/a.csv" --db "sqlite:$dir/s.db")
echo "$out"
echo "$out" | grep -q "meters 0 added, 0 updated, $rows unchanged, 0 retired"

# line 5 gets a bad phase count; the rest of the file changes CT ratios
sed -e '5s/,dlt645-2007,1,1,1,/,dlt645-2007,X,1,1,/' -e 's/,dlt645-2007,3,60,1,/,dlt645-2007,3,75,1,/' \
    "$dir/a.csv" > "$dir/bad.csv"
if "$mh" archive import "$dir/bad.csv" --db "$dir/s.db" 2> "$dir/err"; then
    echo "a bad file was imported" >&2
    exit 1
fi
cat "$dir/err"
grep -q "line 5: column 'phases'" "$dir/err"
grep -q "nothing imported" "$dir/err"
out=$("$mh" archive import "$dir/a.csv" --db "$dir/s.db")
echo "$out" | grep -q "meters 0 added, 0 updated, $rows unchanged, 0 retired"

# a postgres:// URI is the PostgreSQL backend: nothing listens on port 1
if "$mh" archive import "$dir/a.csv" --db postgres://127.0.0.1:1/meterhub 2> "$dir/err"; then
    exit 1
fi
cat "$dir/err"
grep -q "cannot connect to PostgreSQL" "$dir/err"
echo "cli archive import: ok"

#!/bin/sh
# meterhub archive import into PostgreSQL, end to end through the binary:
# the same commands as with SQLite, only the --db URI differs. Skipped
# (exit 77) without MH_TEST_PG_URI.
# Usage: cli_archive_import_pg.sh METERHUB_BINARY SCENARIO
set -eu
if [ -z "${MH_TEST_PG_URI:-}" ]; then
    echo "SKIPPED: MH_TEST_PG_URI is not set"
    exit 77
fi
mh=$1
scenario=$2
dir=$(mktemp -d)
db="mh_cli_$$_$(date +%s)"
psql "$MH_TEST_PG_URI" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'rm -rf "$dir"; psql "$MH_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
server=${MH_TEST_PG_URI%%\?*}
uri="${server%/*}/$db"
export MH_LOG=warn

"$mh" sim archive "$scenario" --out "$dir/a.csv"
rows=$(($(wc -l < "$dir/a.csv") - 1))
out=$("$mh" archive import "$dir/a.csv" --db "$uri")
echo "$out"
echo "$out" | grep -q "meters $rows added, 0 updated, 0 unchanged, 0 retired"
out=$("$mh" archive import "$dir/a.csv" --db "$uri")
echo "$out"
echo "$out" | grep -q "meters 0 added, 0 updated, $rows unchanged, 0 retired"
test "$(psql "$uri" -Atc 'SELECT count(*) FROM meters WHERE active = 1')" -eq "$rows"
echo "cli archive import into PostgreSQL: ok"

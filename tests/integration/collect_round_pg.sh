#!/bin/sh
# The collection round of collect_round.sh, the same run, with the store in
# PostgreSQL: a throw-away database on the server MH_TEST_PG_URI names
# (scripts/test.sh starts one). Skipped (exit 77) without it.
# Usage: collect_round_pg.sh METERHUB_BINARY SCENARIO
set -eu
if [ -z "${MH_TEST_PG_URI:-}" ]; then
    echo "SKIPPED: MH_TEST_PG_URI is not set"
    exit 77
fi
mh=$1
scenario=$2
db="mh_round_$$_$(date +%s)"
psql "$MH_TEST_PG_URI" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'psql "$MH_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
server=${MH_TEST_PG_URI%%\?*}
sh "$(dirname "$0")/collect_round.sh" "$mh" "$scenario" "${server%/*}/$db"
test "$(psql "${server%/*}/$db" -Atc 'SELECT count(*) FROM readings')" -gt 0
echo "collect round on PostgreSQL: ok"

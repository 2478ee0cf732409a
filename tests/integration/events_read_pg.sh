#!/bin/sh
# events_read.sh with the store in PostgreSQL: a throw-away database on the
# server MH_TEST_PG_URI names (scripts/test.sh starts one). Skipped (exit 77)
# without it.
# Usage: events_read_pg.sh METERHUB_BINARY SCENARIO
set -eu
if [ -z "${MH_TEST_PG_URI:-}" ]; then
    echo "SKIPPED: MH_TEST_PG_URI is not set"
    exit 77
fi
db="mh_events_$$_$(date +%s)"
psql "$MH_TEST_PG_URI" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'psql "$MH_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
server=${MH_TEST_PG_URI%%\?*}
sh "$(dirname "$0")/events_read.sh" "$1" "$2" "${server%/*}/$db"
echo "events read on PostgreSQL: ok"

#!/bin/sh
# analyze_loaded.sh with the store in PostgreSQL (a throw-away database on
# the server MH_TEST_PG_URI names) beside a SQLite file: the same score.
# Skipped (exit 77) without a server.
# Usage: analyze_loaded_pg.sh METERHUB_BINARY SCENARIO
set -eu
if [ -z "${MH_TEST_PG_URI:-}" ]; then
    echo "SKIPPED: MH_TEST_PG_URI is not set"
    exit 77
fi
db="mh_analyze_$$_$(date +%s)"
psql "$MH_TEST_PG_URI" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
tmp=$(mktemp -d)
trap 'psql "$MH_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -rf "$tmp"' EXIT
server=${MH_TEST_PG_URI%%\?*}
sh "$(dirname "$0")/analyze_loaded.sh" "$1" "$2" "$tmp/mh.db" "${server%/*}/$db"

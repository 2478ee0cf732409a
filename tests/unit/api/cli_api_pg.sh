#!/bin/sh
# cli_api.py against PostgreSQL: the same commands (archive import, token
# add|list|revoke, meterhub api over HTTP and HTTPS), only --db differs.
# Skipped (exit 77) without MH_TEST_PG_URI.
# Usage: cli_api_pg.sh CLI_API_PY METERHUB_BINARY SCENARIO
set -eu
if [ -z "${MH_TEST_PG_URI:-}" ]; then
    echo "SKIPPED: MH_TEST_PG_URI is not set"
    exit 77
fi
db="mh_cli_api_$$_$(date +%s)"
psql "$MH_TEST_PG_URI" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'psql "$MH_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
server=${MH_TEST_PG_URI%%\?*}
MH_TEST_API_DB="${server%/*}/$db" python3 "$@"

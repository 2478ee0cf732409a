#!/bin/sh
# Runs store test binaries against the PostgreSQL server MH_TEST_PG_URI
# names (scripts/pg-test-server.sh starts one; scripts/test.sh does so
# when it can). Each run gets a new database, dropped afterwards, and each
# test its own schema in it ("{name}" in MH_TEST_STORE_URI becomes the
# search_path, which the store creates). Without MH_TEST_PG_URI the test
# is skipped: exit status 77 (SKIP_RETURN_CODE).
# Usage: pg_suite.sh test-binary...
if [ -z "${MH_TEST_PG_URI:-}" ]; then
    echo "SKIPPED: MH_TEST_PG_URI is not set; start a server with" \
         "eval \"\$(scripts/pg-test-server.sh start)\" or run scripts/test.sh"
    exit 77
fi
db="mh_test_$$_$(date +%s)"
psql "$MH_TEST_PG_URI" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db" || exit 1
trap 'psql "$MH_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
server=${MH_TEST_PG_URI%%\?*}
server=${server%/*}
export MH_TEST_STORE_URI="$server/$db?options=-csearch_path%3D{name}"
echo "store suite against $server/$db"
status=0
for t in "$@"; do
    "$t" || status=1
done
exit $status

#!/bin/sh
# The dashboard in a real browser: build web/, fill a store from the demo scenario's archive
# and a week of history (fill_store), serve it with meterhub api --web, drive chromium with
# dashboard.mjs. Usage: run.sh METERHUB FILL_STORE ARTIFACT_DIR
set -eu
meterhub=$1 fill=$2 out=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
"$src/scripts/web-build.sh"

tmp=$(mktemp -d /tmp/mh_browser_XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$meterhub" sim archive "$src/examples/scenarios/demo.json" --out "$tmp/archive.csv"
"$meterhub" archive import "$tmp/archive.csv" --db "$tmp/store.db"
"$fill" "$tmp/store.db" 7
token=$("$meterhub" api token add browser --role viewer --db "$tmp/store.db" | grep -o 'mh_[0-9a-f]*')

"$meterhub" api --db "$tmp/store.db" --listen 127.0.0.1:0 --web "$src/web/dist" 2>"$tmp/api.log" &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*serving .* on http://127.0.0.1:\([0-9]*\)/api/v1.*|\1|p' "$tmp/api.log")
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    cat "$tmp/api.log" >&2
    echo "run.sh: meterhub api did not start" >&2
    exit 1
fi
mkdir -p "$out"
node "$src/tests/browser/dashboard.mjs" "http://127.0.0.1:$port" "$token" "$out"

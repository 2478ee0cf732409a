#!/bin/sh
# The dashboard in a real browser: build web/, fill a store from the demo scenario's archive
# and a week of history (fill_store), serve it with meterhub api --web, drive chromium with
# dashboard.mjs. Usage: run.sh METERHUB FILL_STORE ARTIFACT_DIR
set -eu
meterhub=$1 fill=$2 out=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
"$src/scripts/web-build.sh"

tmp=$(mktemp -d /tmp/mh_browser_XXXXXX)
pid="" simpid=""
cleanup() {
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
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

# The dashboard against the station itself: serve --api over the small station scenario with
# the simulator as its field, an operator's token; station.mjs reads a meter on demand and
# watches the overview's live card while the field stops.
kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
pid=""
scen="$src/tests/unit/api/station_api.json"
"$meterhub" sim archive "$scen" --out "$tmp/station.csv"
"$meterhub" archive import "$tmp/station.csv" --db "$tmp/station.db"
optoken=$("$meterhub" api token add ops --role operator --db "$tmp/station.db" | grep -o 'mh_[0-9a-f]*')
op2token=$("$meterhub" api token add ops2 --role operator --db "$tmp/station.db" | grep -o 'mh_[0-9a-f]*')
"$meterhub" serve --db "$tmp/station.db" --listen 127.0.0.1:0 --no-schedule --login-timeout-ms 3000 \
    --api 127.0.0.1:0 --web "$src/web/dist" --confirm-over 1 2>"$tmp/serve.log" &
pid=$!
sport="" aport=""
for _ in $(seq 1 100); do
    sport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\),.*/\1/p' "$tmp/serve.log")
    aport=$(sed -n 's|.*api on http://127.0.0.1:\([0-9]*\)/api/v1.*|\1|p' "$tmp/serve.log")
    [ -n "$sport" ] && [ -n "$aport" ] && break
    sleep 0.1
done
if [ -z "$aport" ]; then
    cat "$tmp/serve.log" >&2
    echo "run.sh: meterhub serve --api did not start" >&2
    exit 1
fi
"$meterhub" sim run "$scen" --master "127.0.0.1:$sport" --quiet >"$tmp/sim.log" 2>&1 &
simpid=$!
node "$src/tests/browser/station.mjs" "http://127.0.0.1:$aport" "$optoken" "$out" "$simpid" 1 "$op2token"

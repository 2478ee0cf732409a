# Shared by the station's robustness tests (sourced, POSIX sh): a temp dir,
# processes killed on every exit path, serve started on a loopback port
# learnt from its log. The caller sets mh (the meterhub binary).
dir=$(mktemp -d)
pids=
keep=${MH_TEST_KEEP:-}
cleanup() {
    for p in $pids; do
        kill -9 "$p" 2>/dev/null || true
    done
    for p in $pids; do
        wait "$p" 2>/dev/null || true
    done
    if [ -n "$keep" ]; then
        echo "kept $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Remember a background process for cleanup; forget it once waited for.
track() { pids="$pids $1"; }
untrack() {
    _n=
    for p in $pids; do [ "$p" = "$1" ] || _n="$_n $p"; done
    pids=$_n
}

# start_serve LISTEN ARGS...: serve on the store $db in the background
# (srv = its pid, port = the port it listens on), logs in $dir/serve.{out,err}
# appended to $dir/serve.all.
start_serve() {
    _listen=$1
    shift
    : > "$dir/serve.err"
    "$mh" serve --db "$db" --listen "$_listen" --no-schedule "$@" \
        > "$dir/serve.out" 2> "$dir/serve.err" &
    srv=$!
    track "$srv"
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\),.*/\1/p' "$dir/serve.err")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$dir/serve.err" >&2; exit 1; }
}

# wait_serve: wait for serve to exit by itself; its exit status must be 0.
wait_serve() {
    _rc=0
    wait "$srv" || _rc=$?
    untrack "$srv"
    cat "$dir/serve.out" "$dir/serve.err" >> "$dir/serve.all"
    srv=
    [ "$_rc" -eq 0 ] || { echo "serve exited with $_rc" >&2; tail -20 "$dir/serve.err" >&2; exit 1; }
}

sql() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }

# wait_stored N: wait (up to 60 s) until the store holds N readings; stored = the count seen.
wait_stored() {
    stored=0
    for _ in $(seq 1 600); do
        stored=$(sql "SELECT count(*) FROM readings" 2>/dev/null || echo 0)
        [ "$stored" -ge "$1" ] && break
        sleep 0.1
    done
}

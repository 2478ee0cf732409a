#!/usr/bin/env bash
# A throw-away NATS server (Debian's nats-server) with JetStream for the
# tests and benchmarks: loopback only, its JetStream store in a temporary
# directory, no authentication.
#
# Usage:
#   eval "$(scripts/nats-test-server.sh start)"   prints and so exports
#       MH_TEST_NATS_URL   nats://127.0.0.1:PORT
#       MH_TEST_NATS_DIR   the temporary directory (JetStream store, log, pid, port)
#   scripts/nats-test-server.sh kill DIR      SIGKILL the server (a crash; DIR kept)
#   scripts/nats-test-server.sh restart DIR   start it again on the same port and store
#   scripts/nats-test-server.sh pause DIR     SIGSTOP it (a hung server), resume DIR: SIGCONT
#   scripts/nats-test-server.sh stop DIR      stop it and remove DIR
# Environment: NATS_SERVER (default: nats-server on PATH or /usr/sbin/nats-server),
#              MH_TEST_NATS_PORT (default: the first free port from 24222 + PID % 1000:
#              below the kernel's ephemeral ports, which client sockets take, and spread
#              so that tests starting servers at the same time do not race for one port).
set -euo pipefail

bin=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
if [ ! -x "$bin" ]; then
    echo "nats-test-server: no nats-server (apt-get install nats-server)" >&2
    exit 1
fi

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

run() {
    local dir=$1 port
    port=$(cat "$dir/port")
    "$bin" -a 127.0.0.1 -p "$port" -js -sd "$dir/js" -P "$dir/pid" >>"$dir/server.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break # it exited: the port was taken after all
        port_free "$port" || return 0
        sleep 0.05
    done
    cat "$dir/server.log" >&2
    return 1
}

halt() {
    local dir=$1 sig=$2 pid
    [ -f "$dir/pid" ] || return 0
    pid=$(cat "$dir/pid")
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    rm -f "$dir/pid"
}

dir_arg() {
    local dir=${1:-${MH_TEST_NATS_DIR:-}}
    if [ -z "$dir" ] || [ ! -f "$dir/port" ]; then
        echo "nats-test-server: no server directory given" >&2
        exit 1
    fi
    echo "$dir"
}

case "${1:-}" in
start)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/mh-nats-XXXXXX")
    port=${MH_TEST_NATS_PORT:-$((24222 + $$ % 1000))}
    # A port that looked free may be taken by the time the server binds: try the next ones.
    for attempt in 1 2 3 4 5 6 7 8; do
        while ! port_free "$port"; do port=$((port + 1)); done
        echo "$port" >"$dir/port"
        if run "$dir" 2>/dev/null; then
            break
        fi
        if [ "$attempt" -eq 8 ] || ! grep -q "address already in use" "$dir/server.log"; then
            cat "$dir/server.log" >&2
            rm -rf "$dir"
            exit 1
        fi
        port=$((port + 1))
    done
    echo "export MH_TEST_NATS_URL='nats://127.0.0.1:$port'"
    echo "export MH_TEST_NATS_DIR='$dir'"
    echo "nats-test-server: $("$bin" --version) on 127.0.0.1:$port, JetStream store in $dir" >&2
    ;;
kill)
    halt "$(dir_arg "${2:-}")" KILL
    ;;
pause | resume)
    # SIGSTOP / SIGCONT: connections stay up, nothing is answered meanwhile
    dir=$(dir_arg "${2:-}")
    sig=STOP
    [ "$1" = pause ] || sig=CONT
    kill "-$sig" "$(cat "$dir/pid")"
    ;;
restart)
    dir=$(dir_arg "${2:-}")
    halt "$dir" TERM
    run "$dir"
    ;;
stop)
    dir=$(dir_arg "${2:-}")
    halt "$dir" TERM
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start | kill DIR | restart DIR | pause DIR | resume DIR | stop DIR" >&2
    exit 2
    ;;
esac

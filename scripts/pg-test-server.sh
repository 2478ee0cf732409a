#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests and benchmarks, from
# Debian's packages: a new cluster in a temporary directory, listening on
# 127.0.0.1 only (and a socket inside that directory), trust
# authentication, superuser "postgres". Run as root, the server runs as
# the "postgres" system user (PostgreSQL refuses to run as root).
#
# Usage:
#   eval "$(scripts/pg-test-server.sh start)"   prints and so exports
#       MH_TEST_PG_URI      postgresql://postgres@127.0.0.1:PORT/postgres
#       MH_TEST_PG_DIR      the temporary directory (data, socket, log)
#       MH_TEST_PG_RESTART  the command that restarts the server (tests)
#   scripts/pg-test-server.sh restart DIR   restart it (pg_ctl restart -m fast)
#   scripts/pg-test-server.sh stop DIR      stop it and remove DIR
# Environment: PG_BINDIR (default: the newest /usr/lib/postgresql/*/bin),
#              MH_TEST_PG_PORT (default: the first free port from 55432).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "pg-test-server: no PostgreSQL server binaries (apt-get install postgresql)" >&2
    exit 1
fi

# Run a server binary as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "pg-test-server: running as root and there is no postgres user" >&2
        exit 1
    fi
    local dir port
    # /tmp when root: the postgres user must reach the directory, and TMPDIR may be private
    local base=${TMPDIR:-/tmp}
    [ "$(id -u)" -ne 0 ] || base=/tmp
    dir=$(mktemp -d "$base/mh-pg-XXXXXX")
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    if ! as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 1
    fi
    port=${MH_TEST_PG_PORT:-55432}
    while ! port_free "$port"; do port=$((port + 1)); done
    # Settings for a test server on a shared machine: small, and local only.
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 128MB
max_wal_size = 2GB
CONF
    # The probe above cannot see a port held by another process's outgoing
    # connection (55432 is in Linux's ephemeral range) or taken since: on
    # "could not bind", the next free port (the last port line wins).
    local tries=0
    while ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -ge 20 ] || ! grep -q "could not bind" "$dir/server.log"; then
            cat "$dir/server.log" >&2
            rm -rf "$dir"
            exit 1
        fi
        port=$((port + 1))
        while ! port_free "$port"; do port=$((port + 1)); done
        echo "port = $port" >>"$dir/data/postgresql.conf"
        : >"$dir/server.log"
    done
    echo "export MH_TEST_PG_URI='postgresql://postgres@127.0.0.1:$port/postgres'"
    echo "export MH_TEST_PG_DIR='$dir'"
    echo "export MH_TEST_PG_RESTART='$here/pg-test-server.sh restart $dir'"
    echo "pg-test-server: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
}

dir_arg() {
    local dir=${1:-${MH_TEST_PG_DIR:-}}
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
        echo "pg-test-server: no server directory given" >&2
        exit 1
    fi
    echo "$dir"
}

case "${1:-}" in
start) start ;;
restart)
    dir=$(dir_arg "${2:-}")
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
stop)
    dir=$(dir_arg "${2:-}")
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start | restart DIR | stop DIR" >&2
    exit 2
    ;;
esac

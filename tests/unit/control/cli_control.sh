#!/bin/sh
# meterhub control against a fresh SQLite store: the protect list added,
# listed, refused twice, removed; bad requests exit 1 or 2; the command
# list of an empty store is empty. Usage: cli_control.sh METERHUB-BIN
set -eu
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/c.db"
fail() { echo "cli_control: $*" >&2; exit 1; }

"$bin" control protect add customer C00000042 --reason "hospital" --by planner --db "$db" 2>/dev/null
"$bin" control protect add meter 100000000007 --reason "water works" --by planner --db "$db" 2>/dev/null
if "$bin" control protect add customer C00000042 --reason "again" --by planner --db "$db" 2>"$dir/err"; then
    fail "a second add of the same entry succeeded"
fi
grep -q "already exists" "$dir/err" || fail "no reason given for the refused add"
out=$("$bin" control protect list --db "$db" 2>/dev/null)
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "list: $out"
echo "$out" | head -1 | grep -q "^customer	C00000042	hospital	planner	" || fail "first row: $out"
"$bin" control protect remove customer C00000042 --db "$db" 2>/dev/null
out=$("$bin" control protect list --db "$db" 2>/dev/null)
[ "$out" = "$(echo "$out" | grep '^meter	100000000007')" ] || fail "after remove: $out"
if "$bin" control protect remove customer C00000042 --db "$db" 2>/dev/null; then
    fail "removing a missing entry succeeded"
fi
set +e
"$bin" control protect add hospital X --reason r --by b --db "$db" 2>/dev/null
[ $? -eq 1 ] || fail "a bad kind was not refused"
"$bin" control 2>/dev/null
[ $? -eq 2 ] || fail "no arguments: not a usage error"
set -e
[ -z "$("$bin" control list --db "$db" 2>/dev/null)" ] || fail "commands in a fresh store"
if "$bin" control show 1 --db "$db" 2>/dev/null; then
    fail "show of a missing command succeeded"
fi
if "$bin" control plan show 1 --db "$db" 2>"$dir/err"; then
    fail "show of a missing plan succeeded"
fi
grep -q "meterhub control:" "$dir/err" || fail "no reason given for the missing plan"
set +e
"$bin" control plan show x --db "$db" 2>/dev/null
[ $? -eq 1 ] || fail "a bad plan id was not refused"
set -e
echo "cli_control: ok"

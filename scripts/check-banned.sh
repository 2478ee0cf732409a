#!/usr/bin/env bash
# Fails when C sources call a function STYLE.md bans (unbounded or
# error-swallowing string and number routines) or declare a VLA-prone alloca.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(sprintf|vsprintf|strcpy|strcat|strncpy|atoi|atol|atoll|sscanf|strtok|gets|alloca)[[:space:]]*\('
hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' src include sim tests fuzz bench 2>/dev/null \
       | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' || true)
if [ -n "$hits" ]; then
    echo "check-banned: banned functions used:" >&2
    echo "$hits" >&2
    exit 1
fi
echo "check-banned: clean"

#!/bin/sh
# Builds the dashboard (web/) into web/dist, which meterhub api --web serves.
# Idempotent: npm ci runs only when package-lock.json changed since the last
# install, the build only when a source is newer than web/dist/index.html.
# Usage: scripts/web-build.sh [--force]
set -eu
cd "$(dirname "$0")/../web"
force=${1:-}

stamp=node_modules/.meterhub-lock
if [ ! -f package-lock.json ]; then
    npm install --no-audit --no-fund
elif [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    # npm ci refuses a lock whose optional platform packages (rollup, esbuild for other
    # systems) the registry left out; npm install then installs the same locked versions.
    npm ci --no-audit --no-fund || npm install --no-audit --no-fund
    cp package-lock.json "$stamp"
fi

if [ "$force" != "--force" ] && [ -f dist/index.html ] &&
    [ -z "$(find src index.html package.json vite.config.ts tsconfig.json -newer dist/index.html | head -1)" ]; then
    echo "web-build: web/dist is up to date"
    exit 0
fi
npm run build

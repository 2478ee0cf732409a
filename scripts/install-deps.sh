#!/usr/bin/env bash
# Installs every Debian package meterhub's build, tests, fuzzing and
# benchmarks need. Idempotent: apt-get runs only when something is missing.
# Usage: scripts/install-deps.sh        (as root, or with sudo available)
set -euo pipefail

packages=(
    # build
    cmake ninja-build pkg-config gcc clang libclang-rt-14-dev llvm-14
    # libraries (ARCHITECTURE.md "Dependencies")
    libjansson-dev libcmocka-dev libsqlite3-dev libuv1-dev
    # the PostgreSQL store backend (libpq) and a server for its tests
    libpq-dev postgresql
    # the HTTP API (src/api): libmicrohttpd (GnuTLS for HTTPS), OpenSSL libcrypto for token hashes
    libmicrohttpd-dev libssl-dev
    # the message bus (src/bus): the NATS C client, and a server for its tests
    libnats-dev nats-server
    # tools the tests and benchmarks call
    valgrind python3 xxd openssl
    # the dashboard's browser test (tests/browser): headless chromium driven by playwright-core,
    # and a CJK font for its Chinese labels
    chromium fonts-wqy-zenhei
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

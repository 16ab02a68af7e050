#!/usr/bin/env bash
# Installs what building and testing act_pg needs on Debian 12, if missing:
# the PostgreSQL 15 server and headers, a C++ compiler, clang for the LLVM
# bitcode PGXS builds, IPC::Run for the TAP tests, and Node 20 with npm for
# the Node client's tests.
set -euo pipefail
packages=(postgresql-15 postgresql-server-dev-15 postgresql-common g++ make clang-14 llvm-14 libipc-run-perl)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The Node client's tests (clients/node) need Node 20+ and npm, which this
# machine kind has; elsewhere npm brings Node 20 from its binary package.
if ! command -v npm >/dev/null; then
    echo "installing: nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nodejs npm >/dev/null
fi
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
    echo "installing: Node 20 (npm package node@20)"
    npm install -g --no-audit --no-fund node@20 >/dev/null
fi

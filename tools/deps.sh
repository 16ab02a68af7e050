#!/usr/bin/env bash
# Installs what building and testing act_pg needs on Debian 12, if missing:
# the PostgreSQL 15 server and headers, a C++ compiler, clang for the LLVM
# bitcode PGXS builds, and IPC::Run for the TAP tests.
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

#!/usr/bin/env bash
# Install Debian's PostgreSQL server when it is missing, for tests/sweep/test_sweep_postgres.py
# (which starts its own server in a temporary data directory, as the `postgres` user, on a Unix
# socket). Idempotent and instant when a server is already installed; `apt-get update` runs only
# when the package has to be installed.
set -euo pipefail

found() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && id postgres >/dev/null 2>&1; }
if found; then exit 0; fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "[postgres] PostgreSQL is missing and installing it needs root (apt-get install postgresql)" >&2
    exit 1
  fi
fi
echo "[postgres] installing Debian's postgresql package" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
found

#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for the native cluster (npm run cluster) when they are missing.
# Idempotent and quiet: a no-op when a server is already installed; otherwise apt-get update + install, output only on
# failure. Needs root (CI runs as root) or passwordless sudo. No system cluster is used: `npm run cluster` keeps its
# own data folder and port.
set -euo pipefail

if compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || command -v postgres >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-postgresql: PostgreSQL (>= 12) is missing and this machine has no apt-get; install its server package, or set VEND_PG_BINDIR to the folder holding initdb and postgres" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "ensure-postgresql: PostgreSQL is missing; run as root: apt-get update && apt-get install -y postgresql" >&2
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "ensure-postgresql: installing Debian's postgresql package (first run only)" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure-postgresql: apt-get failed (output above)" >&2
  exit 1
fi
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  echo "ensure-postgresql: the postgresql package is installed but no /usr/lib/postgresql/*/bin/postgres exists" >&2
  exit 1
fi

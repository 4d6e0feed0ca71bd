#!/usr/bin/env bash
# Installs pgbench, which the benchmarks run as the ceiling of one event per transaction
# (bench/progress/pgbench.ts): the embedded-postgres packages ship no pgbench, so Debian's
# postgresql-client is the source. Idempotent: does nothing when pgbench is already on PATH.
set -euo pipefail

if command -v pgbench >/dev/null 2>&1; then
  echo "setup-bench: $(command -v pgbench) present ($(pgbench --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-bench: pgbench missing and not root (no sudo): install Debian's postgresql-client package" >&2
    exit 1
  fi
fi

echo "setup-bench: installing Debian's postgresql-client (pgbench)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql-client >/dev/null

if ! command -v pgbench >/dev/null 2>&1; then
  echo "setup-bench: postgresql-client installed but pgbench is not on PATH" >&2
  exit 1
fi
echo "setup-bench: installed $(pgbench --version 2>/dev/null || echo pgbench)"

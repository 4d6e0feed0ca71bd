#!/usr/bin/env bash
# Installs pgbench, which the benchmarks run as the ceiling of one event per transaction
# (bench/progress/pgbench.ts): the embedded-postgres packages ship no pgbench, so Debian's
# postgresql-client is the source. Idempotent: does nothing when pgbench is already on PATH.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-debian-package.sh" pgbench postgresql-client setup-bench

#!/usr/bin/env bash
# Installs the headless browser the web end-to-end tests drive (tests/web-e2e.test.ts):
# Debian's chromium, driven by playwright-core. playwright's own browser downloads cannot be used
# (no network but the package registries), so the distribution package is the one source.
# Idempotent: does nothing when /usr/bin/chromium is already there.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-debian-package.sh" /usr/bin/chromium chromium setup-browser

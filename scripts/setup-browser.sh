#!/usr/bin/env bash
# Installs the headless browser the web end-to-end tests drive (tests/web-e2e.test.ts):
# Debian's chromium, driven by playwright-core. playwright's own browser downloads cannot be used
# (no network but the package registries), so the distribution package is the one source.
# Idempotent: does nothing when /usr/bin/chromium is already there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "setup-browser: $CHROMIUM present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-browser: $CHROMIUM missing and not root (no sudo): install Debian's chromium package" >&2
    exit 1
  fi
fi

echo "setup-browser: installing Debian's chromium..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "setup-browser: chromium installed but $CHROMIUM is missing" >&2
  exit 1
fi
echo "setup-browser: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"

#!/usr/bin/env bash
# Makes sure a command from a Debian package is on this machine, installing the package with
# apt-get when it is missing (the only source besides the npm registry that our machines reach).
# Idempotent: does nothing when the command is already there.
#   scripts/ensure-debian-package.sh <command-or-path> <package> <who is asking>
set -euo pipefail
COMMAND=$1
PACKAGE=$2
WHO=${3:-setup}

present() { command -v "$COMMAND" >/dev/null 2>&1; }
version() { "$COMMAND" --version 2>/dev/null || echo 'version unknown'; }

if present; then
  echo "$WHO: $(command -v "$COMMAND") present ($(version))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "$WHO: $COMMAND missing and not root (no sudo): install Debian's $PACKAGE package" >&2
    exit 1
  fi
fi

echo "$WHO: installing Debian's $PACKAGE..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$PACKAGE" >/dev/null

if ! present; then
  echo "$WHO: $PACKAGE installed but $COMMAND is missing" >&2
  exit 1
fi
echo "$WHO: installed $(version)"

#!/usr/bin/env bash
# Installs the Debian packages Parley needs to build, run and test.
# Safe to run repeatedly: it does nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
  # build: C libraries linked by Parley
  libsqlite3-dev libasound2-dev libopus-dev libopusenc-dev libogg-dev
  # run and operate
  sqlite3 systemd
  # real peers used by the tests
  socat minimodem multimon-ng libhamlib-utils opus-tools espeak-ng sox util-linux
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

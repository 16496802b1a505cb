#!/usr/bin/env bash
# Install the system programs named as arguments when missing: python (python3-venv), dot (the
# course's Graphviz), chromium (the browser test only). `make lab` asks for dot, `make test` adds chromium.
# Uses apt-get when it can (root on Debian/Ubuntu); otherwise says what to run.
set -euo pipefail

declare -A probe=( [python]="python3 -m venv --help" [dot]="dot -V" [chromium]="chromium --version" )
declare -A debian=( [python]="python3 python3-venv python3-dev" [dot]="graphviz" [chromium]="chromium fonts-dejavu-core" )

missing=()
for want in "$@"; do
  ${probe[$want]} >/dev/null 2>&1 || missing+=("${debian[$want]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages="${missing[*]}"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: $packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  echo "Installing system packages with sudo: $packages"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
else
  echo "Missing system packages: $packages" >&2
  echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install $packages;" >&2
  echo "macOS: brew install graphviz chromium), then run make again." >&2
  exit 1
fi

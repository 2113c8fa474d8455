#!/usr/bin/env bash
# Installs the Debian packages the tests use (.ci/apt-packages: Chromium for the UI tests, Podman and friends for the
# container tests) when any is missing, then sets Podman up. Part of the README's test command; needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(cat .ci/apt-packages)
missing=""
for p in $packages; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "== installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null
fi
bash .ci/setup-containers.sh # Podman settings for the container tests (runc, cgroupfs)

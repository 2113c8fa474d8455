#!/usr/bin/env bash
# Installs the Debian packages the tests use (.ci/apt-packages: Chromium for the UI tests, Podman and friends for the
# container tests) when any is missing, and Python's jsonschema (the editor JSON Schema's test), then sets Podman up.
# Part of the README's test command; needs root for apt.
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
# src/project/json-schema-rules.test.ts judges `handoff schema` with Python's jsonschema (moto's extras usually bring it
# along); pip into the python3 the tests run, else Debian's package when that python3 is the system's own (PEP 668).
if ! python3 -c 'import jsonschema' >/dev/null 2>&1; then
  echo "== installing Python's jsonschema"
  python3 -m pip install --quiet 'jsonschema>=4' || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema >/dev/null
  }
fi
bash .ci/setup-containers.sh # Podman settings for the container tests (runc, cgroupfs)

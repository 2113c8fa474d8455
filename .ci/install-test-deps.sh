#!/usr/bin/env bash
# Installs the Debian packages the tests use (.ci/apt-packages: Chromium for the UI tests, Podman and friends for the
# container tests) when any is missing, and the Python modules they use (moto for the AWS tests, jsonschema, Jinja2,
# PyYAML), then sets Podman up.
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
# The Python modules the tests import, into the python3 on PATH that they run:
# - moto: test/helpers/moto-server.ts starts `python3 -m moto.server` for every AWS test (its [server] extra brings
#   boto3, which the helper's callBoto3 uses, and cfn-lint, which the template tests run when it is on PATH);
# - jsonschema: src/project/json-schema-rules.test.ts judges `handoff schema` with it;
# - Jinja2 and PyYAML: test/compat.test.ts renders with them as the original did (its oracle).
# Debian's own python3 refuses pip (PEP 668, "externally managed"): there the modules go in with
# --break-system-packages, which for root means /usr/local, beside Debian's packages and not over them.
# Each missing module is installed on its own, so one that no reachable index holds does not keep the others out.
declare -A python_requirements=(
  [moto]='moto[server]>=5,<6'
  [boto3]='boto3'
  [jsonschema]='jsonschema>=4'
  [jinja2]='Jinja2>=3.1,<3.2'
  [yaml]='PyYAML>=6'
)
python=$(python3 -c 'import sys; print(sys.executable)')
missing_python=()
for module in moto boto3 jsonschema jinja2 yaml; do
  python3 -c "import $module" >/dev/null 2>&1 || missing_python+=("$module")
done
if [ ${#missing_python[@]} -gt 0 ]; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
  fi
  for module in "${missing_python[@]}"; do
    requirement=${python_requirements[$module]}
    echo "== installing Python's $requirement into $python"
    python3 -m pip install --quiet "$requirement" ||
      python3 -m pip install --quiet --break-system-packages "$requirement" || true
    if ! python3 -c "import $module" >/dev/null 2>&1; then
      echo "error: $python still cannot import $module, which the tests need" >&2
      echo "fix: install it into that python3 (python3 -m pip install '$requirement', from a package index this machine reaches), or put a python3 that has it first on PATH" >&2
      exit 1
    fi
  done
fi
bash .ci/setup-containers.sh # Podman settings for the container tests (runc, cgroupfs)

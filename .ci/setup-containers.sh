#!/usr/bin/env bash
# Makes Podman usable on CI machines (root, no systemd, crun unusable): runc, cgroupfs and fixed ulimits.
# The container tests and `npm run container:base` run Podman; a workstation with a working Docker or Podman needs none of this.
set -euo pipefail

if ! command -v podman >/dev/null 2>&1; then
  echo "setup-containers: podman is not installed (list it in .ci/apt-packages); the container tests will be skipped" >&2
  exit 0
fi

conf=/etc/containers/containers.conf
mkdir -p /etc/containers
# Written only when missing or written by us before, so a machine's own Podman settings are never overwritten.
if [ ! -e "$conf" ] || grep -q '^# written by handoff' "$conf"; then
  cat > "$conf" <<'CONF'
# written by handoff .ci/setup-containers.sh: crun fails on these machines, and there is no systemd to manage cgroups.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

# A quick proof that containers start here; the base image itself is built (and cached) by `npm run container:base`.
podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}'

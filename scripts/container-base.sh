#!/usr/bin/env bash
# Builds the offline base image of handoff's containers (Debian bookworm minbase + Python 3 venv + tini + this
# machine's Node.js) and prints its name; cached: an existing image is kept unless --force.
#
# Why offline: no public container registry may be reachable, but Debian's packages are. debootstrap makes the root
# file system from the same Debian mirror apt uses here, the container CLI imports it, and one build step installs
# Python and tini with apt inside it. Debian's own nodejs is older than 20, so the image gets this machine's node binary
# (both are Debian bookworm, so its shared libraries match).
#
# Usage: npm run container:base [-- --force]
# Env:   HANDOFF_CONTAINER_PROVIDER=podman|docker (default: podman when installed, else docker)
#        HANDOFF_DEBIAN_MIRROR=URL (default: the first Debian archive in apt's sources)
#        HANDOFF_NODE_BINARY=PATH (default: the node running npm, else `command -v node`)
set -euo pipefail

# Keep in step with DEFAULT_BASE_IMAGE in src/container/base-image.ts (a unit test checks they agree). Bump the
# revision when this script changes what the image holds, so cached images of the old recipe are not reused.
IMAGE="localhost/handoff-base:bookworm-node20-r1"
ROOTFS_IMAGE="localhost/handoff-base-rootfs:bookworm"

force=false
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "container-base: unknown argument $arg (use --force to rebuild)" >&2; exit 2 ;;
  esac
done

log() { echo "container-base: $*" >&2; }

cli="${HANDOFF_CONTAINER_PROVIDER:-}"
if [ -z "$cli" ]; then
  if command -v podman >/dev/null 2>&1; then cli=podman
  elif command -v docker >/dev/null 2>&1; then cli=docker
  else
    log "neither podman nor docker is installed (Debian: apt-get install podman buildah runc fuse-overlayfs)"
    exit 2
  fi
fi

image_exists() { "$cli" image inspect "$1" >/dev/null 2>&1; }

if [ "$force" = false ] && image_exists "$IMAGE"; then
  log "$IMAGE exists already (use --force to rebuild)"
  echo "$IMAGE"
  exit 0
fi

node_binary="${HANDOFF_NODE_BINARY:-${npm_node_execpath:-$(command -v node)}}"
node_major="$("$node_binary" -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  log "$node_binary is Node.js $("$node_binary" --version); the base image needs Node.js 20 (set HANDOFF_NODE_BINARY)"
  exit 2
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  log "debootstrap is not installed (Debian: apt-get install debootstrap)"
  exit 2
fi

# The Debian archive apt uses here (deb822 `URIs:` or one-line `deb` entries), skipping the security archive.
find_mirror() {
  cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null \
    | sed -n -e 's/^URIs:[[:space:]]*//p' -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
    | tr ' ' '\n' | grep -E '^https?://.*/debian/?$' | head -n 1
}
mirror="${HANDOFF_DEBIAN_MIRROR:-$(find_mirror || true)}"
if [ -z "$mirror" ]; then
  log "could not find a Debian mirror in apt's sources; set HANDOFF_DEBIAN_MIRROR"
  exit 2
fi

work="$(mktemp -d /tmp/handoff-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT

log "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  log "debootstrap failed (full log above)"
  exit 1
}
# Package lists and caches from debootstrap are not needed in the image.
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*

log "importing the root file system as $ROOTFS_IMAGE"
tar -C "$work/rootfs" -c . | "$cli" import - "$ROOTFS_IMAGE" >/dev/null

mkdir -p "$work/context"
cp "$node_binary" "$work/context/node"
cat >"$work/context/Dockerfile" <<EOF
FROM $ROOTFS_IMAGE
# tini is the init process: it forwards signals to handoff and reaps orphaned processes.
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv tini ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY node /usr/local/bin/node
RUN node --version && python3 -m venv /tmp/venv-check && rm -rf /tmp/venv-check && tini --version
LABEL org.opencontainers.image.title="handoff base: Debian bookworm, Node.js $("$node_binary" --version), Python 3, tini"
EOF

log "installing python3, python3-venv, tini and Node.js $("$node_binary" --version) into $IMAGE"
"$cli" build --network host -t "$IMAGE" "$work/context" >&2
"$cli" rmi "$ROOTFS_IMAGE" >/dev/null 2>&1 || true
echo "$IMAGE"

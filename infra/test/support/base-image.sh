#!/usr/bin/env bash
# Makes the local base image the infra tests build the Conexizan image on,
# since no container registry can be reached here: Debian trixie (the first
# release whose `nodejs` is Node.js 20) bootstrapped from Debian's packages
# with Node.js and npm, as the official node:20 image has them.
#
# The root filesystem is kept as a tarball in the cache directory
# ($CONEXIZAN_TEST_CACHE, default /var/cache/conexizan-test), so later runs
# only `podman import` it, and not even that while podman still has the image.
# Prints the image name as its last line. Needs root, debootstrap and podman.
set -euo pipefail

IMAGE="${CONEXIZAN_BASE_IMAGE:-localhost/conexizan-base:trixie}"
CACHE="${CONEXIZAN_TEST_CACHE:-/var/cache/conexizan-test}"
MIRROR="${CONEXIZAN_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Bump when the package list changes, so an old tarball is not reused.
VERSION=1
TARBALL="$CACHE/base-trixie-v$VERSION.tar"
CONTAINERS_CONF="${CONTAINERS_CONF:-$(cd "$(dirname "$0")" && pwd)/containers.conf}"
export CONTAINERS_CONF

log() { echo "base-image: $*" >&2; }

if podman image exists "$IMAGE"; then
  echo "$IMAGE"
  exit 0
fi

if [ ! -s "$TARBALL" ]; then
  mkdir -p "$CACHE"
  rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'umount "$rootfs/proc" 2>/dev/null || true; rm -rf "$rootfs"' EXIT
  log "debootstrap trixie into $rootfs (a few minutes, once)"
  debootstrap --variant=minbase --include=nodejs,ca-certificates trixie "$rootfs" "$MIRROR" >&2
  # npm in --include breaks debootstrap's configure order, so it comes second.
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  mount -t proc proc "$rootfs/proc"
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm >&2
  chroot "$rootfs" apt-get clean
  umount "$rootfs/proc"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs/etc/resolv.conf"
  : > "$rootfs/etc/resolv.conf"
  tar -C "$rootfs" --numeric-owner -cf "$TARBALL.partial" .
  mv "$TARBALL.partial" "$TARBALL"
fi

log "importing $TARBALL as $IMAGE"
podman import --change 'CMD ["node"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$TARBALL" "$IMAGE" >&2
echo "$IMAGE"

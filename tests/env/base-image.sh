#!/usr/bin/env bash
# Ensures the offline base image bulkhead/base:bookworm exists in the engine at DOCKER_HOST.
# Images cannot be pulled here: it is bootstrapped with debootstrap (minbase, bookworm) from the
# host's apt mirror and imported, and its tarball is cached in BULKHEAD_CACHE (default
# /var/cache/bulkhead) so later runs only import it.
set -euo pipefail
image=bulkhead/base:bookworm
cache=${BULKHEAD_CACHE:-/var/cache/bulkhead}
tarball=$cache/base-bookworm.tar.gz

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image: $image present"
  exit 0
fi
if [[ ! -s $tarball ]]; then
  # The host's own Debian mirror: the first non-security archive URI of an active apt source.
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d /var/tmp/bulkhead-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  echo "base image: debootstrap bookworm from $mirror (a few minutes, cached afterwards)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -20 "$root.log" >&2
    exit 1
  }
  rm -f "$root.log"
  # Keep images small: no apt lists or caches in the base.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  mkdir -p "$cache"
  tar -C "$root" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
fi
docker import "$tarball" "$image" >/dev/null
echo "base image: imported $image from $tarball"

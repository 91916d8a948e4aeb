#!/usr/bin/env bash
# Packages one plugin as a Docker managed plugin and installs it in the engine at DOCKER_HOST.
# Usage: docker/build-plugin.sh NAME BINARY [KEY=VALUE ...]
#   NAME     a directory under docker/ holding Dockerfile and config.json (the plugin manifest)
#   BINARY   the host-built executable copied into the rootfs
#   KEY=VAL  `docker plugin set` settings applied before enabling (e.g. config.source=/dir)
# BULKHEAD_PLUGIN_NAME installs it under another name (a second instance, e.g. in tests).
# The rootfs is `docker build` (offline, --network host for apt) + `docker create` + export.
# An existing bulkhead/NAME is disabled and replaced. The result is enabled with --timeout 0
# (the CLI default of 30 s would cut long Mounts and `docker logs -f`).
set -euo pipefail
name=${1:?usage: build-plugin.sh NAME BINARY [KEY=VALUE ...]}
binary=${2:?usage: build-plugin.sh NAME BINARY [KEY=VALUE ...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
plugin=${BULKHEAD_PLUGIN_NAME:-bulkhead/$name}
work=${BULKHEAD_PACKAGE_DIR:-$(mktemp -d /var/tmp/bulkhead-plugin-$name.XXXXXX)}
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/context/apt-sources" "$work/plugin/rootfs"
cp "$here/$name/Dockerfile" "$binary" "$work/context/"
cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list "$work/context/apt-sources/" 2>/dev/null || true
[[ -f /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$work/context/apt-sources/host.list"
docker build --network host -q -t "$plugin-rootfs:build" "$work/context" >/dev/null
container=$(docker create "$plugin-rootfs:build" /bin/true)
docker export "$container" | tar -x -C "$work/plugin/rootfs"
docker rm "$container" >/dev/null
cp "$here/$name/config.json" "$work/plugin/config.json"

if docker plugin inspect "$plugin" >/dev/null 2>&1; then
  docker plugin disable -f "$plugin" >/dev/null 2>&1 || true
  docker plugin rm -f "$plugin" >/dev/null
fi
docker plugin create "$plugin" "$work/plugin" >/dev/null
(($# == 0)) || docker plugin set "$plugin" "$@"
docker plugin enable --timeout 0 "$plugin" >/dev/null
echo "plugin $plugin: installed and enabled ($(du -sh "$work/plugin/rootfs" | cut -f1) rootfs)"

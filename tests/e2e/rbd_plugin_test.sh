#!/usr/bin/env bash
# End to end through the real Docker engine and the real Ceph cluster: packages plugins/rbd as the
# managed plugin bulkhead/rbd (host-a) and drives it with `docker volume` and `docker run`. A
# second install of the same plugin, bulkhead/rbd-host-b with its own host id, plays another host:
# it is driven over its socket exactly as that host's dockerd would drive it.
# Usage: rbd_plugin_test.sh BULKHEAD_RBD_BINARY   (inside tests/env/with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:?usage: rbd_plugin_test.sh BINARY}
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d /var/tmp/bulkhead-e2e-rbd.XXXXXX)
volume=e2e-db-$RANDOM
implicit=e2e-implicit-$RANDOM
image=bulkhead/base:bookworm
run=(docker run --rm --network none --label bulkhead.test=rbd)

takeover=e2e-takeover-$RANDOM
cleanup() {
  docker rm -f "e2e-holder-$volume" >/dev/null 2>&1 || true
  docker volume rm -f "$volume" "$implicit" "$takeover" >/dev/null 2>&1 || true
  [[ -z ${dead_mount:-} ]] || umount -l "$dead_mount" 2>/dev/null || true
  remove_plugin bulkhead/rbd-host-b bulkhead/rbd
  rm -rf "$work"
}
trap cleanup EXIT

write_suite_config "$work/host-a" '{"mapper": "fuse", "host_id": "host-a", "default_size": "64M", "remove_policy": "trash"}'
write_suite_config "$work/host-b" '{"mapper": "fuse", "host_id": "host-b", "default_size": "64M"}'
"$repo/docker/build-plugin.sh" rbd "$binary" "config.source=$work/host-a"
BULKHEAD_PLUGIN_NAME=bulkhead/rbd-host-b "$repo/docker/build-plugin.sh" rbd "$binary" "config.source=$work/host-b"

echo "--- create, write in one container, read in another"
docker volume create -d bulkhead/rbd -o size=96M "$volume" >/dev/null
expect_eq "$(docker volume inspect "$volume" | jq '.[0].Status.size')" 100663296 "volume inspect shows the image size"
"${run[@]}" -v "$volume:/data" "$image" sh -c 'echo "row 1" > /data/table; sync'
expect_eq "$("${run[@]}" -v "$volume:/data" "$image" cat /data/table)" "row 1" "second container reads the data"
expect_contains "$(docker volume ls --format '{{.Driver}} {{.Name}}')" "bulkhead/rbd:latest $volume" "docker volume ls lists it"

echo "--- implicit create through docker run --volume-driver"
"${run[@]}" --volume-driver bulkhead/rbd -v "$implicit:/data" "$image" sh -c 'echo fresh > /data/f'
expect_eq "$("${run[@]}" -v "$implicit:/data" "$image" cat /data/f)" fresh "implicitly created volume persists"

echo "--- two containers on one host share one mount; another host is refused meanwhile"
docker run -d --name "e2e-holder-$volume" --network none --label bulkhead.test=rbd -v "$volume:/data" "$image" sleep 600 >/dev/null
expect_eq "$("${run[@]}" -v "$volume:/data" "$image" cat /data/table)" "row 1" "a second container on the same host shares the mount"
refused=$(plugin_call bulkhead/rbd-host-b VolumeDriver.Mount "{\"Name\":\"$volume\",\"ID\":\"b1\"}")
expect_contains "$refused" "is in use by host host-a" "host-b is refused while host-a holds the volume"
docker cp "e2e-holder-$volume:/data/table" "$work/copied"  # extra Mount/Unmount with the live ID
expect_eq "$(cat "$work/copied")" "row 1" "docker cp reads through the volume"
expect_contains "$(plugin_call bulkhead/rbd-host-b VolumeDriver.Mount "{\"Name\":\"$volume\",\"ID\":\"b1\"}")" \
  "is in use by host host-a" "docker cp did not release host-a's hold"
docker rm -f "e2e-holder-$volume" >/dev/null

echo "--- the volume follows to host-b after host-a released it"
mounted=$(plugin_call bulkhead/rbd-host-b VolumeDriver.Mount "{\"Name\":\"$volume\",\"ID\":\"b1\"}")
mountpoint=$(jq -r .Mountpoint <<<"$mounted")
[[ $mountpoint == /mnt/volumes/* ]] || fail "host-b Mount failed: $mounted"
expect_eq "$(cat "$(plugin_host_path bulkhead/rbd-host-b "$mountpoint")/table")" "row 1" "host-b reads host-a's data"
refused=$("${run[@]}" -v "$volume:/data" "$image" true 2>&1 || true)
expect_contains "$refused" "is in use by host host-b" "host-a is refused while host-b holds it"
expect_eq "$(plugin_call bulkhead/rbd-host-b VolumeDriver.Unmount "{\"Name\":\"$volume\",\"ID\":\"b1\"}")" "{}" "host-b releases"
fsck_clean "$volume" || fail "filesystem of $volume is not clean after the hand-over"
echo "ok: fsck clean after the hand-over"

echo "--- a dead holder is fenced and its volume taken over (volume option takeover=true)"
docker volume create -d bulkhead/rbd -o size=64M -o takeover=true "$takeover" >/dev/null
mounted=$(plugin_call bulkhead/rbd-host-b VolumeDriver.Mount "{\"Name\":\"$takeover\",\"ID\":\"b2\"}")
dead_mount=$(plugin_host_path bulkhead/rbd-host-b "$(jq -r .Mountpoint <<<"$mounted")")
echo "written by host-b" >"$dead_mount/ledger"
sync -f "$dead_mount/ledger"
holder=$(rbd -c "$CEPH_CONF" lock ls "$takeover" --format json | jq -r '.[0].address')
docker plugin disable -f bulkhead/rbd-host-b >/dev/null  # host-b dies holding the lock
refused=$("${run[@]}" -v "$takeover:/data" "$image" true 2>&1 || true)
expect_contains "$refused" "is in use by host host-b" "no takeover while host-b's client may still have the image open"
for ((attempt = 0; attempt < 30; attempt++)); do  # its last watch expires within ~30 s
  taken=$("${run[@]}" -v "$takeover:/data" "$image" cat /data/ledger 2>&1) && break
  sleep 3
done
expect_eq "$taken" "written by host-b" "host-a took over the dead holder's volume with its data"
expect_contains "$(ceph -c "$CEPH_CONF" osd blocklist ls 2>/dev/null)" "${holder#*:0/}" "host-b's client was fenced before the takeover"
fsck_clean "$takeover" || fail "filesystem of $takeover is not clean after the takeover"
echo "ok: fsck clean after the takeover"

echo "--- bad options get a clear error"
bad=$(docker volume create -d bulkhead/rbd -o sise=1G "e2e-bad-$RANDOM" 2>&1 || true)
expect_contains "$bad" 'unknown option "sise"' "unknown option is refused by name"

echo "--- remove moves the image to the trash (default policy)"
docker volume rm "$volume" >/dev/null
expect_contains "$(rbd -c "$CEPH_CONF" trash ls --format json)" "\"$volume\"" "removed volume is in the rbd trash"
echo "rbd plugin end-to-end: all checks passed"

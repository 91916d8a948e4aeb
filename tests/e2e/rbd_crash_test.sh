#!/usr/bin/env bash
# Crash injection through the real Docker engine and the real Ceph cluster. The managed plugin
# dies (exit 137, as under kill -9) at one step of Mount or Unmount, armed by BULKHEAD_FAILPOINTS;
# dockerd restarts it, and the restarted plugin must leave nothing behind for the volume: no lock,
# no watcher, no loop device or rbd-fuse process for its image, nothing mounted. Disarmed, the
# volume then works again with its data, and its filesystem checks clean.
# Usage: rbd_crash_test.sh BULKHEAD_RBD_BINARY   (inside tests/env/with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:?usage: rbd_crash_test.sh BINARY}
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d /var/tmp/bulkhead-e2e-crash.XXXXXX)
plugin=bulkhead/rbd-crash
volume=e2e-crash-$RANDOM
image=bulkhead/base:bookworm
run=(docker run --rm --network none --label bulkhead.test=rbd-crash)
cleanup() {
  docker volume rm -f "$volume" >/dev/null 2>&1 || true
  remove_plugin "$plugin"
  rm -rf "$work"
}
trap cleanup EXIT

# arm FAILPOINTS: restarts the plugin with these failpoints armed ("" disarms).
arm() {
  docker plugin disable -f "$plugin" >/dev/null 2>&1 || true  # a dead plugin may be disabled already
  docker plugin set "$plugin" "BULKHEAD_FAILPOINTS=$1"
  docker plugin enable --timeout 0 "$plugin" >/dev/null
}
# plugin_serving: true once the (restarted) plugin answers on its socket, after its recovery.
plugin_serving() { [[ $(plugin_call "$plugin" VolumeDriver.Capabilities '{}' 2>/dev/null) == *global* ]]; }
no_watchers() { [[ $(watchers) == 0 ]]; }
watchers() { rbd -c "$CEPH_CONF" status "$volume" --format json | jq '.watchers | length'; }
# expect_nothing_left STEP: the volume is neither locked, watched, mapped nor mounted. The watch
# of a killed rbd-fuse lingers until the OSD's watch timeout (osd_client_watch_timeout, 10 s in
# the test cluster); a live one never expires.
expect_nothing_left() {
  local step=$1 loops
  expect_eq "$(rbd -c "$CEPH_CONF" lock ls "$volume" --format json | jq length)" 0 "$step: no lock left"
  wait_until 30 "the watch of $volume to expire" no_watchers || true
  expect_eq "$(watchers)" 0 "$step: no watcher left"
  loops=$(grep -l "/$volume" /sys/block/loop*/loop/backing_file 2>/dev/null || true)
  expect_eq "$loops" "" "$step: no loop device left on the image"
  expect_eq "$(pgrep -f "rbd-fuse.* -r $volume " || true)" "" "$step: no rbd-fuse process left"
  expect_eq "$(grep -c "/propagated-mount/$volume " /proc/self/mountinfo || true)" 0 \
    "$step: nothing mounted for the volume"
}
# crash_at STEP COMMAND...: arms STEP, runs COMMAND (which makes the plugin die there), restarts
# the plugin disarmed (dockerd restarts a dead plugin itself, but with the failpoint still armed
# a recovery that passes the same step would die again), and checks what recovery left.
crash_at() {
  local step=$1
  shift
  echo "--- crash at $step"
  arm "$step"
  "$@" >"$work/out" 2>&1 || true
  if [[ -n ${BULKHEAD_DOCKERD_LOG:-} ]]; then  # set when the tests started the engine
    grep -q "failpoint $step reached" "$BULKHEAD_DOCKERD_LOG" ||
      fail "$step: the plugin did not reach its failpoint: $(cat "$work/out")"
  fi
  arm ""
  wait_until 60 "$plugin to serve" plugin_serving || fail "$step: the plugin is not back"
  expect_nothing_left "$step"
}

write_suite_config "$work/config" '{"mapper": "fuse", "host_id": "host-crash", "default_size": "64M"}'
BULKHEAD_PLUGIN_NAME=$plugin "$repo/docker/build-plugin.sh" rbd "$binary" "config.source=$work/config"
docker volume create -d "$plugin" "$volume" >/dev/null

write_seed() { "${run[@]}" -v "$volume:/data" "$image" sh -c 'echo seed > /data/seed'; }
read_seed() { "${run[@]}" -v "$volume:/data" "$image" cat /data/seed; }
for step in rbd.mount.locked rbd.mount.mapped rbd.mount.formatted; do
  crash_at "$step" write_seed
done
write_seed
expect_eq "$(read_seed)" seed "the volume works after crashes before its first mount"
for step in rbd.mount.mounted rbd.unmount.unmounted rbd.unmount.unmapped; do
  crash_at "$step" read_seed
  expect_eq "$(read_seed)" seed "$step: the data is there after the crash"
done
fsck_clean "$volume" || fail "filesystem of $volume is not clean after the crashes"
echo "ok: fsck clean after every crash"
echo "rbd crash injection: all checks passed"

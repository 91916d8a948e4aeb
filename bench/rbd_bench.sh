#!/usr/bin/env bash
# rbd benchmark, all in one run against the same cluster and engine (inside with-env.sh):
#  1. `docker run --rm -v NEW:/data IMAGE true` through bulkhead/rbd (create, lock, map, mkfs,
#     mount, then release) versus the baseline: the same steps with the rbd CLI and shell tools,
#     the way shell-out RBD plugins work, followed by the same container on a bind mount.
#  2. the same for a re-mount of an existing volume (no create, no mkfs).
#  3. sequential write MB/s inside a mounted volume (dd, O_DIRECT, 4 MiB blocks) versus
#     `rbd bench --io-type write` on an image of the cluster.
# Prints medians of ROUNDS runs and the ratios (baseline / bulkhead: above 1 means faster).
# Usage: rbd_bench.sh BULKHEAD_RBD_BINARY [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/tests/e2e/lib.sh"
binary=${1:?usage: rbd_bench.sh BINARY [ROUNDS]}
rounds=${2:-7}
image=bulkhead/base:bookworm
work=$(mktemp -d /var/tmp/bulkhead-bench.XXXXXX)
size=256M
ceph_args=(-c "$CEPH_CONF")
cleanup() {
  docker volume ls -q --filter driver=bulkhead/rbd:latest | grep '^bench-' | xargs -r docker volume rm -f >/dev/null 2>&1 || true
  remove_plugin bulkhead/rbd
  umount "$work/mnt" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

write_suite_config "$work/config" "{\"mapper\": \"fuse\", \"host_id\": \"bench\", \"default_size\": \"$size\", \"remove_policy\": \"delete\"}"
"$repo/docker/build-plugin.sh" rbd "$binary" "config.source=$work/config" >/dev/null

now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# The baseline's mount and release, step by step with the CLI tools.
baseline_mount() {  # IMAGE FIRST_USE
  rbd "${ceph_args[@]}" lock add "$1" bench-baseline
  mkdir -p "$work/fuse/$1" "$work/mnt"
  rbd-fuse "${ceph_args[@]}" -p rbd -r "$1" "$work/fuse/$1"
  device=$(losetup --find --show --direct-io=on "$work/fuse/$1/$1")
  if ! blkid -p "$device" >/dev/null 2>&1; then mkfs.ext4 -q "$device"; fi
  mount "$device" "$work/mnt"
}
baseline_release() {  # IMAGE
  sync
  umount "$work/mnt"
  losetup --detach "$device"
  umount "$work/fuse/$1"
  rbd "${ceph_args[@]}" lock rm "$1" bench-baseline "$(rbd "${ceph_args[@]}" lock ls "$1" --format json | jq -r '.[0].locker')"
}
container_on_bind() { docker run --rm --network none -v "$work/mnt:/data" "$image" true; }

declare -A samples
for ((round = 1; round <= rounds; round++)); do
  volume=bench-$round-$RANDOM
  start=$(now_ms)
  docker run --rm --network none -v "$volume:/data" --volume-driver bulkhead/rbd "$image" true
  samples[bulkhead_new]+="$(($(now_ms) - start)) "
  start=$(now_ms)
  docker run --rm --network none -v "$volume:/data" "$image" true
  samples[bulkhead_existing]+="$(($(now_ms) - start)) "

  base=bench-base-$round-$RANDOM
  start=$(now_ms)
  rbd "${ceph_args[@]}" create --image-feature layering --size "$size" "$base"
  baseline_mount "$base"
  container_on_bind
  baseline_release "$base"
  samples[baseline_new]+="$(($(now_ms) - start)) "
  start=$(now_ms)
  baseline_mount "$base"
  container_on_bind
  baseline_release "$base"
  samples[baseline_existing]+="$(($(now_ms) - start)) "
  rbd "${ceph_args[@]}" rm --no-progress "$base"
  docker volume rm "$volume" >/dev/null
done

report() {  # LABEL BULKHEAD_KEY BASELINE_KEY
  local ours theirs
  ours=$(tr ' ' '\n' <<<"${samples[$2]}" | grep . | median)
  theirs=$(tr ' ' '\n' <<<"${samples[$3]}" | grep . | median)
  printf '%-44s bulkhead %7.0f ms   baseline %7.0f ms   ratio %.2f\n' "$1" "$ours" "$theirs" \
    "$(echo "$theirs / $ours" | bc -l)"
}
echo
echo "rbd volume lifecycle, median of $rounds runs (ratio = baseline / bulkhead; >1 is faster)"
report "docker run --rm -v NEW:/data (create+mkfs)" bulkhead_new baseline_new
report "docker run --rm -v EXISTING:/data (remount)" bulkhead_existing baseline_existing

# Sequential write throughput.
volume=bench-write-$RANDOM
docker volume create -d bulkhead/rbd -o size=1G "$volume" >/dev/null
for ((round = 1; round <= 3; round++)); do
  out=$(docker run --rm --network none -v "$volume:/data" "$image" \
    dd if=/dev/zero of=/data/seq bs=4M count=64 oflag=direct conv=fsync 2>&1 | tail -1)
  samples[dd]+="$(awk '{for (i=1;i<=NF;i++) if ($(i+1) ~ /^[MG]B\/s/) print ($(i+1) ~ /^G/) ? $i*1000 : $i}' <<<"$out") "
  rbd_image=bench-rbdbench-$RANDOM
  rbd "${ceph_args[@]}" create --image-feature layering --size 1G "$rbd_image"
  mbps=$(rbd "${ceph_args[@]}" bench --io-type write --io-size 4M --io-threads 1 --io-total 256M \
    --io-pattern seq "$rbd_image" 2>&1 | awk '/^elapsed/ {
      for (i = 1; i <= NF; i++) if ($i == "bytes/sec:") {  # "928 MiB/s": to decimal MB/s
        scale = ($(i+2) ~ /^GiB/) ? 1073.741824 : ($(i+2) ~ /^MiB/) ? 1.048576 : ($(i+2) ~ /^KiB/) ? 0.001024 : 0.000001
        print $(i+1) * scale
      }}')
  samples[rbdbench]+="$mbps "
  rbd "${ceph_args[@]}" rm --no-progress "$rbd_image"
done
ours=$(tr ' ' '\n' <<<"${samples[dd]}" | grep . | median)
theirs=$(tr ' ' '\n' <<<"${samples[rbdbench]}" | grep . | median)
printf '%-44s bulkhead %7.1f MB/s rbd bench %7.1f MB/s ratio %.2f\n' "sequential write, 4 MiB, 256 MiB (median of 3)" \
  "$ours" "$theirs" "$(echo "$ours / $theirs" | bc -l)"
echo "(write ratio = bulkhead / rbd bench; the volume path here is rbd-fuse + loop, see README)"

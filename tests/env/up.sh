#!/usr/bin/env bash
# Brings up the environment tests and `make up` run in, under DIR:
#   DIR/ceph    a one-node Ceph cluster, unless BULKHEAD_CEPH_CONF_FILE or BULKHEAD_CEPH_MON_HOST
#               name an existing one (the cluster is then used as it is)
#   DIR/docker  a Docker engine (DOCKER_HOST when given, else our own dockerd)
#   the offline base image bulkhead/base:bookworm
# and writes DIR/env.sh, which sources everything a test needs. down.sh DIR undoes it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
: >"$dir/env.sh"
if [[ -n ${BULKHEAD_CEPH_CONF_FILE:-}${BULKHEAD_CEPH_MON_HOST:-} ]]; then
  echo "ceph: using the given cluster (${BULKHEAD_CEPH_CONF_FILE:-$BULKHEAD_CEPH_MON_HOST})"
  env | grep -E '^(BULKHEAD_CEPH_|CEPH_CONF=)' | sed 's/^/export /' >>"$dir/env.sh"
else
  "$here/ceph-up.sh" "$dir/ceph"
  echo ". $dir/ceph/env.sh" >>"$dir/env.sh"
fi
"$here/dockerd-up.sh" "$dir/docker"
echo ". $dir/docker/env.sh" >>"$dir/env.sh"
(. "$dir/docker/env.sh" && "$here/base-image.sh")
echo "export BULKHEAD_TESTENV=$dir" >>"$dir/env.sh"

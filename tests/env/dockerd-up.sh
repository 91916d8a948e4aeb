#!/usr/bin/env bash
# Makes a Docker engine available and writes DIR/env.sh with DOCKER_HOST.
# Usage: dockerd-up.sh DIR
# - DOCKER_HOST already set and answering: used as it is.
# - otherwise: starts Debian's dockerd without bridge or iptables on its own socket, with a data
#   root kept between runs (so the base image stays cached), and records its pid in DIR/pids.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dir=${1:?usage: dockerd-up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [[ -n ${DOCKER_HOST:-} ]] && docker version >/dev/null 2>&1; then
  echo "export DOCKER_HOST=$DOCKER_HOST" >"$dir/env.sh"
  echo "docker: using the engine at $DOCKER_HOST"
  exit 0
fi

state=${BULKHEAD_DOCKER_STATE:-/var/lib/bulkhead-test/docker}
exec_root=/run/bulkhead-test/docker
socket=/run/bulkhead-test/docker.sock
mkdir -p "$state" "$exec_root"
if DOCKER_HOST=unix://$socket docker version >/dev/null 2>&1; then
  echo "export DOCKER_HOST=unix://$socket" >"$dir/env.sh"
  echo "docker: reusing the engine at unix://$socket (started by another run)"
  exit 0
fi

# A managed plugin's rootfs and propagated mounts need shared mount propagation on /.
mount --make-rshared / 2>/dev/null || true
dockerd --host "unix://$socket" --data-root "$state" --exec-root "$exec_root" \
  --pidfile "$exec_root/dockerd.pid" --bridge=none --iptables=false --ip6tables=false \
  --ip-masq=false --userland-proxy=false ${BULKHEAD_DOCKERD_ARGS:-} \
  >"$dir/dockerd.log" 2>&1 &
record_pid "$dir" $!
if ! wait_until 60 "dockerd on unix://$socket" env DOCKER_HOST="unix://$socket" docker version; then
  tail -20 "$dir/dockerd.log" >&2
  exit 1
fi
{
  echo "export DOCKER_HOST=unix://$socket"
  echo "export BULKHEAD_DOCKERD_LOG=$dir/dockerd.log"
} >"$dir/env.sh"
echo "docker: started dockerd on unix://$socket (data root $state, log $dir/dockerd.log)"

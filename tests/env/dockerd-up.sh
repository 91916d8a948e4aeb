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
# engine_env DIR SOCKET LOG: DIR/env.sh for the engine this script starts.
engine_env() {
  {
    echo "export DOCKER_HOST=unix://$2"
    echo "export BULKHEAD_DOCKERD_LOG=$3"
    echo "export BULKHEAD_DOCKERD_CONFIG=/run/bulkhead-test/daemon.json"
    echo "export BULKHEAD_DOCKERD_PIDFILE=$exec_root/dockerd.pid"
    echo "export BULKHEAD_DOCKER_TLS_DIR=$(dirname "$state")/tls"
    echo "export BULKHEAD_DOCKER_TLS_HOST=tcp://127.0.0.1:${BULKHEAD_DOCKER_TLS_PORT:-23760}"
  } >"$1/env.sh"
}
if DOCKER_HOST=unix://$socket docker version >/dev/null 2>&1; then
  engine_env "$dir" "$socket" "$(readlink /run/bulkhead-test/dockerd.log)"
  echo "docker: reusing the engine at unix://$socket (started by another run)"
  exit 0
fi

# A TLS listener on loopback with a CA of its own, so authorization tests have real users (the
# client certificate's CN); kept with the data root between runs.
tls=$(dirname "$state")/tls
if [[ ! -f $tls/alice/cert.pem ]]; then
  make_test_ca "$tls"
  for user in alice bob; do make_client_cert "$tls" "$user"; done
fi
tls_port=${BULKHEAD_DOCKER_TLS_PORT:-23760}
config=/run/bulkhead-test/daemon.json
echo '{}' >"$config"  # authorization-plugins are switched on by tests (set_authz_plugins)

# A managed plugin's rootfs and propagated mounts need shared mount propagation on /.
mount --make-rshared / 2>/dev/null || true
dockerd --host "unix://$socket" --host "tcp://127.0.0.1:$tls_port" --tlsverify \
  --tlscacert "$tls/ca.pem" --tlscert "$tls/server.pem" --tlskey "$tls/server.key" \
  --config-file "$config" --data-root "$state" --exec-root "$exec_root" \
  --pidfile "$exec_root/dockerd.pid" --bridge=none --iptables=false --ip6tables=false \
  --ip-masq=false --userland-proxy=false ${BULKHEAD_DOCKERD_ARGS:-} \
  >"$dir/dockerd.log" 2>&1 &
record_pid "$dir" $!
ln -sfn "$dir/dockerd.log" /run/bulkhead-test/dockerd.log  # for runs that reuse this engine
if ! wait_until 60 "dockerd on unix://$socket" env DOCKER_HOST="unix://$socket" docker version; then
  tail -20 "$dir/dockerd.log" >&2
  exit 1
fi
engine_env "$dir" "$socket" "$dir/dockerd.log"
echo "docker: started dockerd on unix://$socket (data root $state, log $dir/dockerd.log)"

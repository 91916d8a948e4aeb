# Assertions and helpers for end-to-end test scripts. Source it.
. "$(dirname "${BASH_SOURCE[0]}")/../env/lib.sh"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect_eq() {  # expect_eq ACTUAL EXPECTED WHAT
  [[ $1 == "$2" ]] || fail "$3: expected '$2', got '$1'"
  echo "ok: $3"
}
# at_least N COMMAND...: true when COMMAND prints a number >= N (for wait_until, which reruns it).
at_least() {
  local want=$1 got
  shift
  got=$("$@" 2>/dev/null) || return 1
  ((got >= want))
}
expect_contains() {  # expect_contains HAYSTACK NEEDLE WHAT
  [[ $1 == *"$2"* ]] || fail "$3: '$2' not found in: $1"
  echo "ok: $3"
}
# plugin_call PLUGIN ENDPOINT JSON: POSTs to an installed managed plugin's socket like dockerd.
plugin_call() {
  local id root
  id=$(docker plugin inspect -f '{{.Id}}' "$1")
  curl -s --unix-socket "/run/docker/plugins/$id/$(docker plugin inspect -f '{{.Config.Interface.Socket}}' "$1")" \
    -H 'Host;' -XPOST -d "$3" "http://plugin/$2"
}
# plugin_host_path PLUGIN MOUNTPOINT: where a Mountpoint under propagatedMount is on the host.
plugin_host_path() {
  local root id
  root=$(docker info -f '{{.DockerRootDir}}')
  id=$(docker plugin inspect -f '{{.Id}}' "$1")
  echo "$root/plugins/$id/propagated-mount/${2#/mnt/volumes/}"
}
# write_suite_config DIR JSON_RBD_SECTION: the config.json a plugin reads from its config mount.
write_suite_config() {
  mkdir -p "$1"
  cat >"$1/config.json" <<JSON
{"ceph": {"mon_host": "$BULKHEAD_CEPH_MON_HOST", "key": "$BULKHEAD_CEPH_KEY", "user": "${BULKHEAD_CEPH_USER:-admin}"},
 "rbd": $2}
JSON
}
# fsck_clean IMAGE: maps an RBD image read-only on the host (rbd-fuse + loop) and runs e2fsck -fn.
fsck_clean() {
  local dir device rc=0
  dir=$(mktemp -d)
  rbd-fuse -c "$CEPH_CONF" -p rbd -r "$1" "$dir"
  device=$(losetup --find --show --read-only "$dir/$1")
  e2fsck -fn "$device" >/dev/null 2>&1 || rc=$?
  losetup --detach "$device"
  umount "$dir"
  rmdir "$dir"
  return $rc
}
# rabbitmq_up DIR [TLS_DIR]: starts a RabbitMQ broker of its own on loopback, state and logs in
# DIR; prints its AMQP port, and with TLS_DIR (see make_test_ca) also its AMQPS port.
# rabbitmq_down DIR stops it (and its epmd).
rabbitmq_up() {
  local dir=$1 tls=${2:-} port tls_port=""
  port=$(free_port)
  mkdir -p "$dir"
  echo "[]." >"$dir/enabled_plugins"
  : >"$dir/rabbitmq.conf"
  if [[ -n $tls ]]; then
    tls_port=$(free_port)
    cp "$tls/ca.pem" "$tls/server.pem" "$tls/server.key" "$dir/"
    cat >"$dir/rabbitmq.conf" <<CONF
listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $dir/ca.pem
ssl_options.certfile = $dir/server.pem
ssl_options.keyfile = $dir/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
CONF
  fi
  chown -R rabbitmq:rabbitmq "$dir"
  chmod o+x "$(dirname "$dir")"  # the broker runs as user rabbitmq (mktemp dirs are 0700)
  (
    export HOME=$dir RABBITMQ_NODENAME=bulkhead-test@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT=$port RABBITMQ_DIST_PORT=$(free_port) ERL_EPMD_PORT=$(free_port)
    export ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log
    export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_CONFIG_FILE=$dir/rabbitmq
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    echo "export HOME=$HOME RABBITMQ_NODENAME=$RABBITMQ_NODENAME ERL_EPMD_PORT=$ERL_EPMD_PORT" >"$dir/env"
    rabbitmq-server >"$dir/server.log" 2>&1 &
    wait_until 60 "rabbitmq on port $port" bash -c "echo > /dev/tcp/127.0.0.1/$port"
  ) >&2 || { tail -5 "$dir/server.log" >&2; return 1; }
  [[ -z $tls_port ]] || wait_until 30 "rabbitmq TLS on port $tls_port" bash -c "echo > /dev/tcp/127.0.0.1/$tls_port" >&2
  echo "$port $tls_port"
}
rabbitmq_down() {
  [[ -f $1/env ]] || return 0
  (. "$1/env" && rabbitmqctl -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1; epmd -kill >/dev/null 2>&1) || true
}

#!/usr/bin/env bash
# lbsync end to end: containers on the real Docker engine, a real HAProxy (Debian's haproxy,
# Runtime API on a unix socket) on loopback. lbsync reads the engine through a socat relay so the
# test can cut its event stream. Checks, each within a bounded time: a labelled container without
# a healthcheck becomes a ready server; one with a healthcheck only once healthy; a stopped one is
# drained, then deleted after the drain time; servers written in haproxy.cfg are left alone; with
# the stream cut nothing is removed, and once the engine is reachable again a full resync adds the
# container started meanwhile and drains and removes the one stopped meanwhile.
# Usage: lbsync_haproxy_test.sh LBSYNC_BINARY   (inside tests/env/with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:?usage: lbsync_haproxy_test.sh BINARY}
work=$(mktemp -d /var/tmp/bulkhead-e2e-lbsync.XXXXXX)
run=e2e-lbsync-$RANDOM
image=bulkhead/base:bookworm
cleanup() {
  docker ps -aq --filter "label=bulkhead.test=$run" | xargs -r docker rm -f >/dev/null 2>&1 || true
  stop_recorded "$work"
  [[ -f $work/haproxy.pid ]] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

frontend_port=$(free_port)
cat >"$work/haproxy.cfg" <<CFG
global
  stats socket $work/admin.sock level admin
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend web
  bind 127.0.0.1:$frontend_port
  default_backend web
backend web
  balance roundrobin
  server static-1 127.0.0.1:9 disabled
CFG
haproxy -f "$work/haproxy.cfg" -D -p "$work/haproxy.pid"
wait_until 10 "haproxy's runtime API" test -S "$work/admin.sock"
servers() {  # "name admin_state" of every server in backend web
  echo "show servers state web" | socat - "UNIX-CONNECT:$work/admin.sock" | awk '$2 == "web" {print $4, $7}' | sort
}
state_of() { servers | awk -v name="lbs-127.0.0.1:$1" '$1 == name {print $2}'; }

engine=${DOCKER_HOST#unix://}
relay() {
  socat "UNIX-LISTEN:$work/docker.sock,fork,unlink-early" "UNIX-CONNECT:$engine" >/dev/null 2>&1 &
  echo $! >"$work/relay.pid"
  record_pid "$work" $!
  wait_until 10 "the docker relay" test -S "$work/docker.sock"
}
relay
echo "{}" >"$work/config.json"
BULKHEAD_CONFIG=$work/config.json BULKHEAD_LBSYNC_DOCKER_SOCKET=$work/docker.sock \
  BULKHEAD_LBSYNC_HAPROXY_SOCKET=$work/admin.sock BULKHEAD_LBSYNC_POOLS=web BULKHEAD_LBSYNC_DRAIN=2s \
  BULKHEAD_LBSYNC_STATUS_FILE="$work/status.json" "$binary" >"$work/lbsync.log" 2>&1 &
record_pid "$work" $!

service() {  # service NAME PORT [docker run options]: a labelled container on the host network
  local name=$1 port=$2
  shift 2
  docker run -d --name "$name-$run" --label "bulkhead.test=$run" --network host \
    --label bulkhead.lb.pool=web --label "bulkhead.lb.port=$port" "$@" "$image" sleep 600 >/dev/null
}
expect_state() {  # expect_state PORT STATE WHAT: admin state 0 ready, 8 drain, "" absent
  if ! wait_until 10 "$3" state_is "$1" "$2"; then
    tail -n 5 "$work/lbsync.log" >&2
    fail "$3: server 127.0.0.1:$1 is in state '$(state_of "$1")', wanted '$2'"
  fi
  echo "ok: $3"
}
state_is() { [[ $(state_of "$1") == "$2" ]]; }

p1=$(free_port) p2=$(free_port) p3=$(free_port)
service one "$p1"
expect_state "$p1" 0 "a running container without a healthcheck becomes a ready server"
service two "$p2" --health-cmd 'test -f /tmp/ok' --health-interval 1s
sleep 3
expect_state "$p2" "" "a container whose healthcheck fails is not added"
docker exec "two-$run" touch /tmp/ok
expect_state "$p2" 0 "it is added once healthy"
expect_eq "$(servers | grep -c '^static-1 ')" 1 "the server written in haproxy.cfg is still there"
docker stop -t 1 "one-$run" >/dev/null
expect_state "$p1" 8 "a stopped container's server is drained first"
expect_state "$p1" "" "and deleted after the drain time"

echo "--- the event stream cut: nothing removed; a full resync afterwards"
kill "$(cat "$work/relay.pid")"
rm -f "$work/docker.sock"
sleep 1
service three "$p3"
docker stop -t 1 "two-$run" >/dev/null
sleep 4
expect_state "$p2" 0 "while the engine is unreachable the stopped container stays in"
expect_state "$p3" "" "and the new one is not yet known"
relay
expect_state "$p3" 0 "after reconnecting, the full listing adds the new container"
expect_state "$p2" "" "and drains and deletes the stopped one"
grep -q "source unreachable" "$work/lbsync.log" || fail "the outage was not logged"
expect_eq "$(jq -r '.added >= 3 and .removed >= 2 and .resyncs >= 2' "$work/status.json")" true \
  "changes are counted ($(cat "$work/status.json"))"
echo "PASS lbsync_haproxy_test"

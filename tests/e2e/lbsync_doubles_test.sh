#!/usr/bin/env bash
# lbsync against protocol doubles written from the specs (no Marathon, BIG-IP or NGINX Plus
# package exists): Marathon's REST API and event stream (doubles/marathon_double.py) as the
# source, F5 BIG-IP iControl REST (doubles/bigip_double.py) and the NGINX Plus API
# (doubles/nginx_plus_double.py) as targets, one lbsync process per target. Checks: healthy tasks
# become members; an unhealthy task does not until it is healthy; a killed task is drained, then
# removed after the drain time; members added by hand are left alone; during a Marathon outage
# nothing is removed, and afterwards a full resync catches up.
# Usage: lbsync_doubles_test.sh LBSYNC_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:?usage: lbsync_doubles_test.sh BINARY}
work=$(mktemp -d /var/tmp/bulkhead-e2e-lbsync-doubles.XXXXXX)
cleanup() {
  stop_recorded "$work"
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

marathon_port=$(free_port)
bigip_port=$(free_port)
nginx_port=$(free_port)
python3 "$here/doubles/marathon_double.py" "$marathon_port" & record_pid "$work" $!
python3 "$here/doubles/bigip_double.py" "$bigip_port" admin:bigsecret web,api & record_pid "$work" $!
python3 "$here/doubles/nginx_plus_double.py" "$nginx_port" web,api & record_pid "$work" $!
for port in "$marathon_port" "$bigip_port" "$nginx_port"; do
  wait_until 20 "double on $port" bash -c "echo > /dev/tcp/127.0.0.1/$port"
done
marathon() { curl -sf "http://127.0.0.1:$marathon_port$1" "${@:2}" >/dev/null; }
task() {  # task ID HOST PORT ALIVE
  marathon /_double/task -XPOST -d "{\"app\":\"/web\",\"id\":\"$1\",\"host\":\"$2\",\"port\":$3,\"alive\":$4,\"labels\":{\"bulkhead.lb.pool\":\"web\"}}"
}
bigip_members() {  # "name session" lines of pool web
  curl -sf -u admin:bigsecret "http://127.0.0.1:$bigip_port/mgmt/tm/ltm/pool/~Common~web/members" |
    jq -r '.items[] | "\(.name) \(.session)"' | sort
}
nginx_members() {  # "server drain" lines of upstream web
  curl -sf "http://127.0.0.1:$nginx_port/api/9/http/upstreams/web/servers" | jq -r '.[] | "\(.server) \(.drain)"' | sort
}

task web.1 10.0.0.1 31001 true
task web.2 10.0.0.2 31002 true
# A member configured by hand on the BIG-IP (no lbsync description): never touched.
curl -sf -u admin:bigsecret -XPOST "http://127.0.0.1:$bigip_port/mgmt/tm/ltm/pool/~Common~web/members" \
  -d '{"name":"10.9.9.9:80","address":"10.9.9.9"}' >/dev/null
echo bigsecret >"$work/bigip-password"
echo "{}" >"$work/config.json"
common=(BULKHEAD_CONFIG=$work/config.json BULKHEAD_LBSYNC_SOURCE=marathon
  BULKHEAD_LBSYNC_MARATHON_URL=http://127.0.0.1:$marathon_port BULKHEAD_LBSYNC_POOLS=web,api
  BULKHEAD_LBSYNC_DRAIN=2s BULKHEAD_LBSYNC_RESYNC_INTERVAL=60s)
env "${common[@]}" BULKHEAD_LBSYNC_TARGET=bigip BULKHEAD_LBSYNC_BIGIP_URL=http://127.0.0.1:$bigip_port \
  BULKHEAD_LBSYNC_BIGIP_PASSWORD_FILE="$work/bigip-password" BULKHEAD_LBSYNC_STATUS_FILE="$work/bigip-status.json" \
  "$binary" >"$work/lbsync-bigip.log" 2>&1 & record_pid "$work" $!
env "${common[@]}" BULKHEAD_LBSYNC_TARGET=nginx BULKHEAD_LBSYNC_NGINX_URL=http://127.0.0.1:$nginx_port \
  BULKHEAD_LBSYNC_STATUS_FILE="$work/nginx-status.json" \
  "$binary" >"$work/lbsync-nginx.log" 2>&1 & record_pid "$work" $!

members_are() {  # members_are EXPECTED_BIGIP EXPECTED_NGINX
  [[ $(bigip_members | tr '\n' ' ') == "$1" && $(nginx_members | tr '\n' ' ') == "$2" ]]
}
expect_members() {  # expect_members WHAT EXPECTED_BIGIP EXPECTED_NGINX
  if ! wait_until 20 "$1" members_are "$2" "$3"; then
    tail -n 5 "$work/lbsync-bigip.log" "$work/lbsync-nginx.log" >&2
    fail "$1: bigip [$(bigip_members | tr '\n' ' ')] nginx [$(nginx_members | tr '\n' ' ')]"
  fi
  echo "ok: $1"
}

expect_members "healthy tasks become members" \
  "10.0.0.1:31001 user-enabled 10.0.0.2:31002 user-enabled 10.9.9.9:80 user-enabled " \
  "10.0.0.1:31001 false 10.0.0.2:31002 false "
task web.3 10.0.0.3 31003 false
sleep 2
expect_members "an unhealthy task is not added" \
  "10.0.0.1:31001 user-enabled 10.0.0.2:31002 user-enabled 10.9.9.9:80 user-enabled " \
  "10.0.0.1:31001 false 10.0.0.2:31002 false "
task web.3 10.0.0.3 31003 true
expect_members "it is added once healthy (health_status_changed_event)" \
  "10.0.0.1:31001 user-enabled 10.0.0.2:31002 user-enabled 10.0.0.3:31003 user-enabled 10.9.9.9:80 user-enabled " \
  "10.0.0.1:31001 false 10.0.0.2:31002 false 10.0.0.3:31003 false "
marathon /_double/task/web.1 -XDELETE
expect_members "a killed task is drained first" \
  "10.0.0.1:31001 user-disabled 10.0.0.2:31002 user-enabled 10.0.0.3:31003 user-enabled 10.9.9.9:80 user-enabled " \
  "10.0.0.1:31001 true 10.0.0.2:31002 false 10.0.0.3:31003 false "
expect_members "then removed after the drain time; the hand-made member stays" \
  "10.0.0.2:31002 user-enabled 10.0.0.3:31003 user-enabled 10.9.9.9:80 user-enabled " \
  "10.0.0.2:31002 false 10.0.0.3:31003 false "

echo "--- a Marathon outage removes nothing; the resync afterwards catches up"
marathon /_double/outage -XPOST -d '{"seconds": 6}'
sleep 0.5
marathon /_double/task/web.2 -XDELETE  # the kill happens while lbsync cannot see Marathon
sleep 3
expect_members "members unchanged during the outage" \
  "10.0.0.2:31002 user-enabled 10.0.0.3:31003 user-enabled 10.9.9.9:80 user-enabled " \
  "10.0.0.2:31002 false 10.0.0.3:31003 false "
expect_members "after the outage the full listing drains and removes the killed task" \
  "10.0.0.3:31003 user-enabled 10.9.9.9:80 user-enabled " "10.0.0.3:31003 false "
grep -q "source unreachable" "$work/lbsync-bigip.log" || fail "lbsync did not log the outage"
expect_eq "$(jq -r '.resyncs >= 2 and .removed == 2 and .added == 3' "$work/bigip-status.json")" true \
  "changes are counted (status file: $(cat "$work/bigip-status.json"))"
echo "PASS lbsync_doubles_test"

#!/usr/bin/env bash
# lbsync benchmark against a real HAProxy and the real engine (inside with-env.sh): ROUNDS times,
# a labelled container with a 1 s healthcheck is started and later stopped; measured are the
# time from the engine's health_status: healthy event to the server being ready in HAProxy, and
# from the container's die event to the server being drained (event times from `docker events`,
# HAProxy polled every 5 ms). Baseline: the same lbsync without the event stream, resynchronising
# from a full listing every 5 s (what periodic sync scripts do). Prints medians and the ratios
# baseline / events (above 1: the event-driven path is faster).
# Usage: lbsync_bench.sh LBSYNC_BINARY [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/tests/e2e/lib.sh"
binary=${1:?usage: lbsync_bench.sh BINARY [ROUNDS]}
rounds=${2:-15}
work=$(mktemp -d /var/tmp/bulkhead-bench-lbsync.XXXXXX)
image=bulkhead/base:bookworm
cleanup() {
  docker ps -aq --filter label=bulkhead.bench=lbsync | xargs -r docker rm -f >/dev/null 2>&1 || true
  stop_recorded "$work"
  [[ -f $work/haproxy.pid ]] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/haproxy.cfg" <<CFG
global
  stats socket $work/admin.sock level admin
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
backend web
  balance roundrobin
CFG
haproxy -f "$work/haproxy.cfg" -D -p "$work/haproxy.pid"
wait_until 10 "haproxy's runtime API" test -S "$work/admin.sock"
echo "{}" >"$work/config.json"

now_ns() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
state_of() {
  echo "show servers state web" | socat - "UNIX-CONNECT:$work/admin.sock" | awk -v name="lbs-127.0.0.1:$1" '$4 == name {print $7}'
}
wait_state() {  # wait_state PORT STATE: prints the time (ns) the state was first seen
  local deadline=$((SECONDS + 30))
  until [[ $(state_of "$1") == "$2" ]]; do
    ((SECONDS < deadline)) || { echo "timeout waiting for $1 to be '$2'" >&2; return 1; }
    sleep 0.005
  done
  now_ns
}
event_ns() {  # event_ns CONTAINER EVENT SINCE
  docker events --since "$3" --until "$(date +%s.%N)" --filter "container=$1" --filter "event=$2" \
    --format '{{.TimeNano}}' | head -1
}

measure() {  # measure MODE: "events" or "poll"; prints two medians (ms)
  local mode=$1 follow=true resync=60s
  [[ $mode == poll ]] && follow=false resync=5s
  BULKHEAD_CONFIG=$work/config.json BULKHEAD_LBSYNC_DOCKER_SOCKET=${DOCKER_HOST#unix://} \
    BULKHEAD_LBSYNC_HAPROXY_SOCKET=$work/admin.sock BULKHEAD_LBSYNC_POOLS=web BULKHEAD_LBSYNC_DRAIN=1s \
    BULKHEAD_LBSYNC_FOLLOW_EVENTS=$follow BULKHEAD_LBSYNC_RESYNC_INTERVAL=$resync \
    "$binary" >"$work/lbsync-$mode.log" 2>&1 &
  local pid=$! up=() down=()
  for round in $(seq "$rounds"); do
    local port since id enabled drained
    port=$(free_port)
    since=$(date +%s.%N)
    id=$(docker run -d --label bulkhead.bench=lbsync --network host --label bulkhead.lb.pool=web \
      --label "bulkhead.lb.port=$port" --health-cmd true --health-interval 1s "$image" sleep 600)
    enabled=$(wait_state "$port" 0)
    up+=($(((enabled - $(event_ns "$id" health_status "$since")) / 1000)))
    docker stop -t 0 "$id" >/dev/null
    drained=$(wait_state "$port" 8)
    down+=($(((drained - $(event_ns "$id" die "$since")) / 1000)))
    wait_state "$port" "" >/dev/null
    docker rm "$id" >/dev/null
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$(printf '%s\n' "${up[@]}" | median) $(printf '%s\n' "${down[@]}" | median)"
}

read -r events_up events_down <<<"$(measure events)"
read -r poll_up poll_down <<<"$(measure poll)"
ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
echo "lbsync: HAProxy member changes, median of $rounds (ms; ratio = 5 s polling baseline / events)"
printf '  %-34s %10s %14s %7s\n' "" events "poll-5s" ratio
printf '  %-34s %10s %14s %7s\n' "healthy -> server ready" "$(ms "$events_up")" "$(ms "$poll_up")" "$(ratio "$poll_up" "$events_up")"
printf '  %-34s %10s %14s %7s\n' "container died -> server drained" "$(ms "$events_down")" "$(ms "$poll_down")" "$(ratio "$poll_down" "$events_down")"

#!/usr/bin/env bash
# Log shipping benchmark, in one run on one engine: a container writes 1M lines through
#   json-file (Docker's default, to local disk),
#   Docker's built-in syslog driver (RFC 5424 over TCP) to a local rsyslogd,
#   Docker's built-in gelf driver (TCP) to a local GELF receiver,
#   bulkhead/logs with its syslog sink, then its GELF sink, to the same receivers;
# each timed from the container's start until the receiver holds every line (median of 3).
# Prints lines/s and the ratios against Docker's drivers, the plugin's CPU per million lines and
# its peak memory, and the decode + enrich + encode micro-benchmark.
# Usage: logs_bench.sh BULKHEAD_LOGS_BINARY MICRO_BENCH_BINARY   (inside tests/env/with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/e2e/lib.sh"
binary=${1:?usage: logs_bench.sh BINARY MICRO_BENCH}
micro=${2:?usage: logs_bench.sh BINARY MICRO_BENCH}
repo=$(cd "$here/.." && pwd)
work=$(mktemp -d /var/tmp/bulkhead-bench-logs.XXXXXX)
image=bulkhead/base:bookworm
lines=1000000
cleanup() {
  docker ps -aq --filter label=bulkhead.bench=logs | xargs -r docker rm -f >/dev/null 2>&1
  remove_plugin bulkhead/logs
  stop_recorded "$work"
  rm -rf "$work"
}
trap cleanup EXIT

syslog_port=$(free_port)
gelf_port=$(free_port)
mkdir -p "$work/rsyslog" "$work/spool" "$work/config"
echo '{}' >"$work/config/config.json"
cat >"$work/rsyslog.conf" <<CONF
global(workDirectory="$work/rsyslog" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$syslog_port" ruleset="bench")
template(name="bare" type="string" string="%msg%\n")
ruleset(name="bench") { action(type="omfile" file="$work/syslog.out" template="bare" asyncWriting="on" ioBufferSize="1m") }
CONF
rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" &
record_pid "$work" $!
# A GELF TCP receiver that counts messages (NUL-terminated) into a file.
python3 - "$gelf_port" "$work/gelf.count" <<'PY' &
import socket, sys, threading, time
port, path = int(sys.argv[1]), sys.argv[2]
count = [0]
def flush():
    while True:
        open(path + ".tmp", "w").write(str(count[0])); __import__("os").replace(path + ".tmp", path)
        time.sleep(0.05)
threading.Thread(target=flush, daemon=True).start()
server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port)); server.listen()
def serve(conn):
    while True:
        data = conn.recv(1 << 20)
        if not data: return
        count[0] += data.count(b"\0")
while True:
    threading.Thread(target=serve, args=(server.accept()[0],), daemon=True).start()
PY
record_pid "$work" $!
wait_until 20 "rsyslogd" bash -c "echo > /dev/tcp/127.0.0.1/$syslog_port"
wait_until 20 "the GELF receiver" bash -c "echo > /dev/tcp/127.0.0.1/$gelf_port"
"$repo/docker/build-plugin.sh" logs "$binary" "spool.source=$work/spool" "config.source=$work/config" >/dev/null

syslog_count() { [[ -f $work/syslog.out ]] && wc -l <"$work/syslog.out" || echo 0; }
gelf_count() { cat "$work/gelf.count" 2>/dev/null || echo 0; }
now() { date +%s.%N; }
# timed_run COUNTER DRIVER_ARGS...: seconds from start until COUNTER grew by $lines.
timed_run() {
  local counter=$1 before start
  shift
  before=$($counter)
  start=$(now)
  docker run -d --label bulkhead.bench=logs --network none "$@" "$image" \
    seq -f "benchmark line %g of a service that logs a fair amount of text" 1 "$lines" >/dev/null
  until (($($counter) - before >= lines)); do sleep 0.05; done
  echo "$(now) - $start" | bc -l
}
json_file_run() {
  local start id
  start=$(now)
  id=$(docker run -d --label bulkhead.bench=logs --network none "$image" \
    seq -f "benchmark line %g of a service that logs a fair amount of text" 1 "$lines")
  docker wait "$id" >/dev/null
  echo "$(now) - $start" | bc -l
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
rate() { echo "$lines / $1" | bc -l | xargs printf '%.0f'; }
plugin_pid() { pgrep -f '^/usr/bin/bulkhead-logs' | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$(plugin_pid)/stat"; }

declare -A seconds
runs() {  # runs NAME COMMAND...: three timed runs, the median kept
  local name=$1 a b c
  shift
  a=$("$@")
  b=$("$@")
  c=$("$@")
  seconds[$name]=$(median3 "$a" "$b" "$c")
}
runs json-file json_file_run
runs docker-syslog timed_run syslog_count --log-driver syslog \
  --log-opt "syslog-address=tcp://127.0.0.1:$syslog_port" --log-opt syslog-format=rfc5424
runs docker-gelf timed_run gelf_count --log-driver gelf --log-opt "gelf-address=tcp://127.0.0.1:$gelf_port"
ticks_before=$(cpu_ticks)
runs bulkhead-syslog timed_run syslog_count --log-driver bulkhead/logs \
  --log-opt "syslog-address=tcp://127.0.0.1:$syslog_port"
runs bulkhead-gelf timed_run gelf_count --log-driver bulkhead/logs \
  --log-opt "gelf-address=tcp://127.0.0.1:$gelf_port"
ticks=$(($(cpu_ticks) - ticks_before))
cpu_per_million=$(echo "$ticks / $(getconf CLK_TCK) / 6" | bc -l)  # 6 runs of 1M lines
peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$(plugin_pid)/status")

echo
echo "logs: $lines lines per run, median of 3, seconds from container start to the last line received"
for name in json-file docker-syslog docker-gelf bulkhead-syslog bulkhead-gelf; do
  printf '  %-16s %6.2f s  %9s lines/s\n' "$name" "${seconds[$name]}" "$(rate "${seconds[$name]}")"
done
printf '  ratio bulkhead/logs vs docker syslog driver: %.2f (lines/s, higher is better)\n' \
  "$(echo "${seconds[docker-syslog]} / ${seconds[bulkhead-syslog]}" | bc -l)"
printf '  ratio bulkhead/logs vs docker gelf driver:   %.2f\n' \
  "$(echo "${seconds[docker-gelf]} / ${seconds[bulkhead-gelf]}" | bc -l)"
printf '  ratio bulkhead/logs (syslog) vs json-file:   %.2f\n' \
  "$(echo "${seconds[json-file]} / ${seconds[bulkhead-syslog]}" | bc -l)"
printf '  plugin CPU: %.2f s per million lines (spool + one sink); peak RSS %d MiB\n' \
  "$cpu_per_million" $((peak_kib / 1024))
"$micro"

#!/usr/bin/env bash
# End to end through the real Docker engine: packages plugins/logs as the managed plugin
# bulkhead/logs and runs containers with --log-driver bulkhead/logs, shipping to a real rsyslogd
# (RFC 5424 over TCP, octet counting) on loopback, to the test cluster's radosgw (S3) and to a
# real RabbitMQ broker (AMQP 0-9-1 with publisher confirms). Checks that every line arrives exactly as sent
# (a >16 KiB line as one event, non-UTF-8 bytes base64-flagged), that docker logs serves all,
# --tail and --since from the plugin's spool, and that unknown options fail the start clearly.
# Usage: logs_plugin_test.sh BULKHEAD_LOGS_BINARY   (inside tests/env/with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:?usage: logs_plugin_test.sh BINARY}
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d /var/tmp/bulkhead-e2e-logs.XXXXXX)
image=bulkhead/base:bookworm
container=e2e-logs-$RANDOM
cleanup() {
  docker rm -f "$container" "$container-bad" "$container-kill" "$container-follow" "$container-s3" \
    "$container-amqp" "$container-tls" >/dev/null 2>&1 || true
  docker volume rm -f "$container-files" >/dev/null 2>&1 || true
  rabbitmq_down "$work/rabbitmq"
  remove_plugin bulkhead/logs
  stop_recorded "$work"
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
udp_port=$(free_port)
mkdir -p "$work/rsyslog" "$work/spool" "$work/config"
echo '{}' >"$work/config/config.json"
cat >"$work/rsyslog.conf" <<CONF
global(workDirectory="$work/rsyslog" maxMessageSize="128k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$port" ruleset="bulkhead")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$udp_port" ruleset="udp" rcvbufSize="8m")
template(name="bulkhead" type="string" string="%app-name% %msgid% %structured-data% %msg%\n")
ruleset(name="bulkhead") { action(type="omfile" file="$work/received.log" template="bulkhead") }
ruleset(name="udp") { action(type="omfile" file="$work/received-udp.log" template="bulkhead") }
CONF
start_rsyslogd() {
  rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" &
  record_pid "$work" $!
  wait_until 20 "rsyslogd on port $port" bash -c "echo > /dev/tcp/127.0.0.1/$port"
}
start_rsyslogd

"$repo/docker/build-plugin.sh" logs "$binary" "spool.source=$work/spool" "config.source=$work/config"

echo "--- lines of every kind arrive at rsyslog exactly as sent"
long=$(head -c 40000 /dev/zero | tr '\0' x)
docker run --name "$container" --network none --log-driver bulkhead/logs \
  --log-opt "syslog-address=tcp://127.0.0.1:$port" --log-opt 'tag={{.Name}}' \
  --log-opt mode=blocking "$image" \
  sh -c 'seq -f "line-%g" 1 2000; head -c 40000 /dev/zero | tr "\0" x; echo; printf "\377\376binary\n"; echo "{\"level\":\"warn\"}" >&2' >/dev/null 2>&1
received() { grep -ac . "$work/received.log" 2>/dev/null || echo 0; }
wait_until 30 "2003 messages at rsyslog" at_least 2003 received || true
expect_eq "$(received)" 2003 "rsyslog received every line once"
expect_eq "$(grep -ac "^$container stdout .*\"\] .*line-[0-9]*$" "$work/received.log")" 2000 \
  "short lines carry the tag and the stream"
expect_eq "$(grep -ao 'line-[0-9]*$' "$work/received.log" | sort -u | wc -l)" 2000 "no line is missing"
expect_eq "$(grep -aF "$long" "$work/received.log" | grep -c "\"\] .*$long$")" 1 \
  "the 40000-byte line arrived as one message"
expect_contains "$(grep -a 'encoding="base64"' "$work/received.log")" "$(printf '\377\376binary' | base64)" \
  "non-UTF-8 bytes arrive base64-encoded and flagged"
expect_contains "$(grep -a ' stderr ' "$work/received.log")" '{"level":"warn"}' "stderr lines keep their stream"
expect_contains "$(head -1 "$work/received.log")" "container_name=\"$container\"" "events carry the container's name"

echo "--- docker logs is served from the spool"
expect_eq "$(docker logs "$container" 2>/dev/null | grep -ac '^line-')" 2000 "docker logs shows every line"
expect_eq "$(docker logs "$container" 2>&1 | grep -ac "^$long$")" 1 "docker logs shows the long line whole"
expect_eq "$(docker logs --tail 2 "$container" 2>&1 | wc -l)" 2 "docker logs --tail 2"
expect_eq "$(docker logs --since 2099-01-01T00:00:00Z "$container" 2>&1 | wc -l)" 0 "docker logs --since the future"
docker restart "$container" >/dev/null
docker wait "$container" >/dev/null
expect_eq "$(docker logs "$container" 2>/dev/null | grep -ac '^line-')" 4000 "a restarted container's logs append"
wait_until 30 "4006 messages at rsyslog" at_least 4006 received || true
expect_eq "$(received)" 4006 "the second run was shipped too"

expect_contains "$(curl -s --unix-socket "/run/docker/plugins/$(docker plugin inspect -f '{{.Id}}' bulkhead/logs)/logs.sock" http://plugin/metrics)" \
  'bulkhead_logs_sink_acked_total{sink="syslog"} 4006' "metrics count the acknowledged events"

echo "--- syslog over UDP (lossy by nature: the receiver gets a large buffer and a gentle writer)"
docker run --rm --network none --log-driver bulkhead/logs --log-opt "syslog-address=udp://127.0.0.1:$udp_port" \
  --log-opt 'tag={{.Name | upper}}' --name "$container-udp" "$image" \
  sh -c 'seq -f "udp-%g" 1 200 | while read -r line; do echo "$line"; sleep 0.01; done' >/dev/null
udp_lines() { grep -ac "^$(tr a-z A-Z <<<"$container")-UDP stdout .*udp-[0-9]*$" "$work/received-udp.log"; }
wait_until 30 "200 lines over UDP" at_least 200 udp_lines || true
expect_eq "$(udp_lines)" 200 "syslog over UDP, one datagram per line; the tag template's upper function"

echo "--- with the sink down the container runs on, and every line arrives once it is back"
kill "$(cat "$work/rsyslog.pid")"
wait_until 20 "rsyslogd to stop" bash -c "! echo > /dev/tcp/127.0.0.1/$port"
docker run --rm --network none --log-driver bulkhead/logs --log-opt "syslog-address=tcp://127.0.0.1:$port" \
  --log-opt tag=outage "$image" sh -c 'seq -f "outage-%g" 1 1000' >/dev/null
echo "ok: the container ran to its end while rsyslog was down"
start_rsyslogd
outage_lines() { grep -ao 'outage-[0-9]*$' "$work/received.log" | sort -u | wc -l; }
wait_until 90 "the lines logged during the outage" at_least 1000 outage_lines || true
expect_eq "$(outage_lines)" 1000 "every line logged during the outage arrived after rsyslog came back"

echo "--- docker logs -f follows a running container until it stops"
docker run -d --name "$container-follow" --network none --log-driver bulkhead/logs "$image" \
  sh -c 'echo first; sleep 2; echo second' >/dev/null
expect_eq "$(timeout 30 docker logs -f "$container-follow" 2>&1 | tr '\n' ' ')" "first second " \
  "docker logs -f shows lines as they come and ends with the container"

echo "--- kill -9 of the plugin mid-stream loses nothing and repeats nothing"
plugin_pid() { pgrep -f '^/usr/bin/bulkhead-logs' | head -1; }
docker run -d --name "$container-kill" --network none --log-driver bulkhead/logs \
  --log-opt "syslog-address=tcp://127.0.0.1:$port" --log-opt tag=kill "$image" \
  sh -c 'seq -f "kill-%g" 1 30000 | while read -r line; do echo "$line"; case $line in *000) sleep 0.2;; esac; done' >/dev/null
for round in 1 2 3; do
  sleep 1
  old=$(plugin_pid)
  kill -9 "$old"
  wait_until 30 "dockerd to restart the plugin" bash -c "p=\$(pgrep -f '^/usr/bin/bulkhead-logs' | head -1); [[ -n \$p && \$p != $old ]]"
  echo "killed the plugin (pid $old), round $round"
done
expect_eq "$(timeout 120 docker wait "$container-kill")" 0 "the container ran to its end through the kills"
expect_eq "$(docker logs "$container-kill" 2>/dev/null | grep -c '^kill-')" 30000 "docker logs has every line exactly once"
expect_eq "$(docker logs "$container-kill" 2>/dev/null | sort -u | grep -c '^kill-')" 30000 "docker logs has no line twice"
shipped() { grep -ao 'kill-[0-9]*$' "$work/received.log" | sort -u | wc -l; }
wait_until 60 "30000 distinct lines at rsyslog" at_least 30000 shipped || true
expect_eq "$(shipped)" 30000 "rsyslog received every line (at least once) across the kills"

echo "--- S3: gzip NDJSON objects in the test cluster's radosgw, signed with SigV4"
radosgw-admin -c "$CEPH_CONF" user create --uid=bulkhead-e2e --display-name="Bulkhead e2e" \
  --access-key=BULKHEADE2EKEY --secret=bulkhead-e2e-secret >/dev/null 2>&1 || true
s3=(python3 "$here/s3_client.py" "$BULKHEAD_TEST_RGW_ENDPOINT" BULKHEADE2EKEY bulkhead-e2e-secret)
bucket=bulkhead-e2e-$RANDOM
"${s3[@]}" mkbucket "$bucket"
docker run --name "$container-s3" --network none --log-driver bulkhead/logs \
  --log-opt "s3-endpoint=$BULKHEAD_TEST_RGW_ENDPOINT" --log-opt "s3-bucket=$bucket" \
  --log-opt s3-access-key=BULKHEADE2EKEY --log-opt s3-secret-key=bulkhead-e2e-secret \
  "$image" sh -c 'seq -f "s3-%g" 1 5000' >/dev/null
s3_lines() {
  local key
  for key in $("${s3[@]}" list "$bucket"); do "${s3[@]}" get "$bucket" "$key" | gunzip; done |
    jq -r .message | sort -u | grep -c '^s3-'
}
wait_until 60 "5000 lines in S3 objects" at_least 5000 s3_lines || true
expect_eq "$(s3_lines)" 5000 "every line is in an S3 object"
expect_contains "$("${s3[@]}" list "$bucket" | head -1)" "$(date -u +%Y/%m/%d)/$container-s3/" \
  "object keys follow the date/container template"

# rsyslog's gtls driver: its ossl driver (8.2302) drops TLS records that arrive back to back.
echo "--- syslog over TLS (RFC 5425) to a real rsyslogd (gtls driver)"
tls_port=$(free_port)
make_test_ca "$work/tls"
mkdir -p "$work/rsyslog-tls"
cp "$work/tls/ca.pem" "$work/config/ca.pem"  # the plugin sees it as /etc/bulkhead/ca.pem
cat >"$work/rsyslog-tls.conf" <<CONF
global(workDirectory="$work/rsyslog-tls" maxMessageSize="128k" DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="$work/tls/ca.pem" DefaultNetstreamDriverCertFile="$work/tls/server.pem"
       DefaultNetstreamDriverKeyFile="$work/tls/server.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" address="127.0.0.1" port="$tls_port" ruleset="tls")
template(name="bulkhead" type="string" string="%app-name% %msg%\n")
ruleset(name="tls") { action(type="omfile" file="$work/received-tls.log" template="bulkhead") }
CONF
rsyslogd -n -f "$work/rsyslog-tls.conf" -i "$work/rsyslog-tls.pid" &
record_pid "$work" $!
wait_until 20 "rsyslogd (TLS) on port $tls_port" bash -c "echo > /dev/tcp/127.0.0.1/$tls_port"
docker run --name "$container-tls" --network none --log-driver bulkhead/logs \
  --log-opt "syslog-address=tls://127.0.0.1:$tls_port" --log-opt syslog-tls-ca-cert=/etc/bulkhead/ca.pem \
  --log-opt tag=tls "$image" sh -c 'seq -f "tls-%g" 1 1000' >/dev/null
tls_lines() { grep -ao 'tls-[0-9]*$' "$work/received-tls.log" | sort -u | wc -l; }
wait_until 30 "1000 lines over TLS" at_least 1000 tls_lines || true
expect_eq "$(tls_lines)" 1000 "every line arrived over TLS, the server's certificate verified"

echo "--- AMQP: persistent messages confirmed by a real RabbitMQ broker"
read -r amqp_port amqps_port <<<"$(rabbitmq_up "$work/rabbitmq" "$work/tls")"
docker run --name "$container-amqp" --network none --log-driver bulkhead/logs \
  --log-opt "amqp-url=amqp://guest:guest@127.0.0.1:$amqp_port/" --log-opt amqp-queue=docker-logs \
  "$image" sh -c 'seq -f "amqp-%g" 1 3000; head -c 200000 /dev/zero | tr "\0" y; echo' >/dev/null
queued() { (. "$work/rabbitmq/env" && rabbitmqctl -n "$RABBITMQ_NODENAME" -q list_queues name messages) | awk '$1 == "docker-logs" {print $2}'; }
wait_until 60 "3001 messages in the queue" at_least 3001 queued || true
expect_eq "$(queued)" 3001 "every line is a confirmed message in the durable queue"
/usr/bin/python3 - "$amqp_port" >"$work/amqp.jsonl" <<'PY'  # Debian's python3-pika
import sys, pika
connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", int(sys.argv[1])))
channel = connection.channel()
while True:
    method, properties, body = channel.basic_get("docker-logs", auto_ack=True)
    if method is None:
        break
    assert properties.delivery_mode == 2 and properties.content_type == "application/json"
    print(body.decode())
PY
expect_eq "$(jq -r .message "$work/amqp.jsonl" | grep -c '^amqp-')" 3000 "messages carry the lines, persistent JSON"
expect_eq "$(jq -r '.message | length' "$work/amqp.jsonl" | sort -n | tail -1)" 200000 \
  "a 200000-byte line crosses several AMQP body frames"
docker run --rm --network none --log-driver bulkhead/logs \
  --log-opt "amqp-url=amqps://guest:guest@127.0.0.1:$amqps_port/" --log-opt amqp-queue=docker-logs-tls \
  --log-opt amqp-tls-ca-cert=/etc/bulkhead/ca.pem "$image" sh -c 'seq -f "amqps-%g" 1 500' >/dev/null
queued_tls() { (. "$work/rabbitmq/env" && rabbitmqctl -n "$RABBITMQ_NODENAME" -q list_queues name messages) | awk '$1 == "docker-logs-tls" {print $2}'; }
wait_until 60 "500 messages over AMQPS" at_least 500 queued_tls || true
expect_eq "$(queued_tls)" 500 "amqps://: every line confirmed over TLS, the broker's certificate verified"

echo "--- log volumes: files an app writes are followed (rotation too) and shipped, binary ones too"
docker run --rm --network none --mount "type=volume,src=$container-files,dst=/var/log/app,volume-driver=bulkhead/logs,volume-opt=syslog-address=tcp://127.0.0.1:$port,volume-opt=tag=files" \
  "$image" sh -c 'cd /var/log/app; seq -f "access-%g" 1 500 >access.log; seq -f "error-%g" 1 200 >error.log
    sleep 1; mv access.log access.log.1; seq -f "access-%g" 501 600 >access.log
    head -c 40000 /dev/zero | tr "\0" "\377" >data.bin; sleep 1'
files_lines() { grep -ao "^files [^ ]* .*$1-[0-9]*$" "$work/received.log" | grep -o "$1-[0-9]*$" | sort -u | wc -l; }
wait_until 30 "the volume's files at rsyslog" at_least 800 grep -ac '^files ' "$work/received.log"
expect_eq "$(files_lines access)" 600 "every line of a rotated log file arrived"
expect_eq "$(grep -ac '^files error.log .*error-[0-9]*$' "$work/received.log")" 200 "each file is its own stream"
binary_bytes() {
  grep -a '^files data.bin .*encoding="base64"' "$work/received.log" | awk '{print $NF}' |
    while read -r piece; do base64 -d <<<"$piece" | wc -c; done | paste -sd+ | bc
}
wait_until 30 "the binary file's last piece (shipped when the volume is released)" at_least 40000 binary_bytes || true
expect_eq "$(binary_bytes)" 40000 "a binary file arrives whole, in base64 pieces"
expect_contains "$(docker volume ls --format '{{.Driver}} {{.Name}}')" "bulkhead/logs:latest $container-files" \
  "the log volume is a Docker volume"
bad=$(docker volume create -d bulkhead/logs -o syslog-adress=x "$container-bad-volume" 2>&1 || true)
expect_contains "$bad" 'unknown log-opt "syslog-adress"' "log volume options are checked like log-opts"

echo "--- unknown options fail the container start with a clear message"
bad=$(docker run --name "$container-bad" --network none --log-driver bulkhead/logs \
  --log-opt syslog-adress=tcp://127.0.0.1:1 "$image" true 2>&1 || true)
expect_contains "$bad" 'unknown log-opt "syslog-adress"' "a misspelt option is named"

echo "logs plugin end-to-end: all checks passed"

#!/usr/bin/env bash
# bulkhead/logs sinks whose servers have no Debian package, through the real Docker engine,
# against protocol doubles written from the specifications (tests/e2e/doubles/): GELF over UDP
# (gzip, zlib, chunked) and TCP; Elasticsearch _bulk; Riemann over TCP. Each double checks what the real server would and records every
# message; the test compares them with what the containers printed.
# Usage: logs_sinks_doubles_test.sh BULKHEAD_LOGS_BINARY   (inside tests/env/with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:?usage: logs_sinks_doubles_test.sh BINARY}
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d /var/tmp/bulkhead-e2e-sinks.XXXXXX)
image=bulkhead/base:bookworm
name=e2e-sinks-$RANDOM
run=(docker run --network none --log-driver bulkhead/logs)
cleanup() {
  docker rm -f "$name-udp" "$name-tcp" "$name-zlib" "$name-es" "$name-riemann" "$name-riemann-tls" \
    >/dev/null 2>&1 || true
  remove_plugin bulkhead/logs
  stop_recorded "$work"
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/spool" "$work/config"
echo '{}' >"$work/config/config.json"
"$repo/docker/build-plugin.sh" logs "$binary" "spool.source=$work/spool" "config.source=$work/config"

echo "--- GELF, against a double written from the GELF 1.1 spec"
udp=$(free_port)
tcp=$(free_port)
python3 "$here/doubles/gelf_double.py" "$udp" "$tcp" "$work/gelf.jsonl" &
record_pid "$work" $!
wait_until 20 "the GELF double on port $tcp" bash -c "echo > /dev/tcp/127.0.0.1/$tcp"
head -c 30000 /dev/urandom | base64 -w0 >"$work/long"
"${run[@]}" --name "$name-udp" --log-opt "gelf-address=udp://127.0.0.1:$udp" -v "$work/long:/long:ro" \
  "$image" sh -c 'seq -f "udp-%g" 1 500; cat /long; echo' >/dev/null
"${run[@]}" --name "$name-tcp" --log-opt "gelf-address=tcp://127.0.0.1:$tcp" --label team=billing \
  --log-opt labels=team "$image" sh -c 'seq -f "tcp-%g" 1 500; printf "\377\376binary\n"' >/dev/null
"${run[@]}" --name "$name-zlib" --log-opt "gelf-address=udp://127.0.0.1:$udp" \
  --log-opt gelf-compression-type=zlib "$image" echo zlib-line >/dev/null
gelf_count() { grep -c . "$work/gelf.jsonl"; }
gelf() { jq -r --arg name "$1" "select(._container_name == \$name) | $2" "$work/gelf.jsonl" 2>/dev/null; }
wait_until 30 "1003 GELF messages" at_least 1003 gelf_count || true
expect_eq "$(gelf "$name-udp" .short_message | grep -c '^udp-')" 500 "UDP (gzip): every line arrived"
expect_eq "$(gelf "$name-udp" .short_message | grep -c "^$(cat "$work/long")$")" 1 \
  "UDP: the 40000-byte line arrived whole"
expect_contains "$(gelf "$name-udp" ._double_transport | sort -u | tr '\n' ' ')" "udp-gzip+chunked" \
  "UDP: the long line was chunked"
expect_eq "$(gelf "$name-tcp" .short_message | grep -c '^tcp-')" 500 "TCP: every line arrived"
expect_eq "$(gelf "$name-tcp" 'select(._encoding == "base64") | .short_message')" \
  "$(printf '\377\376binary' | base64)" "TCP: non-UTF-8 bytes arrive base64-encoded and flagged"
expect_eq "$(gelf "$name-tcp" '._team' | sort -u)" billing "the labels option adds the label as a field"
expect_eq "$(gelf "$name-zlib" '._double_transport + " " + .short_message')" "udp-zlib zlib-line" \
  "gelf-compression-type=zlib"
expect_eq "$(gelf "$name-tcp" '.level' | sort -u | tr '\n' ' ')" "6 " "stdout lines have level 6 (info)"
[[ ! -s $work/gelf.jsonl.rejected ]] || fail "the GELF double rejected messages: $(head -3 "$work/gelf.jsonl.rejected")"
echo "ok: the GELF double rejected nothing"

echo "--- Elasticsearch, against a _bulk double written from the Elasticsearch docs"
es=$(free_port)
python3 "$here/doubles/elasticsearch_double.py" "$es" "$work/es.jsonl" elastic:s3cret 50 &
record_pid "$work" $!
wait_until 20 "the Elasticsearch double on port $es" bash -c "echo > /dev/tcp/127.0.0.1/$es"
"${run[@]}" --name "$name-es" --log-opt "es-url=http://127.0.0.1:$es" --log-opt 'es-index=app-%Y.%m.%d' \
  --log-opt es-username=elastic --log-opt es-password=s3cret --log-opt parse-json=true "$image" \
  sh -c 'seq -f "es-%g" 1 300; echo "{\"level\":\"warn\",\"n\":1}"; echo "{\"level\":5}"' >/dev/null
stored() { grep -c . "$work/es.jsonl" 2>/dev/null || echo 0; }
wait_until 60 "301 documents in the double" at_least 301 stored || true
expect_eq "$(stored)" 301 "every line was indexed once, through 50 throttled (429) items"
expect_eq "$(jq -r .id "$work/es.jsonl" | sort -u | wc -l)" 301 "ids are unique: retries did not duplicate"
expect_eq "$(jq -r .index "$work/es.jsonl" | sort -u)" "app-$(date -u +%Y.%m.%d)" "the index is named by the event date"
expect_eq "$(jq -r 'select(.source.json != null) | .source.json.level' "$work/es.jsonl")" warn \
  "parse-json puts a JSON line's fields under json"
expect_eq "$(jq -r 'select(.source.message == "es-7") | .source.container.name' "$work/es.jsonl")" "$name-es" \
  "documents carry the container's name"
dead=$(cat "$work"/spool/spool/*/deadletter.elasticsearch.ndjson)
expect_eq "$(jq -r '.status, .error.type, .document.message' <<<"$dead" | tr '\n' ' ')" \
  '400 mapper_parsing_exception {"level":5} ' "a mapping conflict goes to the dead-letter file, not retried"

echo "--- Riemann, against a double written from Riemann's protocol"
riemann=$(free_port)
python3 "$here/doubles/riemann_double.py" "$riemann" "$work/riemann.jsonl" 2 &
record_pid "$work" $!
wait_until 20 "the Riemann double on port $riemann" bash -c "echo > /dev/tcp/127.0.0.1/$riemann"
"${run[@]}" --name "$name-riemann" --log-opt "riemann-address=tcp://127.0.0.1:$riemann" \
  --log-opt 'tag={{.Name}}' "$image" sh -c 'seq -f "riemann-%g" 1 700; echo oops >&2' >/dev/null
riemann_events() { grep -c . "$work/riemann.jsonl"; }
wait_until 60 "701 Riemann events" at_least 701 riemann_events || true
expect_eq "$(riemann_events)" 701 "every line is a Riemann event, after two refused (ok=false) batches"
expect_eq "$(jq -r 'select(.description == "oops") | .service + " " + .state' "$work/riemann.jsonl")" \
  "$name-riemann/stderr warning" "service is tag/stream; stderr lines have state warning"
expect_eq "$(jq -r 'select(.description == "riemann-1") | .attributes.container_name' "$work/riemann.jsonl")" \
  "$name-riemann" "events carry the container as attributes"
make_test_ca "$work/tls"
cp "$work/tls/ca.pem" "$work/config/ca.pem"  # the plugin sees it as /etc/bulkhead/ca.pem
riemann_tls=$(free_port)
python3 "$here/doubles/riemann_double.py" "$riemann_tls" "$work/riemann-tls.jsonl" 0 \
  "$work/tls/server.pem" "$work/tls/server.key" &
record_pid "$work" $!
wait_until 20 "the Riemann TLS double on port $riemann_tls" bash -c "echo > /dev/tcp/127.0.0.1/$riemann_tls"
"${run[@]}" --name "$name-riemann-tls" --log-opt "riemann-address=tls://127.0.0.1:$riemann_tls" \
  --log-opt riemann-tls-ca-cert=/etc/bulkhead/ca.pem "$image" sh -c 'seq -f "riemann-tls-%g" 1 300' >/dev/null
riemann_tls_events() { grep -c . "$work/riemann-tls.jsonl"; }
wait_until 60 "300 Riemann events over TLS" at_least 300 riemann_tls_events || true
expect_eq "$(riemann_tls_events)" 300 "tls://: every event acknowledged over TLS, the certificate verified"
echo "logs sinks against doubles: all checks passed"

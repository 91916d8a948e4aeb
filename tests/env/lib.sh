# Helpers shared by the test environment scripts. Source it; it defines functions only.

# Prints an unused TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS WHAT COMMAND...: runs COMMAND until it succeeds; fails naming WHAT.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${seconds}s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

# wait_for_file PATH SECONDS: waits for a non-empty file and prints its content (a pid file).
wait_for_file() {
  wait_until "$2" "$1" test -s "$1"
  cat "$1"
}

# record_pid DIR PID: remembers a process this environment started, for stop_recorded.
record_pid() {
  echo "$2" >>"$1/pids"
}

# stop_recorded DIR: stops the processes recorded in DIR/pids, newest first, and only those.
stop_recorded() {
  local dir=$1 pid
  [[ -f $dir/pids ]] || return 0
  for pid in $(tac "$dir/pids"); do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $(tac "$dir/pids"); do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$dir/pids"
}

# remove_plugin NAME...: disables (forcibly) and removes installed managed plugins; absent ones are fine.
remove_plugin() {
  local plugin
  for plugin in "$@"; do
    docker plugin disable -f "$plugin" >/dev/null 2>&1 || true
    docker plugin rm -f "$plugin" >/dev/null 2>&1 || true
  done
}

# set_authz_plugins [PLUGIN...]: makes the test engine's authorization-plugins exactly these
# (none to switch authorization off) through its config file and SIGHUP, and waits for the
# reload (dockerd sets the chain before it logs "Reloaded configuration"; `docker info` keeps
# showing the start-up list). Only for engines started by dockerd-up.sh.
set_authz_plugins() {
  local config=${BULKHEAD_DOCKERD_CONFIG:?engine not started by dockerd-up.sh} before
  jq -n '$ARGS.positional as $p | {"authorization-plugins": $p}' --args "$@" >"$config.tmp"
  mv "$config.tmp" "$config"
  before=$(reloads_logged)
  kill -HUP "$(cat "$BULKHEAD_DOCKERD_PIDFILE")"
  wait_until 20 "dockerd to reload its configuration" at_least_reloads $((before + 1))
}
reloads_logged() { grep -c "Reloaded configuration" "$BULKHEAD_DOCKERD_LOG" || true; }
at_least_reloads() { (($(reloads_logged) >= $1)); }
# authz_configured: true when the test engine's config names authorization plugins.
authz_configured() {
  [[ -f ${BULKHEAD_DOCKERD_CONFIG:-/nonexistent} ]] &&
    [[ $(jq '."authorization-plugins" // [] | length' "$BULKHEAD_DOCKERD_CONFIG") != 0 ]]
}

# make_test_ca DIR: a throwaway CA (DIR/ca.pem) and a server certificate for 127.0.0.1
# (DIR/server.pem, DIR/server.key) signed by it, for TLS tests on loopback.
make_test_ca() {
  mkdir -p "$1"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bulkhead-test-ca \
    -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$1/server.key" \
    -out "$1/server.csr" 2>/dev/null
  openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
    -days 2 -extfile <(echo "subjectAltName=IP:127.0.0.1") -out "$1/server.pem" 2>/dev/null
}

# make_client_cert DIR NAME: a TLS client certificate with CN=NAME signed by DIR/ca.pem
# (DIR/NAME/{cert,key}.pem plus ca.pem, the layout DOCKER_CERT_PATH expects).
make_client_cert() {
  mkdir -p "$1/$2"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1/$2/key.pem" -out "$1/$2/csr" 2>/dev/null
  openssl x509 -req -in "$1/$2/csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 30 \
    -extfile <(echo "extendedKeyUsage=clientAuth") -out "$1/$2/cert.pem" 2>/dev/null
  cp "$1/ca.pem" "$1/$2/ca.pem"
}

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

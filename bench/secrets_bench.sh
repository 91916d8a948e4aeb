#!/usr/bin/env bash
# secrets benchmark, all in one run against the same engine (inside with-env.sh):
#  1. added latency per API call with bulkhead/secrets as the authorization plugin: ROUNDS calls
#     of `docker ps` and of `docker create` (a plain container) with the plugin in the chain and
#     without it (the baseline), medians and ratios (with / without);
#  2. AuthZReq p50/p99 and requests/s straight on the plugin's socket (4 keep-alive clients),
#     for a plain create body and for one that mounts a secret volume (a grant check and an
#     fsynced audit record);
#  3. `docker run --rm` of a container mounting a secret volume with 20 keys (tmpfs mounted,
#     20 files rendered, unmounted at exit) versus the same container with a plain --tmpfs.
# Usage: secrets_bench.sh PLUGIN_BINARY CLI_BINARY AUTHZ_BENCH_BINARY [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/tests/e2e/lib.sh"
binary=${1:?usage: secrets_bench.sh PLUGIN CLI AUTHZ_BENCH [ROUNDS]}
cli=${2:?usage: secrets_bench.sh PLUGIN CLI AUTHZ_BENCH [ROUNDS]}
authz_bench=${3:?usage: secrets_bench.sh PLUGIN CLI AUTHZ_BENCH [ROUNDS]}
rounds=${4:-31}
[[ -n ${BULKHEAD_DOCKERD_CONFIG:-} ]] || fail "needs the engine started by tests/env/dockerd-up.sh"
plugin=bulkhead/secrets
image=bulkhead/base:bookworm
work=$(mktemp -d /var/tmp/bulkhead-bench-secrets.XXXXXX)
cleanup() {
  set_authz_plugins || true
  docker ps -aq --filter label=bulkhead.bench=secrets | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume rm -f bench-twenty >/dev/null 2>&1 || true
  remove_plugin $plugin
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/config" "$work/state"
"$cli" keygen bench >"$work/config/secrets.key"
echo '{}' >"$work/config/config.json"
cat >"$work/config/secrets-policy.json" <<'JSON'
{"grants": [{"name": "bench", "secrets": ["bench/*"], "images": ["bulkhead/base"]}]}
JSON
keys=()
for i in $(seq -w 1 20); do keys+=("key$i=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"); done
BULKHEAD_CONFIG=$work/config/config.json BULKHEAD_SECRETS_STATE_DIR=$work/state \
  BULKHEAD_SECRETS_MASTER_KEY_FILE=$work/config/secrets.key "$cli" put bench/twenty "${keys[@]}" >/dev/null
"$repo/docker/build-plugin.sh" secrets "$binary" "config.source=$work/config" "state.source=$work/state" >/dev/null 2>&1

now_ns() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
timed() {  # timed ROUNDS COMMAND...: prints the median wall time in ms
  local rounds=$1 start
  shift
  for _ in $(seq "$rounds"); do
    start=$(now_ns)
    "$@" >/dev/null
    echo $((($(now_ns) - start) / 1000))
  done | median | awk '{printf "%.1f", $1 / 1000}'
}
create_one() { docker create --label bulkhead.bench=secrets --network none "$image" true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

declare -A ms
for mode in without with; do
  if [[ $mode == with ]]; then set_authz_plugins $plugin:latest; else set_authz_plugins; fi
  docker ps >/dev/null
  ms[ps-$mode]=$(timed "$rounds" docker ps)
  ms[create-$mode]=$(timed "$rounds" create_one)
  docker ps -aq --filter label=bulkhead.bench=secrets | xargs -r docker rm -f >/dev/null
done
echo "secrets: added latency per API call with the authorization plugin (median of $rounds, ms; ratio = with / without)"
printf '  %-28s %8s %8s %6s\n' call without with ratio
for call in ps create; do
  printf '  docker %-21s %8s %8s %6s\n' "$call" "${ms[$call-without]}" "${ms[$call-with]}" \
    "$(ratio "${ms[$call-with]}" "${ms[$call-without]}")"
done

socket=/run/docker/plugins/$(docker plugin inspect -f '{{.Id}}' $plugin)/secrets.sock
echo '{"Image":"bulkhead/base:bookworm","Env":["PATH=/usr/bin","LANG=C.UTF-8"],"Labels":{"app":"web"},"HostConfig":{"Memory":268435456,"Binds":["/srv/data:/data"]}}' >"$work/plain.json"
echo '{"Image":"bulkhead/base:bookworm","Labels":{"app":"web"},"HostConfig":{"Mounts":[{"Type":"volume","Source":"bench-twenty","Target":"/run/secrets","ReadOnly":true,"VolumeOptions":{"DriverConfig":{"Name":"bulkhead/secrets","Options":{"path":"bench/twenty"}}}}]}}' >"$work/secret.json"
echo "secrets: AuthZReq on the plugin's socket (20000 requests, 4 keep-alive clients)"
echo "  plain create:              $("$authz_bench" "$socket" "$work/plain.json" 20000 4)"
echo "  create with secret volume: $("$authz_bench" "$socket" "$work/secret.json" 20000 4)"

set_authz_plugins $plugin:latest
tmpfs_run() { docker run --rm --label bulkhead.bench=secrets --network none --tmpfs /run/secrets "$image" true; }
secret_run() {  # secret_run [COMMAND...]
  docker run --rm --label bulkhead.bench=secrets --network none \
    --mount type=volume,src=bench-twenty,dst=/run/secrets,volume-driver=$plugin,volume-opt=path=bench/twenty,readonly \
    "$image" "${@:-true}"
}
expect_eq "$(secret_run sh -c 'ls /run/secrets | wc -l')" 20 "the volume holds 20 secrets" >/dev/null
secret_ms=$(timed 11 secret_run)
tmpfs_ms=$(timed 11 tmpfs_run)
echo "secrets: docker run --rm with a 20-secret volume vs a plain --tmpfs (median of 11, ms)"
echo "  20-secret volume: $secret_ms   --tmpfs: $tmpfs_ms   ratio: $(ratio "$secret_ms" "$tmpfs_ms")   added per mount: $(awk -v a="$secret_ms" -v b="$tmpfs_ms" 'BEGIN {printf "%.1f", a - b}') ms"

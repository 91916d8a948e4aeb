#!/usr/bin/env bash
# End to end through the real Docker engine with bulkhead/secrets installed as a managed plugin
# and switched on as the engine's authorization plugin (authorization-plugins + SIGHUP). Users
# are real: the engine's TLS listener and client certificates for alice (break-glass group
# "oncall") and bob; the unix socket is the "local" principal. Secrets come from the local
# encrypted store, the Ceph cluster's RADOS pool and a Vault double over HTTPS
# (doubles/vault_double.py, written from Vault's API documentation: no Vault package exists).
# Checks: a granted container reads its secrets with the right owner, mode and .version; others
# are refused at create; env with a secret (by name or by value) is refused; exec and cp are
# refused for bob and the local socket and allowed for alice (audited); a config volume changes
# inside a running container; limit rules; policy reload and the check CLI; the audit chain
# verifies; no byte of the canary secret is found on disk afterwards.
# Usage: secrets_plugin_test.sh PLUGIN_BINARY CLI_BINARY   (inside tests/env/with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:?usage: secrets_plugin_test.sh PLUGIN_BINARY CLI_BINARY}
cli=${2:?usage: secrets_plugin_test.sh PLUGIN_BINARY CLI_BINARY}
repo=$(cd "$here/../.." && pwd)
[[ -n ${BULKHEAD_DOCKERD_CONFIG:-} ]] || fail "needs the engine started by tests/env/dockerd-up.sh (TLS users, reloadable config)"
work=$(mktemp -d /var/tmp/bulkhead-e2e-secrets.XXXXXX)
plugin=bulkhead/secrets
run=e2e-secrets-$RANDOM
canary=canary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
cleanup() {
  set_authz_plugins || true
  docker rm -f $(docker ps -aq --filter "label=bulkhead.test=$run") >/dev/null 2>&1 || true
  docker volume ls -q --filter driver=$plugin | xargs -r docker volume rm -f >/dev/null 2>&1 || true
  remove_plugin $plugin
  stop_recorded "$work"
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

# --- configuration: the plugin's view (/etc/bulkhead, /var/lib/bulkhead-secrets) and the CLI's
mkdir -p "$work/config" "$work/state"
"$cli" keygen 2026-11 >"$work/config/secrets.key"
chmod 600 "$work/config/secrets.key"
make_test_ca "$work/vault-tls"
cp "$work/vault-tls/ca.pem" "$work/config/vault-ca.pem"
echo role-e2e >"$work/config/vault-role-id"
echo "secret-$RANDOM" >"$work/config/vault-secret-id"
vault_port=$(free_port)
cat >"$work/config/config.json" <<JSON
{"ceph": {"mon_host": "$BULKHEAD_CEPH_MON_HOST", "key": "$BULKHEAD_CEPH_KEY", "user": "${BULKHEAD_CEPH_USER:-admin}"},
 "secrets": {"rados_pool": "rbd", "rados_namespace": "bulkhead-secrets-$run",
             "vault_address": "https://127.0.0.1:$vault_port", "vault_ca_file": "/etc/bulkhead/vault-ca.pem",
             "vault_role_id_file": "/etc/bulkhead/vault-role-id", "vault_secret_id_file": "/etc/bulkhead/vault-secret-id"}}
JSON
cat >"$work/config/secrets-policy.json" <<'JSON'
{"grants": [{"name": "billing", "secrets": ["apps/billing/*"], "images": ["billing/*"], "labels": {"team": "billing"}},
            {"name": "billing-config", "secrets": ["config/billing"], "labels": {"team": "billing"}}],
 "groups": {"oncall": ["alice"]},
 "break_glass": {"groups": ["oncall"]},
 "limits": [{"name": "batch-needs-limits", "labels": {"class": "batch"}, "require": ["memory", "pids"]}]}
JSON
export BULKHEAD_CONFIG=$work/config/config.json BULKHEAD_SECRETS_STATE_DIR=$work/state \
  BULKHEAD_SECRETS_MASTER_KEY_FILE=$work/config/secrets.key \
  BULKHEAD_SECRETS_POLICY_FILE=$work/config/secrets-policy.json
"$cli" put apps/billing/db password="$canary" user=billing >/dev/null
"$cli" put config/billing feature=off >/dev/null
"$cli" --backend rados put apps/billing/rados token="rados-$canary" >/dev/null
expect_eq "$("$cli" get apps/billing/db password)" "$canary" "the CLI reads back what it stored"
expect_eq "$("$cli" --backend rados list apps/)" "apps/billing/rados" "the RADOS store lists its secret"

python3 "$here/doubles/vault_double.py" "$vault_port" role-e2e "$(cat "$work/config/vault-secret-id")" 4 \
  "$work/vault-tls/server.pem" "$work/vault-tls/server.key" &
record_pid "$work" $!
vault() { curl -sf --cacert "$work/vault-tls/ca.pem" -H "X-Vault-Token: ${2:-root-token}" "https://127.0.0.1:$vault_port/v1/$1" "${@:3}"; }
wait_until 20 "the Vault double" vault sys/health
vault_stats() { curl -sf --cacert "$work/vault-tls/ca.pem" "https://127.0.0.1:$vault_port/_double/stats" | jq -r ".$1"; }
vault secret/data/apps/billing/vault root-token -XPOST -d '{"data": {"api_key": "vault-value-1"}}' >/dev/null

docker tag bulkhead/base:bookworm billing/api:1
"$repo/docker/build-plugin.sh" secrets "$binary" "state.source=$work/state" "config.source=$work/config"
set_authz_plugins $plugin:latest
tls_docker() {  # tls_docker USER ARGS...: the docker CLI as a TLS user
  local user=$1
  shift
  DOCKER_HOST=$BULKHEAD_DOCKER_TLS_HOST DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$BULKHEAD_DOCKER_TLS_DIR/$user docker "$@"
}
secret_mount() {  # secret_mount VOLUME PATH [MORE volume-opt=...]
  local spec="type=volume,src=$1,dst=/run/secrets,volume-driver=$plugin,volume-opt=path=$2,readonly"
  shift 2
  for option in "$@"; do spec+=",volume-opt=$option"; done
  echo "$spec"
}
billing=(--label "bulkhead.test=$run" --label team=billing --network none)

echo "--- /_ping and /version are never denied"
expect_eq "$(docker version -f '{{.Server.APIVersion}}')" 1.41 "docker version works under the plugin"

echo "--- a granted container reads its secrets with the right owner, mode and version"
out=$(docker run --rm "${billing[@]}" --mount "$(secret_mount "db-$run" apps/billing/db uid=1000 gid=1000 mode=0440)" \
  billing/api:1 sh -c 'cat /run/secrets/password; echo; stat -L -c "%u:%g %a" /run/secrets/password; cat /run/secrets/.version; ls /run/secrets')
expect_eq "$(sed -n 1p <<<"$out")" "$canary" "the secret's value"
expect_eq "$(sed -n 2p <<<"$out")" "1000:1000 440" "owner and mode from the volume options"
expect_eq "$(sed -n 3p <<<"$out")" 1 "the .version file"
expect_eq "$(sed -n '4,$p' <<<"$out" | tr '\n' ' ')" "password user " "one file per key"
expect_eq "$(docker run --rm "${billing[@]}" --mount "$(secret_mount "env-$run" apps/billing/db format=env)" billing/api:1 cat /run/secrets/secrets.env | sort | tr '\n' ' ')" \
  "password=$canary user=billing " "format=env renders one KEY=value file"
expect_eq "$(docker run --rm "${billing[@]}" --mount "$(secret_mount "rados-$run" apps/billing/rados backend=rados)" billing/api:1 cat /run/secrets/token)" \
  "rados-$canary" "a secret from the RADOS store"
expect_eq "$(docker run --rm "${billing[@]}" --mount "$(secret_mount "vault-$run" apps/billing/vault backend=vault)" billing/api:1 cat /run/secrets/api_key)" \
  "vault-value-1" "a secret from Vault KV v2 over HTTPS (AppRole login)"
token=$(docker run --rm "${billing[@]}" --mount "$(secret_mount "wrap-$run" apps/billing/vault backend=vault wrap=60s)" billing/api:1 cat /run/secrets/token)
expect_eq "$(vault sys/wrapping/unwrap "$token" -XPOST | jq -r .data.data.api_key)" vault-value-1 "wrap= delivers a single-use token that unwraps to the secret"
vault sys/wrapping/unwrap "$token" -XPOST >/dev/null && fail "a wrapping token unwrapped twice"
echo "ok: the wrapping token is single-use"

echo "--- a container without a grant is refused at create"
refused=$(docker run --rm --label "bulkhead.test=$run" --network none --mount "$(secret_mount "db-$run" apps/billing/db)" \
  bulkhead/base:bookworm true 2>&1) && fail "a container without a grant ran"
expect_contains "$refused" "authorization denied by plugin $plugin:latest: no grant lets image bulkhead/base:bookworm" "refusal names the reason"
refused=$(docker run --rm --label "bulkhead.test=$run" --label team=other --network none \
  --mount "type=volume,src=db-$run,dst=/s,readonly" billing/api:1 true 2>&1) && fail "wrong labels ran"
expect_contains "$refused" "no grant lets image billing/api:1" "an existing secret volume is recognised without naming the driver"
refused=$(docker run --rm "${billing[@]}" --mount "type=volume,src=db-$run,dst=/s" billing/api:1 true 2>&1) && fail "a writable secret mount ran"
expect_contains "$refused" "must be mounted read-only" "secret volumes must be read-only"

echo "--- secrets in env are refused, by name and by value"
refused=$(docker run --rm --label "bulkhead.test=$run" --network none -e "DB_URL=postgres://billing:$canary@db/x" bulkhead/base:bookworm true 2>&1) && fail "env with a secret value ran"
expect_contains "$refused" "env DB_URL holds the value of a secret" "a known secret value in env"
refused=$(docker run --rm --label "bulkhead.test=$run" --network none -e DB_PASSWORD=hunter2 bulkhead/base:bookworm true 2>&1) && fail "env DB_PASSWORD ran"
expect_contains "$refused" "env DB_PASSWORD looks like a secret" "a secret-looking env name"
[[ $(docker run --rm --label "bulkhead.test=$run" --network none -e DB_PASSWORD_FILE=/run/secrets/password bulkhead/base:bookworm echo ok) == ok ]] || fail "a *_FILE pointer was refused"
echo "ok: *_FILE pointers to secret files are allowed"

echo "--- exec and cp on a container holding secrets: break-glass only"
docker run -d --name "web-$run" "${billing[@]}" --mount "$(secret_mount "db-$run" apps/billing/db)" billing/api:1 sleep 600 >/dev/null
refused=$(docker exec "web-$run" cat /run/secrets/password 2>&1) && fail "exec over the local socket was allowed"
expect_contains "$refused" "holds secrets; exec is allowed only to the break-glass group" "exec refused for the local socket"
refused=$(tls_docker bob exec "web-$run" cat /run/secrets/password 2>&1) && fail "exec by bob was allowed"
expect_contains "$refused" "(user bob)" "exec refused for bob over TLS"
expect_eq "$(tls_docker alice exec "web-$run" cat /run/secrets/password)" "$canary" "exec allowed for alice (break-glass)"
refused=$(tls_docker bob cp "web-$run:/run/secrets/password" "$work/stolen" 2>&1) && fail "cp by bob was allowed"
expect_contains "$refused" "archive is allowed only to the break-glass group" "docker cp refused for bob"
refused=$(docker commit "web-$run" "stolen-$run" 2>&1) && fail "commit was allowed"
expect_contains "$refused" "holds secrets" "docker commit refused"
refused=$(docker run --rm --label "bulkhead.test=$run" --network none --volumes-from "web-$run" bulkhead/base:bookworm true 2>&1) && fail "--volumes-from ran"
expect_contains "$refused" "--volumes-from and container: namespaces cannot target it" "--volumes-from a protected container"
refused=$(tls_docker bob plugin disable -f $plugin 2>&1) && fail "bob disabled the plugin"
expect_contains "$refused" "may change $plugin" "bob cannot disable the plugin"
expect_eq "$(grep -c '"rule":"break-glass"' "$work/state/audit.log")" 1 "alice's exec is in the audit log"

echo "--- a config volume is refreshed inside a running container"
docker run -d --name "cfg-$run" "${billing[@]}" --mount "type=volume,src=cfg-$run,dst=/config,volume-driver=$plugin,volume-opt=path=config/billing,volume-opt=kind=config,volume-opt=refresh=1s,readonly" \
  bulkhead/base:bookworm sleep 600 >/dev/null
expect_eq "$(docker exec "cfg-$run" cat /config/feature)" off "the config's first version"
"$cli" put config/billing feature=on >/dev/null
config_version() { docker exec "cfg-$run" cat /config/.version; }
wait_until 20 "config version 2 in the container" at_least 2 config_version
expect_eq "$(docker exec "cfg-$run" cat /config/feature)" on "the new value, swapped in while running"

echo "--- the plugin killed (-9) while volumes are mounted: restarted, it readopts them"
pkill -KILL -f /usr/bin/bulkhead-secrets-plugin
plugin_back() { [[ $(docker exec "cfg-$run" cat /config/feature 2>/dev/null) == on ]]; }
wait_until 60 "the restarted plugin to answer" plugin_back
"$cli" put config/billing feature=blue >/dev/null
wait_until 20 "config version 3 in the container" at_least 3 config_version
expect_eq "$(docker exec "cfg-$run" cat /config/feature)" blue "refresh continues after the restart"
refused=$(docker exec "web-$run" true 2>&1) && fail "exec allowed after the restart"
expect_contains "$refused" "holds secrets" "bindings survive the restart"
env_refused() { ! docker run --rm --label "bulkhead.test=$run" --network none -e "X=$canary" bulkhead/base:bookworm true >/dev/null 2>&1; }
wait_until 20 "the restarted plugin to relearn the mounted secret's value" env_refused
echo "ok: a secret value in env is refused again after the restart (values relearned)"
(($(vault_stats renewals) >= 1)) || fail "the plugin never renewed its Vault token (ttl 4 s)"
echo "ok: the Vault token was renewed ($(vault_stats renewals) times)"

echo "--- limit rules"
refused=$(docker run --rm --label "bulkhead.test=$run" --label class=batch --network none bulkhead/base:bookworm true 2>&1) && fail "a batch container without limits ran"
expect_contains "$refused" "add --memory, --pids-limit (rule batch-needs-limits)" "the refusal says what to add"
[[ $(docker run --rm --label "bulkhead.test=$run" --label class=batch --memory 64m --pids-limit 32 --network none bulkhead/base:bookworm echo ok) == ok ]] || fail "limited batch container refused"
echo "ok: a batch container with limits runs"

echo "--- policy reload and the check CLI"
jq '.grants = []' "$work/config/secrets-policy.json" >"$work/policy.new" && mv "$work/policy.new" "$work/config/secrets-policy.json"
sleep 1.5
refused=$(docker run --rm "${billing[@]}" --mount "$(secret_mount "db-$run" apps/billing/db)" billing/api:1 true 2>&1) && fail "the removed grant still applied"
expect_contains "$refused" "no grant" "an edited policy applies without a restart"
body=$(printf '{"Image":"a","Env":["API_TOKEN=x"]}' | base64 -w0)
echo "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/containers/create\",\"RequestBody\":\"$body\"}" >"$work/request.json"
rc=0
"$cli" check "$work/request.json" >"$work/check.out" || rc=$?
expect_eq "$rc" 3 "check exits 3 on deny"
expect_contains "$(cat "$work/check.out")" "env API_TOKEN looks like a secret" "check prints the reason"

echo "--- audit chain and no secret byte on disk"
docker rm -f "web-$run" "cfg-$run" >/dev/null
expect_contains "$("$cli" audit-verify "$work/state/audit.log")" "chain intact" "the audit log's hash chain verifies"
root=$(docker info -f '{{.DockerRootDir}}')
found=$(grep -rlaF --devices=skip -e "$canary" "$root" "$work/state" "$BULKHEAD_DOCKERD_LOG" 2>/dev/null || true)
expect_eq "$found" "" "no file under the data root, the plugin state or the daemon log holds the canary"
echo "PASS secrets_plugin_test"

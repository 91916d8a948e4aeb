#!/usr/bin/env bash
# The second half of `make up`: installs every plugin into the engine at DOCKER_HOST, configured
# from the repo's config.json plus the cluster in the environment, and starts a demo container
# that uses them. Usage: demo.sh BUILD_DIR UP_DIR   (inside tests/env/with-env.sh UP_DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
build=${1:?usage: demo.sh BUILD_DIR UP_DIR}
up=${2:?usage: demo.sh BUILD_DIR UP_DIR}
config=$up/config
mkdir -p "$config"
# The plugin sees $config as /etc/bulkhead: the repo's config.json with this cluster filled in.
ceph_override=$(jq -n --arg mon "${BULKHEAD_CEPH_MON_HOST:-}" --arg key "${BULKHEAD_CEPH_KEY:-}" \
  --arg user "${BULKHEAD_CEPH_USER:-admin}" '{ceph: ({user: $user} + (if $mon != "" then {mon_host: $mon, key: $key} else {} end))}')
if [[ -n ${BULKHEAD_CEPH_CONF_FILE:-} ]]; then
  cp "$BULKHEAD_CEPH_CONF_FILE" "$config/ceph.conf"
  [[ -z ${BULKHEAD_CEPH_KEYRING:-} ]] || cp "$BULKHEAD_CEPH_KEYRING" "$config/ceph.keyring"
  ceph_override=$(jq -n --arg keyring "${BULKHEAD_CEPH_KEYRING:+/etc/bulkhead/ceph.keyring}" \
    '{ceph: {conf_file: "/etc/bulkhead/ceph.conf", keyring: $keyring}}')
fi
jq -s '.[0] * .[1]' "$repo/config.json" <(echo "$ceph_override") >"$config/config.json"
chmod 600 "$config/config.json"

"$repo/docker/build-plugin.sh" rbd "$build/plugins/rbd/bulkhead-rbd" "config.source=$config"
mkdir -p "$up/logs-spool"
"$repo/docker/build-plugin.sh" logs "$build/plugins/logs/bulkhead-logs" "config.source=$config" \
  "spool.source=$up/logs-spool"

# Secrets: a master key, a policy granting the demo container its secret, the secret itself in
# the local encrypted store, and the plugin switched on as the engine's authorization plugin.
mkdir -p "$up/secrets-state"
[[ -s $config/secrets.key ]] || "$build/plugins/secrets/bulkhead-secrets" keygen demo >"$config/secrets.key"
chmod 600 "$config/secrets.key"
cat >"$config/secrets-policy.json" <<'JSON'
{"grants": [{"name": "demo", "secrets": ["demo/*"], "images": ["bulkhead/base"], "labels": {"bulkhead.test": "demo"}}]}
JSON
BULKHEAD_CONFIG=$config/config.json BULKHEAD_SECRETS_STATE_DIR=$up/secrets-state \
  BULKHEAD_SECRETS_MASTER_KEY_FILE=$config/secrets.key \
  "$build/plugins/secrets/bulkhead-secrets" put demo/app greeting="hello from bulkhead/secrets" \
  api_token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/dev/null
"$repo/docker/build-plugin.sh" secrets "$build/plugins/secrets/bulkhead-secrets-plugin" \
  "config.source=$config" "state.source=$up/secrets-state"
authz="not enabled: add \"authorization-plugins\": [\"bulkhead/secrets:latest\"] to daemon.json"
if [[ -n ${BULKHEAD_DOCKERD_CONFIG:-} ]]; then
  set_authz_plugins bulkhead/secrets:latest
  authz="enabled (authorization-plugins, policy $config/secrets-policy.json)"
fi

docker rm -f bulkhead-demo >/dev/null 2>&1 || true
docker run -d --name bulkhead-demo --network none --label bulkhead.test=demo \
  --mount type=volume,src=bulkhead-demo,dst=/data,volume-driver=bulkhead/rbd,volume-opt=size=1G \
  --mount type=volume,src=bulkhead-demo-secrets,dst=/run/secrets,volume-driver=bulkhead/secrets,volume-opt=path=demo/app,readonly \
  --log-driver bulkhead/logs --log-opt 'tag={{.Name}}' \
  bulkhead/base:bookworm sh -c 'cat /run/secrets/greeting; echo; while true; do date -u | tee -a /data/heartbeat; sleep 5; done' >/dev/null
sleep 6
cat <<INFO

Bulkhead is up.
  engine:        DOCKER_HOST=$DOCKER_HOST
  plugins:       $(docker plugin ls --format '{{.Name}}' | tr '\n' ' ')
  demo:          container bulkhead-demo writes /data/heartbeat on the rbd volume bulkhead-demo
                 ($(docker logs bulkhead-demo 2>/dev/null | grep -c UTC) heartbeats so far)
                 and logs each line through bulkhead/logs (spool under $up/logs-spool);
                 its secrets (demo/app) are a tmpfs volume from bulkhead/secrets at /run/secrets
  authorization: bulkhead/secrets $authz
  try:           . $up/env.sh && docker logs --tail 3 bulkhead-demo
                 . $up/env.sh && docker exec bulkhead-demo cat /run/secrets/greeting   (refused:
                 the container holds secrets; exec needs the break-glass group)
  stop it all:   make down
INFO

#!/usr/bin/env bash
# Runs every Marathon app in examples/marathon the way Mesos' Docker containerizer would:
# container.docker.parameters become `docker run --KEY=VALUE` flags (marathon_to_docker_run.py),
# against the real engine with bulkhead/rbd installed. Images cannot be pulled here, so each app
# runs on the local base image; everything else is the example as written. Checks per app: the
# command exits 0, every volume it names was created by the Bulkhead driver, and its log driver
# and log options reached the container's configuration.
# Usage: marathon_examples_test.sh EXAMPLES_DIR BULKHEAD_RBD_BINARY   (inside with-env.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
examples=${1:?usage: marathon_examples_test.sh EXAMPLES_DIR BINARY}
binary=${2:?usage: marathon_examples_test.sh EXAMPLES_DIR BINARY}
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d /var/tmp/bulkhead-e2e-marathon.XXXXXX)
created_volumes=()
containers=()
cleanup() {
  for container in "${containers[@]}"; do docker rm -f "$container" >/dev/null 2>&1 || true; done
  for volume in "${created_volumes[@]}"; do docker volume rm -f "$volume" >/dev/null 2>&1 || true; done
  remove_plugin bulkhead/rbd
  rm -rf "$work"
}
trap cleanup EXIT

write_suite_config "$work/config" '{"mapper": "fuse", "host_id": "marathon-node", "default_size": "64M", "remove_policy": "delete"}'
"$repo/docker/build-plugin.sh" rbd "$binary" "config.source=$work/config"

count=0
for app in "$examples"/*.json; do
  echo "--- $(basename "$app")"
  mapfile -t args < <(python3 "$here/marathon_to_docker_run.py" "$app" bulkhead/base:bookworm)
  name=${args[1]}
  containers+=("$name")
  # Volumes named by `volume`/`mount` parameters with a Bulkhead volume driver.
  mapfile -t volumes < <(jq -r '.container.docker.parameters[] |
      select(.key == "mount" and (.value | test("volume-driver=bulkhead/"))) | .value | split(",")[] |
      select(startswith("src=") or startswith("source=")) | split("=")[1]' "$app"
    jq -r 'select(any(.container.docker.parameters[]; .key == "volume-driver" and (.value | startswith("bulkhead/")))) |
      .container.docker.parameters[] | select(.key == "volume") | .value | split(":")[0]' "$app")
  created_volumes+=("${volumes[@]}")
  docker run -l bulkhead.test=marathon "${args[@]}" || fail "$(basename "$app"): the app's command failed"
  echo "ok: $(basename "$app") ran to completion"
  ((${#volumes[@]} > 0)) || fail "$(basename "$app") names no Bulkhead volume"
  for volume in "${volumes[@]}"; do
    expect_eq "$(docker volume inspect -f '{{.Driver}}' "$volume")" bulkhead/rbd:latest "volume $volume is a Bulkhead rbd volume"
  done
  log_driver=$(jq -r '[.container.docker.parameters[] | select(.key == "log-driver") | .value] | last // "json-file"' "$app")
  expect_eq "$(docker inspect -f '{{.HostConfig.LogConfig.Type}}' "$name")" "$log_driver" "log driver is $log_driver"
  while IFS= read -r option; do
    [[ -n $option ]] || continue
    expect_eq "$(docker inspect -f "{{index .HostConfig.LogConfig.Config \"${option%%=*}\"}}" "$name")" "${option#*=}" "log-opt $option applied"
  done < <(jq -r '.container.docker.parameters[] | select(.key == "log-opt") | .value' "$app")
  docker rm "$name" >/dev/null
  count=$((count + 1))
done
((count > 0)) || fail "no examples found in $examples"
echo "marathon examples: $count apps ran through the real engine"

#!/usr/bin/env bash
# Undoes up.sh DIR: removes Bulkhead plugins and stops only the processes up.sh started.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=${1:?usage: down.sh DIR}
[[ -d $dir ]] || exit 0
if [[ -f $dir/docker/env.sh ]]; then
  . "$dir/docker/env.sh"
  # An authorization plugin still in the chain would refuse (or hang) everything below.
  authz_configured && set_authz_plugins
  for container in $(docker ps -aq --filter label=bulkhead.test 2>/dev/null); do
    docker rm -f "$container" >/dev/null 2>&1
  done
  # Volumes of a removed plugin make every later dockerd start retry its lookup (~15 s each).
  docker volume ls --format '{{.Driver}} {{.Name}}' 2>/dev/null | awk '$1 ~ /^bulkhead\// {print $2}' |
    xargs -r docker volume rm -f >/dev/null 2>&1
  remove_plugin $(docker plugin ls --format '{{.Name}}' 2>/dev/null | grep '^bulkhead/')
  stop_recorded "$dir/docker"
fi
[[ -d $dir/ceph ]] && "$here/ceph-down.sh" "$dir/ceph"
rm -rf "$dir"

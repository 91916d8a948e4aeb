#!/usr/bin/env bash
# Stops the cluster that ceph-up.sh DIR started and removes DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=${1:?usage: ceph-down.sh DIR}
stop_recorded "$dir"
rm -rf "$dir"

#!/usr/bin/env bash
# Runs a command inside the test environment: with-env.sh DIR COMMAND [ARGS...]
set -euo pipefail
dir=${1:?usage: with-env.sh DIR COMMAND...}
shift
. "$dir/env.sh"
exec "$@"

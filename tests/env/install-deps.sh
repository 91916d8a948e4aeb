#!/usr/bin/env bash
# Installs the Debian packages Bulkhead builds, tests and runs with. Idempotent: does nothing
# when all are present.
set -euo pipefail
packages=(
  # build
  cmake ninja-build g++ pkg-config clang-format clang-tidy
  libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev libssl-dev zlib1g-dev librbd-dev librados-dev
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  # test environment: Ceph, Docker, mapping, filesystems
  ceph-mon ceph-osd ceph-common radosgw rbd-fuse rbd-nbd docker.io debootstrap
  e2fsprogs xfsprogs fuse3 util-linux iproute2 curl jq python3 procps bc
  # log sinks with a real server
  rsyslog rsyslog-gnutls rabbitmq-server python3-pika openssl
  # load balancer with a real server (lbsync)
  haproxy socat
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

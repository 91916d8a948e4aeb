#!/usr/bin/env bash
# Starts a one-node Ceph cluster (mon + memstore osd + radosgw) on loopback under DIR.
# Usage: ceph-up.sh DIR    Writes DIR/ceph.conf, DIR/ceph.client.admin.keyring, DIR/env.sh.
# Everything it starts records its pid in DIR/pids; ceph-down.sh DIR stops exactly those.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dir=${1:?usage: ceph-up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mon_port=${BULKHEAD_CEPH_MON_PORT:-$(free_port)}
rgw_port=${BULKHEAD_RGW_PORT:-$(free_port)}
fsid=$(cat /proc/sys/kernel/random/uuid)
conf=$dir/ceph.conf
admin_keyring=$dir/ceph.client.admin.keyring

mkdir -p "$dir"/{mon,osd,rgw,log,run}
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $admin_keyring
osd pool default size = 1
osd pool default min size = 1
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
ms bind msgr2 = false
log file = $dir/log/\$name.log
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 4294967296
keyring = $dir/osd/keyring
osd max object name len = 256
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
keyring = $dir/rgw/keyring
EOF

ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$admin_keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool "$dir/mon.keyring" --import-keyring "$admin_keyring" >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring"
ceph-mon -c "$conf" -i a
record_pid "$dir" "$(wait_for_file "$dir/run/mon.a.pid" 10)"

cephc() { ceph -c "$conf" --connect-timeout 10 "$@"; }
# A dead client's watch expires after this many seconds (30 by default): the tests wait for it.
cephc config set global osd_client_watch_timeout 10
cephc osd create >/dev/null
ceph-osd -c "$conf" -i 0 --mkfs --no-mon-config >/dev/null 2>&1
cephc auth add osd.0 osd 'allow *' mon 'allow profile osd' -i "$dir/osd/keyring" 2>/dev/null ||
  cephc auth get-or-create osd.0 osd 'allow *' mon 'allow profile osd' -o "$dir/osd/keyring"
cephc osd crush add osd.0 1.0 host=localhost root=default >/dev/null 2>&1 || true
ceph-osd -c "$conf" -i 0
record_pid "$dir" "$(wait_for_file "$dir/run/osd.0.pid" 10)"
wait_until 30 "osd.0 up" bash -c "ceph -c '$conf' osd stat -f json | grep -q '\"num_up_osds\":1'"

cephc osd pool create rbd 8 >/dev/null
cephc osd pool application enable rbd rbd >/dev/null
rbd -c "$conf" pool init rbd

cephc auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$dir/rgw/keyring"
radosgw -c "$conf" -n client.rgw.a
record_pid "$dir" "$(wait_for_file "$dir/run/client.rgw.a.pid" 20)"
wait_until 60 "radosgw on port $rgw_port" curl -sf -o /dev/null "http://127.0.0.1:$rgw_port/"

admin_key=$(ceph-authtool -p -n client.admin "$admin_keyring")
cat >"$dir/env.sh" <<EOF
export CEPH_CONF=$conf
export BULKHEAD_CEPH_MON_HOST=127.0.0.1:$mon_port
export BULKHEAD_CEPH_KEY=$admin_key
export BULKHEAD_CEPH_USER=admin
export BULKHEAD_TEST_RGW_ENDPOINT=http://127.0.0.1:$rgw_port
EOF
echo "ceph up: mon 127.0.0.1:$mon_port, rgw 127.0.0.1:$rgw_port, conf $conf"

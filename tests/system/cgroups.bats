#!/usr/bin/env bats
# linux.resources on this host's cgroups (v1 controllers; v2 through the
# hybrid's unified hierarchy), cgroupsPath forms, update and stats.

load helpers

teardown() {
  common_teardown
  for d in /sys/fs/cgroup/*/skiff-test-$$ /sys/fs/cgroup/*/machine-skifftest$$.slice; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

@test "memory: limit, reservation and swap are written; going over the limit is an OOM kill" {
  cfg '.linux.resources.memory = {"limit": 33554432, "reservation": 16777216, "swap": 33554432}'
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  d=$(cg_dir memory "$ID")
  [ "$(cat $d/memory.limit_in_bytes)" = 33554432 ]
  [ "$(cat $d/memory.soft_limit_in_bytes)" = 16777216 ]
  [ "$(cat $d/memory.memsw.limit_in_bytes)" = 33554432 ]
  runc delete --force "$ID"
  sh_args 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo survived'
  run runc run --bundle "$B" "$ID-oom"
  [ "$status" -eq 137 ]
  [[ $output != *survived* ]]
}

@test "cpu: shares, quota, period and cpuset" {
  cfg '.linux.resources.cpu = {"shares": 512, "quota": 20000, "period": 50000, "cpus": "0", "mems": "0"}'
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  [ "$(cat $(cg_dir cpu "$ID")/cpu.shares)" = 512 ]
  [ "$(cat $(cg_dir cpu "$ID")/cpu.cfs_quota_us)" = 20000 ]
  [ "$(cat $(cg_dir cpu "$ID")/cpu.cfs_period_us)" = 50000 ]
  [ "$(cat $(cg_dir cpuset "$ID")/cpuset.cpus)" = 0 ]
  run runc exec "$ID" grep Cpus_allowed_list /proc/self/status
  [ "$output" = "Cpus_allowed_list:	0" ]
}

@test "pids: the limit stops a fork bomb" {
  cfg '.linux.resources.pids = {"limit": 10}'
  sh_args 'cat /sys/fs/cgroup/pids/pids.max; for i in $(seq 30); do sleep 5 & done'
  run runc run --bundle "$B" "$ID"
  [ "${lines[0]}" = 10 ]
  [[ $output == *"Resource temporarily unavailable"* || $output == *"can't fork"* ]]
}

@test "blkio: weight and throttling" {
  dev=$(stat -c '%Hd:%Ld' "$B/rootfs")
  maj=${dev%:*} min=${dev#*:}
  cfg --argjson maj "$maj" --argjson min "$min" \
    '.linux.resources.blockIO = {"weight": 300, "throttleReadBpsDevice": [{"major": $maj, "minor": $min, "rate": 1048576}]}'
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  d=$(cg_dir blkio "$ID")
  grep -q "^$maj:$min 1048576" $d/blkio.throttle.read_bps_device
  if [ -e $d/blkio.bfq.weight ]; then
    grep -q 300 $d/blkio.bfq.weight
  else
    grep -q 300 $d/blkio.weight
  fi
}

@test "devices: the config's rules decide, the default devices stay usable" {
  cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"}] | .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
  cfg '.linux.resources.devices += [{"allow": false, "type": "c", "major": 1, "minor": 9, "access": "r"}]'
  cfg '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}]'
  sh_args 'echo x >/dev/null && echo null-ok; head -c1 /dev/urandom >/dev/null 2>&1 || echo urandom-denied;
           mknod /scratch/sda b 8 0 2>/dev/null || echo mknod-denied'
  run runc run --bundle "$B" "$ID"
  [ "$output" = "$(printf 'null-ok\nurandom-denied\nmknod-denied')" ]
}

@test "cgroupsPath: absolute paths and the slice:prefix:name form" {
  cfg --arg p "/skiff-test-$$/$ID" '.linux.cgroupsPath = $p'
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  grep -q ":memory:/skiff-test-$$/$ID\$" /proc/$(pid_of "$ID")/cgroup
  [ -d /sys/fs/cgroup/memory/skiff-test-$$/$ID ]
  runc delete --force "$ID"
  [ ! -d /sys/fs/cgroup/memory/skiff-test-$$/$ID ]
  cfg --arg p "machine-skifftest$$.slice:skiff:$ID" '.linux.cgroupsPath = $p'
  runc run --detach --bundle "$B" "$ID-s"
  grep -q ":memory:/machine.slice/machine-skifftest$$.slice/skiff-$ID.scope\$" /proc/$(pid_of "$ID-s")/cgroup
  runc delete --force "$ID-s"
  rmdir /sys/fs/cgroup/*/machine.slice/machine-skifftest$$.slice 2>/dev/null || true
  rmdir /sys/fs/cgroup/*/machine.slice 2>/dev/null || true
}

@test "--systemd-cgroup without systemd is a clear error" {
  [ ! -d /run/systemd/system ] || skip "systemd runs on this host"
  args true
  run runc --systemd-cgroup run --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"--systemd-cgroup: systemd is not running on this host"* ]]
  [ ! -e "$ROOT/$ID" ]
}

@test "a relative cgroupsPath with .. is refused" {
  cfg '.linux.cgroupsPath = "../../escape"'
  args true
  run runc run --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *'cgroupsPath "../../escape"'* ]]
}

@test "update changes a running container's limits" {
  cfg '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 50}'
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  runc update --memory 67108864 --pids-limit 20 "$ID"
  [ "$(cat $(cg_dir memory "$ID")/memory.limit_in_bytes)" = 67108864 ]
  [ "$(cat $(cg_dir pids "$ID")/pids.max)" = 20 ]
  echo '{"pids": {"limit": 7}, "cpu": {"shares": 256}}' | runc update --resources - "$ID"
  [ "$(cat $(cg_dir pids "$ID")/pids.max)" = 7 ]
  [ "$(cat $(cg_dir cpu "$ID")/cpu.shares)" = 256 ]
  run runc update --memory lots "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *'--memory: "lots" is not a number'* ]]
}

@test "events --stats reads the container's statistics" {
  cfg '.linux.resources.memory = {"limit": 67108864}'
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  run runc events --stats "$ID"
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg id "$ID" '.type == "stats" and .id == $id and .data.memory.usage.limit == 67108864
     and .data.memory.usage.usage > 0 and .data.pids.current == 1 and .data.cpu.usage.total > 0'
}

@test "cgroup v2: devices (BPF), freezer, kill --all and cleanup on a cgroup2 hierarchy" {
  grep -q " /sys/fs/cgroup/unified cgroup2 " /proc/mounts || grep -q "cgroup2 /sys/fs/cgroup cgroup2" /proc/mounts
  root=/sys/fs/cgroup/unified
  grep -q "cgroup2 /sys/fs/cgroup cgroup2" /proc/mounts && root=/sys/fs/cgroup
  export SKIFF_CGROUP2_ROOT=$root
  cfg '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}, {"allow": false, "type": "c", "major": 1, "minor": 9, "access": "rw"}]}'
  cfg '.root.readonly = false'
  sh_args 'cat /proc/self/cgroup; head -c1 /dev/urandom >/dev/null 2>&1 || echo urandom-denied; echo x >/dev/null && echo null-ok;
           sleep 100 & i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done'
  runc run --detach --bundle "$B" "$ID" >"$T/out"
  wait_until 'grep -q null-ok "$T/out"'
  grep -qx '0::/' "$T/out"
  grep -q urandom-denied "$T/out"
  pid=$(pid_of "$ID")
  grep -q "^0::/skiff/$ID\$" /proc/$pid/cgroup
  runc pause "$ID"
  [ "$(status_of "$ID")" = paused ]
  [ "$(cat $root/skiff/$ID/cgroup.freeze)" = 1 ]
  a=$(cat "$B/rootfs/tmp/n"); sleep 0.4; [ "$(cat "$B/rootfs/tmp/n")" = "$a" ]
  runc resume "$ID"
  [ "$(runc ps --format json "$ID" | jq length)" -ge 2 ]
  runc kill --all "$ID" KILL
  wait_until '[ "$(status_of "$ID")" = stopped ]'
  runc delete "$ID"
  [ ! -d $root/skiff/$ID ]
}

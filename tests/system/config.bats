#!/usr/bin/env bats
# config.json: process, root, hostname, mounts, devices, namespaces, sysctl.

load helpers

@test "process.user: uid, gid, additionalGids and umask" {
  cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 7], "umask": 63}'
  cfg '.root.readonly = false'
  sh_args 'echo $(id -u) $(id -g) $(id -G); touch /tmp/f; stat -c %a /tmp/f'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1000 1001 1001 5 7" ]
  [ "${lines[1]}" = 600 ]
}

@test "process.env and cwd (a missing cwd is created)" {
  cfg '.process.env = ["A=1", "B=two words", "PATH=/bin"] | .process.cwd = "/work/dir"'
  sh_args 'echo "$A|$B|$PATH"; pwd'
  run runc run --bundle "$B" "$ID"
  [ "${lines[0]}" = "1|two words|/bin" ]
  [ "${lines[1]}" = /work/dir ]
}

@test "process.capabilities: all five sets" {
  cfg '.process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW"],
       "effective": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
       "inheritable": ["CAP_CHOWN"], "ambient": ["CAP_CHOWN"]}'
  args grep ^Cap /proc/self/status
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  # after exec as root: permitted/effective follow the bounding/inheritable rules
  [[ $output == *"CapInh:	0000000000000001"* ]]
  [[ $output == *"CapBnd:	0000000000002021"* ]]
  [[ $output == *"CapAmb:	0000000000000001"* ]]
}

@test "inheritable and ambient capabilities are empty unless asked (CVE-2022-24769)" {
  args grep -E '^Cap(Inh|Amb)' /proc/self/status
  run runc run --bundle "$B" "$ID"
  [ "${lines[0]}" = "CapInh:	0000000000000000" ]
  [ "${lines[1]}" = "CapAmb:	0000000000000000" ]
}

@test "process.rlimits are set, and one above the host's hard limit fails clearly" {
  cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
  sh_args 'ulimit -n; ulimit -Hn; ulimit -c'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '123\n456\n0')" ]
  hard=$(ulimit -Hn)
  cfg --argjson h $((hard + 1)) '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": $h, "hard": $h}]'
  run runc run --bundle "$B" "$ID-2"
  [ "$status" -ne 0 ]
  if [[ $(grep CapEff /proc/self/status) != *"ffffffffff"* ]]; then
    [[ $output == *"setrlimit RLIMIT_NOFILE"*"hard limit $hard"* ]]
  fi
  [ ! -e "$ROOT/$ID-2" ]
}

@test "process.noNewPrivileges and oomScoreAdj" {
  cfg '.process.noNewPrivileges = true | .process.oomScoreAdj = 500'
  sh_args 'grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj'
  run runc run --bundle "$B" "$ID"
  [ "${lines[0]}" = "NoNewPrivs:	1" ]
  [ "${lines[1]}" = 500 ]
  cfg '.process.noNewPrivileges = false'
  args grep NoNewPrivs /proc/self/status
  run runc run --bundle "$B" "$ID-b"
  [ "$output" = "NoNewPrivs:	0" ]
}

@test "a negative oomScoreAdj without CAP_SYS_RESOURCE is a clear error" {
  if grep -q 'CapEff:.*3fffffffff\|CapEff:.*1ffffffffff' /proc/self/status; then
    skip "this host grants CAP_SYS_RESOURCE: lowering the score is allowed"
  fi
  cfg '.process.oomScoreAdj = -500'
  run runc run --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"process.oomScoreAdj -500"*"CAP_SYS_RESOURCE"* ]]
}

@test "apparmor and selinux labels are ignored with a warning on a host without them" {
  [ ! -d /sys/kernel/security/apparmor ] || skip "AppArmor is enabled here"
  cfg '.process.apparmorProfile = "docker-default" | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ $output == *'apparmor profile "docker-default" ignored'* ]]
  [[ $output == *'selinux label'*'ignored'* ]]
}

@test "root.readonly, hostname and domainname" {
  cfg '.domainname = "example.test"'
  sh_args 'hostname; cat /proc/sys/kernel/domainname; touch /x 2>/dev/null || echo ro-ok'
  run runc run --bundle "$B" "$ID"
  [ "${lines[0]}" = skiff-test ]
  [ "${lines[1]}" = example.test ]
  [[ $output == *ro-ok* ]]
}

@test "mounts: bind ro/rw, a bind of a file, tmpfs with size and mode, relative source" {
  mkdir "$T/data" && echo hostdata >"$T/data/f"
  echo single >"$T/file"
  cfg --arg d "$T/data" --arg f "$T/file" '.mounts += [
     {"destination": "/data-ro", "type": "bind", "source": $d, "options": ["rbind", "ro"]},
     {"destination": "/data-rw", "type": "none", "source": $d, "options": ["bind", "rw", "nosuid"]},
     {"destination": "/etc/single", "type": "bind", "source": $f, "options": ["bind", "ro"]},
     {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=1770", "noexec"]},
     {"destination": "/rel", "type": "bind", "source": "rootfs/etc", "options": ["bind", "ro"]}]'
  sh_args 'cat /data-ro/f; echo x 2>/dev/null >/data-ro/g || echo ro-denied; echo written >/data-rw/w;
           cat /etc/single; stat -c %a /scratch; grep " /scratch " /proc/self/mountinfo; ls /rel/passwd'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hostdata ]
  [ "${lines[1]}" = ro-denied ]
  [ "$(cat "$T/data/w")" = written ]
  [ "${lines[2]}" = single ]
  [ "${lines[3]}" = 1770 ]
  [[ ${lines[4]} == *noexec*size=1024k* ]]
  [ "${lines[5]}" = /rel/passwd ]
}

@test "mounts: tmpfs with tmpcopyup keeps what the image had there" {
  mkdir -p "$B/rootfs/seed" && echo seeded >"$B/rootfs/seed/a"
  cfg '.mounts += [{"destination": "/seed", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}]'
  sh_args 'cat /seed/a; grep " /seed " /proc/self/mountinfo | cut -d" " -f9'
  run runc run --bundle "$B" "$ID"
  [ "${lines[0]}" = seeded ]
  [ "${lines[1]}" = tmpfs ]
}

@test "mounts: a missing bind source is an error before anything starts" {
  cfg '.mounts += [{"destination": "/x", "type": "bind", "source": "/no/such/dir", "options": ["bind"]}]'
  run runc run --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"source /no/such/dir: No such file or directory"* ]]
  [ ! -e "$ROOT/$ID" ]
}

@test "mounts: propagation and recursive read-only" {
  mkdir -p "$T/src/sub"
  mount -t tmpfs tmpfs "$T/src/sub"
  cfg --arg s "$T/src" '.mounts += [{"destination": "/p", "type": "bind", "source": $s, "options": ["rbind", "rro", "rprivate"]}]'
  sh_args 'grep -E " /p(/sub)? " /proc/self/mountinfo | cut -d" " -f6'
  run runc run --bundle "$B" "$ID"
  umount "$T/src/sub"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [[ ${lines[0]} == ro* && ${lines[1]} == ro* ]]
}

@test "default devices, /dev symlinks, extra devices and /dev/ptmx" {
  cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 432, "uid": 1, "gid": 2},
                         {"path": "/dev/sub/zero", "type": "c", "major": 1, "minor": 5}]'
  cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
  sh_args 'for d in null zero full random urandom tty; do stat -c "%n %t:%T %a" /dev/$d; done;
           stat -c "%n %t:%T %a %u:%g" /dev/mynull /dev/sub/zero; for l in fd stdin ptmx; do readlink /dev/$l; done;
           echo x >/dev/null && head -c 3 /dev/sub/zero | wc -c'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/dev/null 1:3 666" ]
  [ "${lines[1]}" = "/dev/zero 1:5 666" ]
  [ "${lines[5]}" = "/dev/tty 5:0 666" ]
  [ "${lines[6]}" = "/dev/mynull 1:3 660 1:2" ]
  [[ ${lines[7]} == "/dev/sub/zero 1:5 666"* ]]
  [ "${lines[8]}" = /proc/self/fd ]
  [ "${lines[9]}" = /proc/self/fd/0 ]
  [ "${lines[10]}" = pts/ptmx ]
  [ "${lines[11]}" = 3 ]
}

@test "maskedPaths and readonlyPaths" {
  sh_args 'wc -c </proc/timer_list; ls /proc/acpi | wc -l; echo 1 2>/dev/null >/proc/sys/kernel/domainname || echo ro-sys;
           grep -c " /proc/sys " /proc/self/mountinfo'
  run runc run --bundle "$B" "$ID"
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = ro-sys ]
  [ "${lines[3]}" = 1 ]
}

@test "linux.sysctl: namespaced keys are written inside the container" {
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234", "net.ipv4.conf.all.log_martians": "1"}'
  cfg '.mounts |= map(if .destination == "/proc/sys" then empty else . end)'
  sh_args 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni /proc/sys/net/ipv4/conf/all/log_martians'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '1\n1234\n1')" ]
  # the host is untouched
  [ "$(cat /proc/sys/kernel/shmmni)" != 1234 ]
}

@test "namespaces: pid, network, ipc, uts, mount, cgroup are new" {
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  pid=$(pid_of "$ID")
  for ns in pid net ipc uts mnt cgroup; do
    [ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || fail "$ns not new"
  done
  for ns in user time; do
    [ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/self/ns/$ns)" ] || fail "$ns changed"
  done
  run runc exec "$ID" sh -c 'ls /sys/class/net; cat /proc/self/cgroup | grep memory; echo $$'
  [ "${lines[0]}" = lo ]
  [ "${lines[1]}" = "4:memory:/" ]
}

@test "namespaces: joining another container's network and uts namespaces by path" {
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  pid=$(pid_of "$ID")
  cp -a "$B" "$T/b2"
  cfg2() { jq "$@" "$T/b2/config.json" >"$T/c" && mv "$T/c" "$T/b2/config.json"; }
  cfg2 --arg n "/proc/$pid/ns/net" --arg u "/proc/$pid/ns/uts" \
    '.linux.namespaces |= map(if .type == "network" then .path = $n elif .type == "uts" then .path = $u else . end) | del(.hostname)'
  cfg2 '.process.args = ["sh", "-c", "readlink /proc/self/ns/net; hostname"]'
  run runc run --bundle "$T/b2" "$ID-b"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/$pid/ns/net)" ]
  [ "${lines[1]}" = skiff-test ]
  cfg2 '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/uts" else . end)'
  run runc run --bundle "$T/b2" "$ID-c"
  [ "$status" -ne 0 ]
  [[ $output == *"is not a network namespace"* ]]
}

@test "namespaces: a user namespace with uid/gid mappings" {
  chmod 755 "$T"   # the mapped root must be able to reach the bundle
  chown -R 100000:100000 "$B/rootfs"
  cfg '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
       | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  # sysfs cannot be mounted without owning the network namespace's user ns: it is ours here
  sh_args 'id -u; cat /proc/self/uid_map; stat -c %u /etc/passwd; sleep 100'
  runc run --detach --bundle "$B" "$ID" >"$T/out"
  pid=$(pid_of "$ID")
  wait_until 'grep -q sleep /proc/$pid/cmdline'
  [ "$(stat -c %u /proc/$pid)" = 100000 ]
  run cat "$T/out"
  [ "${lines[0]}" = 0 ]
  [[ ${lines[1]} == *"0"*"100000"*"65536"* ]]
  [ "${lines[2]}" = 0 ]
}

@test "namespaces: a time namespace with offsets" {
  cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400, "nanosecs": 0}, "monotonic": {"secs": 3600, "nanosecs": 0}}'
  args cat /proc/uptime
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  inside=${output%%.*}
  host=$(cut -d. -f1 /proc/uptime)
  [ $((inside - host)) -ge 86390 ]
}

@test "linux.personality LINUX32" {
  cfg '.linux.personality = {"domain": "LINUX32"}'
  args uname -m
  run runc run --bundle "$B" "$ID"
  [ "$output" = i686 ]
}

@test "--no-pivot uses MS_MOVE and chroot" {
  args sh -c 'test -d /proc/1 && echo ok'
  run runc run --no-pivot --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
}

@test "--preserve-fds passes extra descriptors" {
  args sh -c 'cat <&3'
  echo passed-through >"$T/fd3"
  run runc run --preserve-fds 1 --bundle "$B" "$ID" 3<"$T/fd3"
  [ "$status" -eq 0 ]
  [ "$output" = passed-through ]
}

@test "process.terminal with --console-socket" {
  "$HELPERS/recvtty" "$T/tty.sock" 'echo typed-$((6*7)); exit
' >"$T/tty.out" &
  BG_PIDS+=($!)
  wait_until '[ -S "$T/tty.sock" ]'
  cfg '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 101}'
  sh_args 'tty; stty size; readlink /proc/self/fd/0; ls -l /dev/console | cut -c1; exec sh'
  runc run --detach --console-socket "$T/tty.sock" --bundle "$B" "$ID"
  wait_until 'grep -q typed-42 "$T/tty.out"'
  grep -q '^/dev/pts/0' "$T/tty.out"
  grep -q '^30 101' "$T/tty.out"
  run runc run --detach --bundle "$B" "$ID-b"
  [ "$status" -ne 0 ]
  [[ $output == *"needs --console-socket"* ]]
}

@test "run in the foreground with a terminal proxies it" {
  cfg '.process.terminal = true'
  sh_args 'tty; echo done'
  run script -qec "$SKIFF_RUNC --root $ROOT run --bundle $B $ID" /dev/null
  [ "$status" -eq 0 ]
  [[ $output == *"/dev/pts/0"* ]]
  [[ $output == *done* ]]
}

@test "a session keyring of its own, unless --no-new-keyring" {
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  grep -q " _ses\.$ID: " /proc/keys
  runc run --detach --no-new-keyring --bundle "$B" "$ID-k"
  ! grep -q " _ses\.$ID-k: " /proc/keys
}

@test "linux.rootfsPropagation: shared, slave, private" {
  for p in rshared rslave rprivate; do
    cfg --arg p "$p" '.linux.rootfsPropagation = $p'
    args awk '$5 == "/"' /proc/self/mountinfo
    run runc run --bundle "$B" "$ID-$p"
    [ "$status" -eq 0 ]
    case $p in
      rshared) [[ $output == *" shared:"* ]] ;;
      # a slave of the host's mount: "master:" only when the host's / is shared
      rslave) [[ $output != *" shared:"* ]]
              if grep -q " / / .* shared:" /proc/self/mountinfo; then [[ $output == *" master:"* ]]; fi ;;
      rprivate) [[ $output != *" master:"* && $output != *" shared:"* ]] ;;
    esac
  done
}

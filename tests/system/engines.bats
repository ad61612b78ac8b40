#!/usr/bin/env bats
# skiff-runc underneath the real engines: podman (through conmon), dockerd
# and containerd (through containerd-shim-runc-v2 with BinaryName).  Each
# test starts its own private daemon and store, and stops them again.

load helpers

setup() {
  common_setup
  # the engines make parent cgroups (docker/, libpod_parent/): note which
  # existed so that teardown removes only ours
  PREEXISTING=$(ls -d /sys/fs/cgroup/*/docker /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/docker \
                  /sys/fs/cgroup/libpod_parent /tmp/containerd.*.stacks.log 2>/dev/null || true)
}

teardown() {
  if [[ -n ${PODMAN_STORE:-} ]]; then
    "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1 || true
    "${PODMAN[@]}" system reset -f >/dev/null 2>&1 || true
  fi
  stop_daemon "$T/dockerd.pid"
  stop_daemon "$T/containerd.pid"
  common_teardown
  local d
  for d in /sys/fs/cgroup/*/docker /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/docker /sys/fs/cgroup/libpod_parent; do
    [[ -d $d ]] || continue
    grep -qxF "$d" <<<"$PREEXISTING" || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  # containerd (ours, or dockerd's) may dump its stacks into /tmp on the way out
  for d in /tmp/containerd.*.stacks.log; do
    [[ -f $d ]] && ! grep -qxF "$d" <<<"$PREEXISTING" && rm -f "$d"
  done
  return 0
}

stop_daemon() {
  [[ -f $1 ]] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null && break; sleep 0.1; done
}

podman_setup() {
  PODMAN_STORE=$T/podman
  PODMAN=(podman --root "$PODMAN_STORE/root" --runroot "$PODMAN_STORE/runroot" --tmpdir "$PODMAN_STORE/tmp"
          --storage-driver overlay --cgroup-manager=cgroupfs --events-backend=file --runtime "$SKIFF_RUNC")
  "${PODMAN[@]}" import -q "$SKIFF_TEST_IMG/rootfs.tar" localhost/busybox:latest >/dev/null
}

@test "podman --runtime skiff-runc: run --rm, exit codes, a terminal" {
  podman_setup
  run timeout 120 "${PODMAN[@]}" run --rm --network none $(podman_ulimits) localhost/busybox sh -c 'echo hello from podman; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "hello from podman" ]
  run timeout 120 "${PODMAN[@]}" run --rm -t --network none $(podman_ulimits) localhost/busybox tty
  [ "$status" -eq 0 ]
  [[ $output == /dev/pts/0* ]]
}

@test "podman --runtime skiff-runc: exec, kill and stop" {
  podman_setup
  timeout 120 "${PODMAN[@]}" run -d --name "$ID" --network none $(podman_ulimits) localhost/busybox \
    sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
  run timeout 60 "${PODMAN[@]}" exec "$ID" sh -c 'echo exec-ok; cat /proc/1/cmdline'
  [ "${lines[0]}" = exec-ok ]
  run timeout 60 "${PODMAN[@]}" exec -t "$ID" tty
  [[ $output == /dev/pts/* ]]
  timeout 60 "${PODMAN[@]}" stop -t 10 "$ID"
  [ "$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$ID")" = 0 ]
  timeout 60 "${PODMAN[@]}" start "$ID"
  timeout 60 "${PODMAN[@]}" kill -s KILL "$ID"
  timeout 60 "${PODMAN[@]}" wait "$ID"
  [ "$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$ID")" = 137 ]
}

@test "podman: the host's rlimit ceiling is reported clearly" {
  podman_setup
  [ "$(ulimit -Hn)" -lt 1048576 ] || skip "this host allows 1048576 open files"
  run timeout 120 "${PODMAN[@]}" run --rm --network none localhost/busybox true
  [ "$status" -ne 0 ]
  [[ $output == *"setrlimit RLIMIT_NOFILE to 1048576:1048576 (above this host's hard limit"* ]]
}

@test "dockerd --add-runtime skiff: docker run --runtime skiff" {
  dockerd -H "unix://$T/docker.sock" --data-root "$T/docker" --exec-root "$T/dexec" --pidfile "$T/dockerd.pid" \
    --bridge none --iptables=false --ip6tables=false --ip-masq=false \
    --add-runtime "skiff=$SKIFF_RUNC" >"$T/dockerd.log" 2>&1 &
  D=(docker -H "unix://$T/docker.sock")
  wait_until '[ -S "$T/docker.sock" ] && "${D[@]}" version >/dev/null 2>&1' || wait_until '"${D[@]}" version >/dev/null 2>&1'
  "${D[@]}" import "$SKIFF_TEST_IMG/rootfs.tar" busybox:skiff >/dev/null
  run timeout 120 "${D[@]}" run --pull never --runtime skiff --rm --network none busybox:skiff sh -c 'echo hello from docker; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = "hello from docker" ]
  timeout 120 "${D[@]}" run --pull never --runtime skiff -d --name "$ID" --network none busybox:skiff sleep 100
  [ "$("${D[@]}" inspect -f '{{.HostConfig.Runtime}}' "$ID")" = skiff ]
  run timeout 60 "${D[@]}" exec "$ID" echo exec-ok
  [ "$output" = exec-ok ]
  run timeout 60 "${D[@]}" exec -t "$ID" tty
  [[ $output == /dev/pts/* ]]
  timeout 60 "${D[@]}" rm -f "$ID"
}

@test "containerd: ctr run with the runc shim's BinaryName pointing at skiff-runc" {
  cat >"$T/containerd.toml" <<EOF
version = 2
root = "$T/ctd/root"
state = "$T/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/ctd.sock"
[ttrpc]
  address = "$T/ctd.sock.ttrpc"
EOF
  containerd --config "$T/containerd.toml" >"$T/containerd.log" 2>&1 &
  echo $! >"$T/containerd.pid"
  wait_until '[ -S "$T/ctd.sock" ]'
  C=(ctr --address "$T/ctd.sock")
  run timeout 120 "${C[@]}" run --rootfs --runc-binary "$SKIFF_RUNC" "$B/rootfs" "$ID" sh -c 'echo hello from containerd; exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = "hello from containerd" ]
  timeout 120 "${C[@]}" run -d --rootfs --runc-binary "$SKIFF_RUNC" "$B/rootfs" "$ID-d" sleep 100
  run timeout 60 "${C[@]}" task exec --exec-id e1 "$ID-d" echo exec-ok
  [ "$output" = exec-ok ]
  timeout 60 "${C[@]}" task pause "$ID-d"
  [[ $("${C[@]}" task ls) == *PAUSED* ]]
  timeout 60 "${C[@]}" task resume "$ID-d"
  timeout 60 "${C[@]}" task kill -s KILL "$ID-d"
  wait_until '[[ $("${C[@]}" task ls) == *STOPPED* ]]'
  timeout 60 "${C[@]}" task rm "$ID-d"
  "${C[@]}" container rm "$ID" "$ID-d"
}

#!/usr/bin/env bats
# exec: processes joining a running container.

load helpers

setup() {
  common_setup
  cfg '.root.readonly = false | .process.env += ["FROM_CONFIG=yes"]'
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
}

@test "exec runs in the container's namespaces and returns its exit code" {
  run runc exec "$ID" sh -c 'echo $(hostname); cat /proc/1/cmdline; echo; exit 5'
  [ "$status" -eq 5 ]
  [ "${lines[0]}" = skiff-test ]
  # pid namespace: pid 1 is the container's init
  [[ ${lines[1]} == sleep* ]]
  [ "$(readlink /proc/$(pid_of "$ID")/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
}

@test "exec inherits the container's env and takes --env, --cwd and --user" {
  run runc exec --env EXTRA=1 --env FROM_CONFIG=overridden --cwd /tmp --user 1:1 "$ID" \
    sh -c 'echo $EXTRA $FROM_CONFIG $(pwd) $(id -u):$(id -g)'
  [ "$status" -eq 0 ]
  [ "$output" = "1 overridden /tmp 1:1" ]
  run runc exec "$ID" sh -c 'echo $FROM_CONFIG'
  [ "$output" = "yes" ]
}

@test "exec --process takes the whole process from JSON" {
  cat >"$T/p.json" <<'J'
{"args": ["sh", "-c", "echo $P; id -G; cat /proc/self/status | grep ^CapEff"], "env": ["P=from-json"],
 "cwd": "/", "user": {"uid": 0, "gid": 0, "additionalGids": [10, 20]},
 "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}}
J
  run runc exec --process "$T/p.json" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = from-json ]
  [ "${lines[1]}" = "0 10 20" ]
  [ "${lines[2]}" = "CapEff:	0000000000000020" ]
}

@test "exec --detach writes the pid file and returns" {
  runc exec --detach --pid-file "$T/epid" "$ID" sh -c 'echo started >/tmp/e; sleep 100'
  epid=$(cat "$T/epid")
  kill -0 "$epid"
  wait_until '[ "$(cat "$B/rootfs/tmp/e" 2>/dev/null)" = started ]'
  grep -q "$epid" "$(cg_dir pids "$ID")/cgroup.procs"
}

@test "exec'd processes join the container's cgroup (and its cgroup namespace)" {
  run runc exec "$ID" cat /proc/self/cgroup
  [[ $output == *":memory:/"$'\n'* || $output == *":memory:/" ]]
  runc exec --detach --pid-file "$T/epid" "$ID" sleep 100
  grep -q ":memory:/skiff/$ID\$" /proc/$(cat "$T/epid")/cgroup
}

@test "exec of a missing program fails clearly" {
  run runc exec "$ID" no-such-program
  [ "$status" -ne 0 ]
  [[ $output == *'exec: "no-such-program": executable file not found in $PATH'* ]]
}

@test "exec in a stopped or paused container is refused" {
  runc pause "$ID"
  run runc exec "$ID" true
  [ "$status" -ne 0 ]
  [[ $output == *"it is paused"* ]]
  runc resume "$ID"
  runc kill "$ID" KILL
  wait_until '[ "$(status_of "$ID")" = stopped ]'
  run runc exec "$ID" true
  [ "$status" -ne 0 ]
  [[ $output == *"it is stopped"* ]]
}

@test "exec --tty hands the terminal to --console-socket" {
  "$HELPERS/recvtty" "$T/tty.sock" >"$T/tty.out" &
  BG_PIDS+=($!)
  wait_until '[ -S "$T/tty.sock" ]'
  runc exec --tty --detach --console-socket "$T/tty.sock" "$ID" sh -c 'tty; echo cols=$(stty size)'
  wait_until 'grep -q cols= "$T/tty.out"'
  grep -q '^recvtty: name=' "$T/tty.out"
  grep -q '/dev/pts/[0-9]' "$T/tty.out"
}

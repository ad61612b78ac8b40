#!/usr/bin/env bats
# The runc lifecycle: run, create/start, state, kill, delete, list, ps,
# pause/resume, and the command line itself.

load helpers

@test "run: output and exit code of the container's process" {
  sh_args 'echo hello from $(hostname); exit 7'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 7 ]
  [ "$output" = "hello from skiff-test" ]
  # run (foreground) removes the container afterwards
  run runc state "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"container \"$ID\" does not exist"* ]]
}

@test "run: a signal ending the process gives 128+signal" {
  # pid 1 of a pid namespace ignores unhandled signals: run without one
  cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
  sh_args 'kill -USR1 $$; sleep 5'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 138 ]
}

@test "create, start, state and delete walk through the states" {
  args sleep 100
  runc create --bundle "$B" --pid-file "$T/pid" "$ID"
  [ "$(status_of "$ID")" = created ]
  pid=$(pid_of "$ID")
  [ "$(cat "$T/pid")" = "$pid" ]
  # the created process is not running the program yet
  run cat /proc/$pid/cmdline
  [[ $output != sleep* ]]
  runc start "$ID"
  [ "$(status_of "$ID")" = running ]
  wait_until 'grep -q "^sleep" /proc/$pid/cmdline'
  run runc start "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"it is running, not created"* ]]
  run runc delete "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"that is running (use --force)"* ]]
  runc kill "$ID" KILL
  wait_until '[ "$(status_of "$ID")" = stopped ]'
  [ "$(pid_of "$ID")" = 0 ]
  runc delete "$ID"
  [ ! -e "$ROOT/$ID" ]
  [ ! -e "$(cg_dir memory "$ID")" ]
}

@test "state JSON has the OCI fields" {
  args sleep 100
  runc create --bundle "$B" "$ID"
  run runc state "$ID"
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg id "$ID" --arg b "$B" \
    '.ociVersion == "1.1.0" and .id == $id and .status == "created" and .bundle == $b and (.pid > 0) and (.created | test("Z$"))'
}

@test "kill: signal names, numbers, default TERM, and bad signals" {
  sh_args 'trap "echo got-usr2 >/tmp/sig" USR2; trap "exit 42" TERM; while :; do sleep 0.1; done'
  cfg '.root.readonly = false'
  runc run --detach --bundle "$B" "$ID"
  runc kill "$ID" SIGUSR2
  wait_until '[ -s "$B/rootfs/tmp/sig" ]'
  runc kill "$ID" 12
  run runc kill "$ID" SIGNOPE
  [ "$status" -ne 0 ]
  [[ $output == *'invalid signal "SIGNOPE"'* ]]
  runc kill "$ID"
  wait_until '[ "$(status_of "$ID")" = stopped ]'
  run runc kill "$ID" KILL
  [ "$status" -ne 0 ]
  [[ $output == *"is not running"* ]]
}

@test "kill --all reaches every process of a container without a pid namespace" {
  cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
  sh_args 'sleep 100 & sleep 100 & wait'
  runc run --detach --bundle "$B" "$ID"
  wait_until '[ "$(wc -l <"$(cg_dir pids "$ID")/cgroup.procs")" -eq 3 ]'
  runc kill --all "$ID" KILL
  wait_until '[ "$(wc -l <"$(cg_dir pids "$ID")/cgroup.procs")" -eq 0 ]'
}

@test "delete --force removes a running container and its cgroup" {
  args sleep 100
  runc run --detach --bundle "$B" "$ID"
  pid=$(pid_of "$ID")
  runc delete --force "$ID"
  [ ! -e "$ROOT/$ID" ]
  ! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status
  [ ! -e "$(cg_dir memory "$ID")" ]
  # and succeeds for a container that does not exist
  runc delete --force nonexistent
}

@test "delete of a created container kills its waiting process" {
  args sleep 100
  runc create --bundle "$B" "$ID"
  pid=$(pid_of "$ID")
  runc delete "$ID"
  [ ! -e "$ROOT/$ID" ]
  ! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status
}

@test "list: table, json and quiet" {
  args sleep 100
  runc create --bundle "$B" "$ID"
  runc create --bundle "$B" "$ID-b"
  run runc list
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "ID"*"PID"*"STATUS"*"BUNDLE"*"CREATED"*"OWNER"* ]]
  [[ $output == *"$ID "*created* ]]
  run runc list --format json
  echo "$output" | jq -e --arg id "$ID" 'length == 2 and (map(.id) | index($id) != null)'
  run runc list -q
  [ "${#lines[@]}" -eq 2 ]
}

@test "ps: json pids and the ps(1) table" {
  sh_args 'sleep 100 & exec sleep 200'
  runc run --detach --bundle "$B" "$ID"
  wait_until '[ "$(runc ps --format json "$ID" | jq length)" -eq 2 ]'
  run runc ps "$ID"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == *PID* ]]
  [[ $output == *"sleep 100"* && $output == *"sleep 200"* ]]
  [ "${#lines[@]}" -eq 3 ]
}

@test "pause and resume freeze the container" {
  cfg '.root.readonly = false'
  sh_args 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done'
  runc run --detach --bundle "$B" "$ID"
  wait_until '[ -s "$B/rootfs/tmp/n" ]'
  runc pause "$ID"
  [ "$(status_of "$ID")" = paused ]
  a=$(cat "$B/rootfs/tmp/n"); sleep 0.5; b=$(cat "$B/rootfs/tmp/n")
  [ "$a" = "$b" ]
  run runc pause "$ID"
  [ "$status" -ne 0 ]
  runc resume "$ID"
  [ "$(status_of "$ID")" = running ]
  wait_until '[ "$(cat "$B/rootfs/tmp/n")" != "$b" ]'
}

@test "run --detach returns while the container runs" {
  args sleep 100
  runc run --detach --pid-file "$T/pid" --bundle "$B" "$ID"
  [ "$(status_of "$ID")" = running ]
  [ "$(cat "$T/pid")" = "$(pid_of "$ID")" ]
}

@test "the stdio of create belongs to the container" {
  sh_args 'read line; echo "out:$line"; echo "err:$line" >&2'
  runc create --bundle "$B" "$ID" <<<"ping" >"$T/out" 2>"$T/err"
  runc start "$ID"
  wait_until '[ "$(status_of "$ID")" = stopped ]'
  [ "$(cat "$T/out")" = "out:ping" ]
  [ "$(cat "$T/err")" = "err:ping" ]
}

@test "duplicate and invalid ids are refused and leave nothing behind" {
  args sleep 100
  runc create --bundle "$B" "$ID"
  run runc create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"container \"$ID\" already exists"* ]]
  for bad in ../x x/y . .. "a b"; do
    run runc create --bundle "$B" "$bad"
    [ "$status" -ne 0 ]
    [[ $output == *"invalid container id"* ]]
  done
  [ ! -e "$T/x" ]
  [ "$(ls "$ROOT")" = "$ID" ]
}

@test "--help for every verb, version, unknown verbs" {
  for v in create start run state kill delete list exec ps pause resume update features spec events; do
    run "$SKIFF_RUNC" "$v" --help
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "Usage: skiff-runc $v"* ]]
  done
  run "$SKIFF_RUNC" --version
  [[ ${lines[0]} == "skiff-runc version "* ]]
  [[ $output == *"spec: 1.1.0"* ]]
  run "$SKIFF" oci --help
  [ "$status" -eq 0 ]
  run "$SKIFF" version
  [[ $output == "skiff version "* ]]
  run "$SKIFF_RUNC" frobnicate
  [ "$status" -eq 2 ]
  [[ $output == *'unknown command "frobnicate"'* ]]
}

@test "spec writes a default config.json that runs" {
  mkdir "$T/b2"
  ln -s "$B/rootfs" "$T/b2/rootfs"
  (cd "$T/b2" && "$SKIFF_RUNC" spec)
  jq -e '.ociVersion == "1.1.0" and .process.terminal == true' "$T/b2/config.json"
  run "$SKIFF_RUNC" spec --bundle "$T/b2"
  [ "$status" -ne 0 ]
  [[ $output == *"already exists"* ]]
  jq '.process.terminal = false | .process.args = ["true"]' "$T/b2/config.json" >"$T/c" && mv "$T/c" "$T/b2/config.json"
  runc run --bundle "$T/b2" "$ID"
  "$SKIFF_RUNC" spec --rootless --bundle "$T" >/dev/null 2>&1 || true
  jq -e '.linux.uidMappings | length == 1' "$T/config.json"
}

@test "features describes what is supported" {
  run "$SKIFF_RUNC" features
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.ociVersionMax == "1.1.0" and (.hooks | length == 6)
    and (.linux.namespaces | index("time") != null) and .linux.cgroup.v1 and .linux.cgroup.v2
    and (.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null)
    and (.linux.capabilities | index("CAP_SYS_ADMIN") != null)'
}

@test "--log with --log-format json records errors for containerd" {
  run "$SKIFF_RUNC" --root "$ROOT" --log "$T/log.json" --log-format json state nosuch
  [ "$status" -eq 1 ]
  [[ $output == *'container "nosuch" does not exist'* ]]
  jq -e '.level == "error" and (.msg | test("does not exist")) and (.time | length > 0)' "$T/log.json"
}

@test "the state root is private (0700)" {
  args true
  runc create --bundle "$B" "$ID"
  [ "$(stat -c %a "$ROOT")" = 700 ]
  [ "$(stat -c %a "$ROOT/$ID")" = 700 ]
}

@test "state says creating while create is at work" {
  printf '#!/bin/sh\nsleep 2\n' >"$T/slow.sh"
  chmod +x "$T/slow.sh"
  cfg --arg h "$T/slow.sh" '.hooks.createRuntime = [{"path": $h}]'
  args sleep 100
  runc create --bundle "$B" "$ID" &
  BG_PIDS+=($!)
  wait_until '[ "$(runc state "$ID" 2>/dev/null | jq -r .status)" = creating ]'
  wait "${BG_PIDS[0]}"
  [ "$(status_of "$ID")" = created ]
}

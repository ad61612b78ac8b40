#!/usr/bin/env bats
# hooks: all six phases, their order, state on stdin, failures, timeouts.

load helpers

# A hook that logs "<name> <status> <pid> <argv1> <env>" to LOG.
make_hook() {
  cat >"$T/hook.sh" <<EOF
#!/bin/sh
state=\$(cat)
echo "\$1 \$(echo "\$state" | jq -r .status) \$(echo "\$state" | jq -r .pid) \$HOOK_ENV \$(readlink /proc/self/ns/mnt)" >>"$T/log"
EOF
  chmod +x "$T/hook.sh"
}

@test "hooks: all six run in order with the state on stdin" {
  make_hook
  cfg '.root.readonly = false'
  # startContainer runs inside the container: its program is the container's
  cat >"$B/rootfs/start-hook" <<'EOF'
#!/bin/sh
cat >/tmp/start-state; echo "startContainer $(cat /etc/hostname)" >/tmp/start-log
EOF
  chmod +x "$B/rootfs/start-hook"
  cfg --arg h "$T/hook.sh" '.hooks = {
    "prestart": [{"path": $h, "args": ["hook", "prestart"], "env": ["HOOK_ENV=e1"]}],
    "createRuntime": [{"path": $h, "args": ["hook", "createRuntime"], "env": ["HOOK_ENV=e2"]}],
    "createContainer": [{"path": $h, "args": ["hook", "createContainer"], "env": ["HOOK_ENV=e3"]}],
    "startContainer": [{"path": "/start-hook"}],
    "poststart": [{"path": $h, "args": ["hook", "poststart"], "env": ["HOOK_ENV=e5"]}],
    "poststop": [{"path": $h, "args": ["hook", "poststop"], "env": ["HOOK_ENV=e6"]}]}'
  args sleep 100
  runc create --bundle "$B" "$ID"
  pid=$(pid_of "$ID")
  [ "$(cut -d' ' -f1-4 "$T/log")" = "$(printf "prestart created $pid e1\ncreateRuntime created $pid e2\ncreateContainer created $pid e3")" ]
  hostns=$(readlink /proc/self/ns/mnt)
  [ "$(sed -n 2p "$T/log" | cut -d' ' -f5)" = "$hostns" ]
  [ "$(sed -n 3p "$T/log" | cut -d' ' -f5)" = "$(readlink /proc/$pid/ns/mnt)" ]
  [ ! -e "$B/rootfs/tmp/start-log" ]
  runc start "$ID"
  [ "$(cat "$B/rootfs/tmp/start-log")" = "startContainer skiff-test" ]
  jq -e --arg id "$ID" '.id == $id' "$B/rootfs/tmp/start-state"
  [ "$(sed -n 4p "$T/log" | cut -d' ' -f1-2,4)" = "poststart running e5" ]
  runc delete --force "$ID"
  [ "$(sed -n 5p "$T/log" | cut -d' ' -f1-2,4)" = "poststop stopped e6" ]
}

@test "hooks: a failing createRuntime hook fails create and undoes everything" {
  printf '#!/bin/sh\necho "no network for you" >&2\nexit 3\n' >"$T/bad.sh"
  chmod +x "$T/bad.sh"
  cfg --arg h "$T/bad.sh" '.hooks.createRuntime = [{"path": $h}]'
  args sleep 100
  run runc create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"hook createRuntime[0] $T/bad.sh: exit status 3: no network for you"* ]]
  [ ! -e "$ROOT/$ID" ]
  [ ! -e "$(cg_dir memory "$ID")" ]
  ! pgrep -f "skiff-runc --root $ROOT create" >/dev/null
}

@test "hooks: a hook past its timeout is killed and fails the create" {
  printf '#!/bin/sh\nsleep 30\n' >"$T/slow.sh"
  chmod +x "$T/slow.sh"
  cfg --arg h "$T/slow.sh" '.hooks.prestart = [{"path": $h, "timeout": 1}]'
  args true
  SECONDS=0
  run runc create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"timed out after 1 s"* ]]
  [ "$SECONDS" -lt 10 ]
}

@test "hooks: a failing poststart hook is a warning and the container keeps running" {
  printf '#!/bin/sh\nexit 1\n' >"$T/bad.sh"
  chmod +x "$T/bad.sh"
  cfg --arg h "$T/bad.sh" '.hooks.poststart = [{"path": $h}] | .hooks.poststop = [{"path": $h}]'
  args sleep 100
  runc create --bundle "$B" "$ID"
  run runc start "$ID"
  [ "$status" -eq 0 ]
  [[ $output == *"warning: hook poststart[0]"* ]]
  [ "$(status_of "$ID")" = running ]
  run runc delete --force "$ID"
  [ "$status" -eq 0 ]
  [[ $output == *"warning: hook poststop[0]"* ]]
}

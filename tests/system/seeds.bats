#!/usr/bin/env bats
# The seed workloads (../shared/seeds), through skiff's own CLI, with the
# exact command shapes the emulators use.  Networks and published ports
# come with skiff's networking: here the containers run with --network none
# (skiff's default until then), and the Lambda test stops short of -p.

load helpers

setup() {
  common_setup
  SK=("$SKIFF" --root "$T/root" --runroot "$T/run")
  skiff import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    "$SKIFF_TEST_IMG/rootfs.tar" localhost/busybox:latest >/dev/null
  IMG=localhost/busybox
}

teardown() {
  local id
  for id in $("${SK[@]}" ps -aq --no-trunc 2>/dev/null); do
    timeout 30 "${SK[@]}" rm -f "$id" >/dev/null 2>&1 || true
  done
  common_teardown
}

skiff() { timeout 60 "${SK[@]}" "$@"; }

@test "EC2-style instance: user data in the logs, stop/start keeps the filesystem, restart, rm -f" {
  b64=$(printf 'echo hello from user-data\necho booted > /var/marker\n' | base64 -w0)
  id=$(skiff run -d --label fakecloud-ec2=i-0123 --label fakecloud-instance=test "$IMG" \
    sh -c "printf %s '$b64' | base64 -d | sh & exec tail -f /dev/null")
  wait_until 'skiff logs '"$id"' | grep -qx "hello from user-data"'
  [ "$(skiff inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$id")" = "" ]
  [ "$(skiff ps --filter label=fakecloud-ec2=i-0123 -q)" = "${id:0:12}" ]
  skiff stop "$id"             # tail as pid 1 ignores SIGTERM: SIGKILL after 10 s, as docker
  [ "$(skiff inspect -f '{{.State.Running}}' "$id")" = false ]
  skiff start "$id"
  [ "$(skiff inspect -f '{{.State.Running}}' "$id")" = true ]
  [ "$(skiff exec "$id" cat /var/marker)" = booted ]      # the same container, its files kept
  skiff restart "$id"
  [ "$(skiff inspect -f '{{.State.Running}}' "$id")" = true ]
  [ "$(skiff logs "$id" | grep -c 'hello from user-data')" -eq 3 ]
  skiff rm -f "$id"
  run skiff inspect "$id"
  [ "$status" -ne 0 ]
}

@test "ECS-style task: B waits for A healthy, C for B's success, A is essential" {
  a=$(skiff run -d --name task-a --health-cmd 'test -e /tmp/ready' --health-interval 200ms \
    --health-retries 3 -e ROLE=a "$IMG" sh -c 'echo a up; sleep 0.6; touch /tmp/ready; exec sleep 100')
  wait_until '[ "$(skiff inspect -f "{{.State.Health.Status}}" '"$a"')" = healthy ]'
  b=$(skiff run -d --name task-b "$IMG" sh -c 'echo b did its work; exit 0')
  [ "$(skiff wait "$b")" = 0 ]
  c=$(skiff run -d --name task-c "$IMG" sh -c 'echo c serving; exec sleep 100')
  [ "$(skiff inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$b")" = "false 0" ]
  # the essential container ends: the task stops its sidecars
  skiff kill "$a" >/dev/null
  [ "$(skiff wait "$a")" = 137 ]
  [ "$(skiff inspect -f '{{.State.Running}}' "$c")" = true ]
  skiff stop --time 10 "$c"
  [ "$(skiff wait "$c")" = 137 ]
  for x in "$a" "$b" "$c"; do
    skiff logs "$x" >>"$T/all.log" 2>&1
  done
  [ "$(cat "$T/all.log")" = "$(printf 'a up\nb did its work\nc serving')" ]
}

@test "Lambda-style function: create with env and an exec tmpfs, cp the code in, start, run from /tmp" {
  mkdir -p "$T/code"
  cat >"$T/code/bootstrap" <<'SH'
#!/bin/sh
cp /var/task/handler.sh /tmp/handler && chmod +x /tmp/handler
exec /tmp/handler "$@"
SH
  cat >"$T/code/handler.sh" <<'SH'
#!/bin/sh
echo "handler=$1 K=$K tmp=$(grep ' /tmp ' /proc/mounts | cut -d' ' -f3,4)"
SH
  chmod +x "$T/code/bootstrap" "$T/code/handler.sh"
  id=$(skiff create --label fakecloud-lambda=fn -e K=V --tmpfs /tmp:size=64m,exec "$IMG" /var/task/bootstrap app.handler)
  skiff cp "$T/code/." "$id:/var/task"
  skiff start "$id"
  [ "$(skiff wait "$id")" = 0 ]
  run skiff logs "$id"
  [[ $output == "handler=app.handler K=V tmp=tmpfs rw,nosuid,nodev,relatime,size=65536k"* ]]
  skiff rm -f "$id"
}

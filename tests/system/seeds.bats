#!/usr/bin/env bats
# The seed workloads (../shared/seeds), through skiff's own CLI, with the
# exact command shapes the emulators use: per-instance and per-task
# networks, addresses read through inspect, a function reached through a
# published port the emulator learns with `port`.

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
  skiff network create --internal --label fakecloud-vpc=vpc-1 fakecloud-vpc-1 >/dev/null
  id=$(skiff run -d --network fakecloud-vpc-1 --label fakecloud-ec2=i-0123 --label fakecloud-instance=test "$IMG" \
    sh -c "printf %s '$b64' | base64 -d | sh & exec tail -f /dev/null")
  wait_until 'skiff logs '"$id"' | grep -qx "hello from user-data"'
  ip=$(skiff inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$id")
  [[ $ip == 172.* ]]
  [ "$(skiff ps --filter label=fakecloud-ec2=i-0123 -q)" = "${id:0:12}" ]
  skiff stop "$id"             # tail as pid 1 ignores SIGTERM: SIGKILL after 10 s, as docker
  [ "$(skiff inspect -f '{{.State.Running}}' "$id")" = false ]
  skiff start "$id"
  [ "$(skiff inspect -f '{{.State.Running}}' "$id")" = true ]
  [ "$(skiff exec "$id" cat /var/marker)" = booted ]      # the same container, its files kept
  skiff restart "$id"
  [ "$(skiff inspect -f '{{.State.Running}}' "$id")" = true ]
  [ "$(skiff logs "$id" | grep -c 'hello from user-data')" -eq 3 ]
  [ "$(skiff inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$id")" = "$ip" ]
  skiff rm -f "$id"
  run skiff inspect "$id"
  [ "$status" -ne 0 ]
  skiff network rm fakecloud-vpc-1
}

@test "ECS-style task: B waits for A healthy, C for B's success, A is essential" {
  skiff network create --label fakecloud-ecs-task=t1 task-t1 >/dev/null
  a=$(skiff run -d --network task-t1 --name task-a --health-cmd 'test -e /tmp/ready' --health-interval 200ms \
    --health-retries 3 -e ROLE=a "$IMG" sh -c 'echo a up; sleep 0.6; touch /tmp/ready; exec sleep 100')
  wait_until '[ "$(skiff inspect -f "{{.State.Health.Status}}" '"$a"')" = healthy ]'
  b=$(skiff run -d --network task-t1 --name task-b "$IMG" sh -c 'echo b did its work; exit 0')
  [ "$(skiff wait "$b")" = 0 ]
  c=$(skiff run -d --network task-t1 --name task-c "$IMG" sh -c 'echo c serving; exec sleep 100')
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
  skiff rm -f "$a" "$b" "$c" >/dev/null
  skiff network rm task-t1
}

@test "Lambda-style function: create -p :8080 with env, a host alias and an exec tmpfs, cp the code in, start, call it through its port" {
  mkdir -p "$T/code"
  cat >"$T/code/bootstrap" <<'SH'
#!/bin/sh
cp /var/task/handler.sh /tmp/handler && chmod +x /tmp/handler
mkdir -p /tmp/www && /tmp/handler "$@" >/tmp/www/index.html
exec httpd -f -p 8080 -h /tmp/www
SH
  cat >"$T/code/handler.sh" <<'SH'
#!/bin/sh
echo "handler=$1 K=$K host=$(grep -w host.docker.internal /etc/hosts | cut -f1) tmp=$(grep ' /tmp ' /proc/mounts | cut -d' ' -f3,4)"
SH
  chmod +x "$T/code/bootstrap" "$T/code/handler.sh"
  gw=$(skiff network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
  id=$(skiff create -p :8080 --label fakecloud-lambda=fn --add-host "host.docker.internal:$gw" -e K=V \
    --tmpfs /tmp:size=64m,exec "$IMG" /var/task/bootstrap app.handler)
  skiff cp "$T/code/." "$id:/var/task"
  skiff start "$id"
  port=$(skiff port "$id" 8080 | head -1 | cut -d: -f2)
  [ "$port" -gt 0 ]
  run curl -sf --max-time 5 --retry 10 --retry-connrefused --retry-delay 0 "http://127.0.0.1:$port/"
  [ "$status" -eq 0 ]
  [[ $output == "handler=app.handler K=V host=$gw tmp=tmpfs rw,nosuid,nodev,relatime,size=65536k"* ]]
  skiff rm -f "$id"
}

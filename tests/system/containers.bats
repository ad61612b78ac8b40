#!/usr/bin/env bats
# The engine through skiff's docker-compatible CLI: run/create/start/stop/
# kill/rm/ps/logs/inspect/wait/pause/rename, the monitor (stdio, exit codes,
# restart policies, --rm), what docker merges from the image, limits and
# capabilities, and the monitor surviving its caller (and vice versa).

load helpers
bats_require_minimum_version 1.5.0

setup() {
  common_setup
  SK=("$SKIFF" --root "$T/root" --runroot "$T/run")
  skiff import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'LABEL from=image' \
    "$SKIFF_TEST_IMG/rootfs.tar" localhost/busybox:latest >/dev/null
  IMG=localhost/busybox
}

teardown() {
  local id
  for id in $("${SK[@]}" ps -aq --no-trunc 2>/dev/null); do
    timeout 30 "${SK[@]}" rm -f "$id" >/dev/null 2>&1 || true
  done
  # volumes (what a driver option mounted goes with them)
  for id in $("${SK[@]}" volume ls -q 2>/dev/null); do
    timeout 30 "${SK[@]}" volume rm -f "$id" >/dev/null 2>&1 || true
  done
  common_teardown
}

skiff() { timeout 60 "${SK[@]}" "$@"; }

@test "run: output on the right streams, the exit code, --rm removes" {
  run --separate-stderr skiff run --rm "$IMG" sh -c 'echo out; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = out ]
  [ "$stderr" = err ]
  [ -z "$(skiff ps -aq)" ]
  run skiff run "$IMG" true
  [ "$status" -eq 0 ]
  [ "$(skiff ps -aq | wc -l)" -eq 1 ]
}

@test "run: a program that is not there is 127, one that cannot run 126; --rm leaves nothing" {
  run -127 skiff run --rm "$IMG" /nonexistent
  [ "$status" -eq 127 ]
  [[ $output == *"/nonexistent"*"No such file or directory"* ]]
  run -126 skiff run --rm "$IMG" /etc/passwd
  [[ $output == *"/etc/passwd"*"ermission denied"* ]]
  [ -z "$(skiff ps -aq)" ]
}

@test "run -i: stdin reaches the container and its end closes it" {
  run skiff run --rm -i "$IMG" sh -c 'cat; echo end'
  [ "$status" -eq 0 ]
  run bash -c "printf 'one\ntwo\n' | $(printf '%q ' "${SK[@]}") run --rm -i $IMG sh -c 'cat; echo end'"
  [ "$output" = "$(printf 'one\ntwo\nend')" ]
}

@test "run -t: a terminal inside, raw bytes outside" {
  run timeout 30 script -qec "$(printf '%q ' "${SK[@]}") run --rm -t $IMG sh -c 'tty; stty size'" /dev/null
  [ "$status" -eq 0 ]
  [[ $output == */dev/pts/0* ]]
}

@test "detach keys: ctrl-p ctrl-q leaves run -it running, --detach-keys for attach; without a terminal the bytes pass" {
  run timeout 30 python3 "$BATS_TEST_DIRNAME/pty-keys.py" "${SK[@]}" run -it --name dk "$IMG" sh
  [[ $output == *"EXIT 0"* ]]
  [[ $output == *"-side"* ]]   # the lone ctrl-p went to the shell
  [ "$(skiff inspect -f '{{.State.Running}}' dk)" = true ]
  KEYS=x run timeout 30 python3 "$BATS_TEST_DIRNAME/pty-keys.py" "${SK[@]}" attach --detach-keys x dk
  [[ $output == *"EXIT 0"* ]]
  [ "$(skiff inspect -f '{{.State.Running}}' dk)" = true ]
  run skiff attach --detach-keys ctrl-zz dk
  [ "$status" -eq 1 ]
  [[ $output == *"Invalid detach keys (ctrl-zz) provided"* ]]
  run skiff run --rm --detach-keys x,ctrl-9 "$IMG" true
  [ "$status" -eq 125 ]
  # no terminal, no default keys: stdin may be any bytes
  [ "$(printf '\020\021\n' | skiff run -i --rm "$IMG" od -An -tx1 | tr -d ' ')" = 10110a ]
}

@test "run -d, ps, logs, stop (the stop signal, then SIGKILL), start again keeps the filesystem" {
  id=$(skiff run -d --name ticker "$IMG" sh -c 'echo started >> /state; trap "echo bye; exit 7" TERM; while true; do echo tick; sleep 0.2; done')
  [[ $id =~ ^[0-9a-f]{64}$ ]]
  wait_until '[ "$(skiff logs ticker | grep -c tick)" -ge 2 ]'
  run skiff ps
  [[ ${lines[0]} == "CONTAINER ID   IMAGE"*"NAMES" ]]
  [[ ${lines[1]} == "${id:0:12}   $IMG "*"Up "*"ticker" ]]
  run skiff stop ticker
  [ "$output" = ticker ]
  [ "$(skiff inspect -f '{{.State.Status}} {{.State.ExitCode}}' ticker)" = "exited 7" ]
  skiff logs ticker | grep -qx bye
  run skiff start ticker
  [ "$output" = ticker ]
  wait_until '[ "$(skiff inspect -f {{.State.Running}} ticker)" = true ]'
  skiff stop -t 1 ticker >/dev/null
  # the container's own filesystem survived the restart
  run skiff run --rm "$IMG" true
  [ "$(skiff inspect -f '{{.RestartCount}}' ticker)" = 0 ]
  upper=$(skiff inspect -f '{{.GraphDriver.Data.UpperDir}}' ticker)
  [ "$(cat "$upper/state")" = "$(printf 'started\nstarted')" ]
  # sh as pid 1 ignores SIGTERM without a trap: SIGKILL after the timeout
  id=$(skiff run -d "$IMG" sleep 100)
  run skiff stop -t 1 "$id"
  [ "$(skiff inspect -f '{{.State.ExitCode}} {{.State.Running}}' "$id")" = "137 false" ]
}

@test "create, start, wait, logs; start -a" {
  id=$(skiff create --name job "$IMG" sh -c 'echo working; exit 4')
  [ "$(skiff inspect -f '{{.State.Status}}' job)" = created ]
  run skiff ps -a --format '{{.Names}} {{.Status}}'
  [ "$output" = "job Created" ]
  skiff start job
  run skiff wait job
  [ "$output" = 4 ]
  [ "$(skiff logs job)" = working ]
  run skiff start -a job
  [ "$status" -eq 4 ]
  [ "$output" = working ]
}

@test "the image config is merged as docker merges it" {
  run skiff run --rm "$IMG" sh -c 'echo $PATH'
  [ "$output" = /usr/sbin:/usr/bin:/sbin:/bin ]
  run skiff run --rm -e PATH=/bin -e FOO=bar -w /tmp -u nobody -h myhost "$IMG" sh -c 'echo $PATH $FOO $(pwd) $(id -u):$(id -g) $(hostname)'
  [ "$output" = "/bin bar /tmp 65534:65534 myhost" ]
  run skiff run --rm --entrypoint /bin/echo "$IMG" a b
  [ "$output" = "a b" ]
  run skiff run --rm -u 1234:5678 "$IMG" id
  [ "$output" = "uid=1234 gid=5678 groups=5678" ]
  run skiff run --rm "$IMG" id
  [ "$output" = "uid=0(root) gid=0(root) groups=0(root)" ]
  run skiff run --rm -u nosuchuser "$IMG" true
  [ "$status" -eq 127 ] || [ "$status" -eq 128 ] || [ "$status" -eq 125 ]
  [[ $output == *"unable to find user nosuchuser"* ]]
  printf 'A=1\n# comment\nB=two words\n' >"$T/env"
  run skiff run --rm --env-file "$T/env" "$IMG" sh -c 'echo "$A|$B"'
  [ "$output" = "1|two words" ]
  id=$(skiff create -l team=core "$IMG" true)
  [ "$(skiff inspect -f '{{index .Config.Labels "team"}} {{index .Config.Labels "from"}}' "$id")" = "core image" ]
  [ "$(skiff inspect -f '{{json .Config.Cmd}} {{.Path}} {{json .Args}}' "$id")" = '["true"] true []' ]
  id=$(skiff create "$IMG")
  [ "$(skiff inspect -f '{{json .Config.Cmd}} {{.Path}}' "$id")" = '["/bin/sh"] /bin/sh' ]
}

@test "names: unique, validated, resolved by name, id and prefix; rename" {
  id=$(skiff create --name one "$IMG" true)
  run skiff create --name one "$IMG" true
  [ "$status" -eq 125 ]
  [ "$output" = "Error: Conflict. The container name \"/one\" is already in use by container \"$id\". You have to remove (or rename) that container to be able to reuse that name." ]
  run skiff create --name 'bad name' "$IMG" true
  [ "$status" -eq 125 ]
  [[ $output == *"Invalid container name (bad name)"* ]]
  [ "$(skiff inspect -f '{{.Name}}' "${id:0:5}")" = /one ]
  [ "$(skiff inspect -f '{{.Name}}' "$id")" = /one ]
  run skiff inspect nosuch
  [ "$status" -eq 1 ]
  [[ $output == *"Error: No such object: nosuch"* ]]
  run skiff rm nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: No such container: nosuch" ]
  skiff rename one two
  [ "$(skiff inspect -f '{{.Name}}' two)" = /two ]
  id2=$(skiff create "$IMG" true)
  [[ $(skiff inspect -f '{{.Name}}' "$id2") =~ ^/[a-z]+_[a-z]+[0-9]*$ ]]
}

@test "restart policies: on-failure:N (detached and attached), always until stopped; --restart conflicts with --rm" {
  id=$(skiff run -d --restart on-failure:2 "$IMG" sh -c 'echo attempt; exit 1')
  wait_until '[ "$(skiff inspect -f "{{.State.Status}} {{.RestartCount}}" '"$id"')" = "exited 2" ]'
  [ "$(skiff logs "$id" | grep -c attempt)" -eq 3 ]
  # attached: the caller leaves with the first exit; the restarts go on without it
  run skiff run --name att --restart on-failure:2 "$IMG" sh -c 'echo attempt; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = attempt ]
  wait_until '[ "$(skiff inspect -f "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}" att)" = "exited 2 3" ]'
  [ "$(skiff logs att | grep -c attempt)" -eq 3 ]
  id=$(skiff run -d --restart always "$IMG" sh -c 'sleep 0.2')
  wait_until '[ "$(skiff inspect -f "{{.RestartCount}}" '"$id"')" -ge 2 ]'
  skiff stop "$id" >/dev/null
  n=$(skiff inspect -f '{{.RestartCount}}' "$id")
  sleep 1
  [ "$(skiff inspect -f '{{.State.Status}} {{.RestartCount}}' "$id")" = "exited $n" ]
  run skiff run --rm --restart always "$IMG" true
  [ "$status" -eq 125 ]
  [ "$output" = "Error: Conflicting options: --restart and --rm" ]
}

@test "inspect: docker's shape" {
  id=$(skiff run -d --name shape -e X=1 --tmpfs /scratch:size=1m -v "$T:/host:ro" "$IMG" sleep 100)
  run skiff inspect shape
  [ "$status" -eq 0 ]
  j=$output
  [ "$(jq -r '.[0].Id' <<<"$j")" = "$id" ]
  [ "$(jq -r '.[0].Name' <<<"$j")" = /shape ]
  [ "$(jq -r '.[0].State | "\(.Status) \(.Running) \(.Paused) \(.Pid > 0) \(.ExitCode)"' <<<"$j")" = "running true false true 0" ]
  [ "$(jq -r '.[0].Config.Env | index("X=1") != null' <<<"$j")" = true ]
  [ "$(jq -r '.[0].HostConfig.RestartPolicy.Name' <<<"$j")" = no ]
  [ "$(jq -r '.[0].Mounts[] | select(.Destination == "/host") | "\(.Type) \(.Source) \(.RW)"' <<<"$j")" = "bind $T false" ]
  [ "$(jq -r '.[0].Image | startswith("sha256:")' <<<"$j")" = true ]
  [ "$(jq -r '.[0].NetworkSettings.Networks | keys[0]' <<<"$j")" = bridge ]
  [ "$(jq -r '.[0].NetworkSettings.IPAddress | startswith("172.")' <<<"$j")" = true ]
  [ "$(jq -r '.[0].LogPath | endswith("-json.log")' <<<"$j")" = true ]
  [ "$(skiff inspect -f '{{.State.Running}} {{len .Mounts}}' shape)" = "true 2" ]
  skiff run --rm --tmpfs /scratch:size=1m -v "$T:/host:ro" "$IMG" sh -c 'grep -q " /scratch tmpfs " /proc/mounts && ! touch /host/x 2>/dev/null'
}

@test "ps: -a, -q, --no-trunc, filters, --format, -n" {
  a=$(skiff run -d --name aa -l tier=web "$IMG" sleep 100)
  b=$(skiff create --name bb "$IMG" true)
  c=$(skiff run --name cc "$IMG" sh -c 'exit 2'; true)
  [ "$(skiff ps -q)" = "${a:0:12}" ]
  [ "$(skiff ps -aq | wc -l)" -eq 3 ]
  [ "$(skiff ps -q --no-trunc)" = "$a" ]
  [ "$(skiff ps -a --filter status=created --format '{{.Names}}')" = bb ]
  [ "$(skiff ps -a --filter exited=2 --format '{{.Names}}')" = cc ]
  [ "$(skiff ps -a --filter label=tier=web --format '{{.Names}}')" = aa ]
  [ "$(skiff ps -a --filter name=bb --format '{{.Names}}')" = bb ]
  [ "$(skiff ps -n 1 --format '{{.Names}}')" = cc ]
  [ "$(skiff ps -a --format '{{.Names}}' | tr '\n' ' ')" = "cc bb aa " ]
  run skiff ps --filter bogus=1
  [ "$status" -ne 0 ]
}

@test "logs: --tail, -t, --since, -f until the container ends" {
  id=$(skiff run -d "$IMG" sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; sleep 1; echo late')
  run skiff logs -f "$id"
  [ "${lines[-1]}" = late ]
  [ "$(skiff logs --tail 2 "$id" 2>&1 | tr '\n' ' ')" = "oops late " ]
  [ "$(skiff logs "$id" 2>/dev/null | wc -l)" -eq 6 ]
  [[ $(skiff logs -t --tail 1 "$id") =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ late$ ]]
  [ -z "$(skiff logs --since 0s "$id" 2>&1)" ]
  [ "$(skiff logs --since 1h "$id" 2>&1 | wc -l)" -eq 7 ]
  log=$(skiff inspect -f '{{.LogPath}}' "$id")
  [ "$(head -1 "$log" | jq -r '"\(.log)|\(.stream)"')" = "line1
|stdout" ]
}

@test "log rotation: --log-opt max-size and max-file" {
  id=$(skiff run -d --log-opt max-size=2k --log-opt max-file=2 "$IMG" sh -c 'i=0; while [ $i -lt 200 ]; do echo "line $i padding padding"; i=$((i+1)); done')
  skiff wait "$id" >/dev/null
  log=$(skiff inspect -f '{{.LogPath}}' "$id")
  [ -e "$log.1" ] && [ ! -e "$log.2" ]
  [ "$(stat -c %s "$log.1")" -le 2500 ]
  [ "$(skiff logs "$id" | tail -1)" = "line 199 padding padding" ]
  # logs -f goes on across rotations: every line, in order, once (a line
  # every 20 ms, a rotation every ~80 lines, a 50 ms poll)
  id=$(skiff create --log-opt max-size=2k --log-opt max-file=3 "$IMG" sh -c 'sleep 0.3; i=0; while [ $i -lt 300 ]; do echo "line $i padding padding"; i=$((i+1)); usleep 20000; done')
  skiff start "$id" >/dev/null
  skiff logs -f "$id" >"$T/follow.out"
  [ "$(wc -l <"$T/follow.out")" -eq 300 ]
  [ "$(cat "$T/follow.out")" = "$(i=0; while [ $i -lt 300 ]; do echo "line $i padding padding"; i=$((i+1)); done)" ]
}

@test "kill, pause/unpause, rm refusing a running container" {
  id=$(skiff run -d "$IMG" sh -c 'trap "echo got-usr1" USR1; while true; do sleep 0.1; done')
  skiff kill -s USR1 "$id" >/dev/null
  wait_until 'skiff logs '"$id"' | grep -q got-usr1'
  skiff pause "$id" >/dev/null
  [ "$(skiff inspect -f '{{.State.Status}} {{.State.Paused}}' "$id")" = "paused true" ]
  [[ $(skiff ps --format '{{.Status}}') == *"(Paused)" ]]
  skiff unpause "$id" >/dev/null
  [ "$(skiff inspect -f '{{.State.Status}}' "$id")" = running ]
  run skiff rm "$id"
  [ "$status" -eq 1 ]
  [[ $output == *"You cannot remove a running container $id"* ]]
  run skiff kill "$id"
  [ "$output" = "$id" ]
  wait_until '[ "$(skiff inspect -f "{{.State.Status}}" '"$id"')" = exited ]'
  [ "$(skiff inspect -f '{{.State.ExitCode}}' "$id")" = 137 ]
  run skiff kill "$id"
  [ "$status" -eq 1 ]
  [[ $output == *"is not running"* ]]
  skiff rm "$id"
  [ -z "$(skiff ps -aq)" ]
}

@test "limits and capabilities reach the container" {
  run skiff run --rm -m 32m --pids-limit 64 --cpus 0.5 "$IMG" true
  [ "$status" -eq 0 ]
  # the OOM score: docker's 0 unless asked (whatever the monitor's own is)
  [ "$(skiff run --rm "$IMG" cat /proc/self/oom_score_adj)" = 0 ]
  [ "$(skiff run --rm --oom-score-adj 500 "$IMG" cat /proc/self/oom_score_adj)" = 500 ]
  run skiff run --rm --oom-score-adj 1001 "$IMG" true
  [ "$status" -eq 125 ]
  id=$(skiff run -d -m 32m --pids-limit 64 "$IMG" sleep 100)
  mem=$(cat /sys/fs/cgroup/memory/skiff/"$id"/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/skiff/"$id"/memory.max)
  [ "$mem" = $((32 << 20)) ]
  pids=$(cat /sys/fs/cgroup/pids/skiff/"$id"/pids.max 2>/dev/null || cat /sys/fs/cgroup/skiff/"$id"/pids.max)
  [ "$pids" = 64 ]
  # --cpuset-mems; on cgroup v1 also --oom-kill-disable and --memory-swappiness (v2 has neither)
  id=$(skiff run -d -m 32m --oom-kill-disable --memory-swappiness 10 --cpuset-mems 0 "$IMG" sleep 100)
  pid=$(skiff inspect -f '{{.State.Pid}}' "$id")
  [ "$(cat "$(cg_file "$pid" cpuset cpuset.mems cpuset.mems)")" = 0 ]
  if [ -d /sys/fs/cgroup/memory ]; then
    [ "$(head -1 "$(cg_file "$pid" memory memory.oom_control -)")" = "oom_kill_disable 1" ]
    [ "$(cat "$(cg_file "$pid" memory memory.swappiness -)")" = 10 ]
  fi
  if [ -d /sys/fs/cgroup/blkio ]; then # bfq's weight where the scheduler has it, else CFQ's
    id=$(skiff run -d --blkio-weight 200 "$IMG" sleep 100)
    pid=$(skiff inspect -f '{{.State.Pid}}' "$id")
    w=$(cg_file "$pid" blkio blkio.bfq.weight -)
    [ -e "$w" ] || w=$(cg_file "$pid" blkio blkio.weight -)
    [ "$(cat "$w")" = 200 ]
  fi
  # the cgroup namespace: private by default (the container sees itself at /), the host's on request
  [ "$(skiff run --rm "$IMG" cat /proc/self/cgroup | grep -c skiff)" = 0 ]
  [ "$(skiff run --rm --cgroupns host "$IMG" cat /proc/self/cgroup | grep -c /skiff/)" -ge 1 ]
  run skiff run --rm --memory-swappiness 101 "$IMG" true
  [[ $status -eq 125 && $output == *"memory swappiness range is 0-100"* ]]
  # docker's default capability set, exactly
  [ "$(skiff run --rm "$IMG" sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')" = 00000000a80425fb ]
  [ "$(skiff run --rm --cap-drop ALL "$IMG" sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')" = 0000000000000000 ]
  [ "$(skiff run --rm --cap-drop ALL --cap-add net_admin "$IMG" sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')" = 0000000000001000 ]
  # --privileged: everything we have ourselves
  [ "$(skiff run --rm --privileged "$IMG" sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')" = "$(awk '/CapBnd/ {print $2}' /proc/self/status)" ]
  [ "$(skiff run --rm --read-only "$IMG" sh -c 'touch /x 2>&1 || echo ro')" != "" ]
  run skiff run --rm --security-opt no-new-privileges "$IMG" sh -c 'grep NoNewPrivs /proc/self/status'
  [[ $output == *"1" ]]
  # the OOM killer is reported
  id=$(skiff run -d -m 8m --memory-swap 8m "$IMG" sh -c 'x=$(head -c 30000000 /dev/zero | tr "\0" a); echo ${#x}')
  skiff wait "$id" >/dev/null
  [ "$(skiff inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$id")" = "true 137" ]
}

@test "the container outlives a killed CLI; a dead monitor is reconciled" {
  "${SK[@]}" run --name lives "$IMG" sh -c 'while true; do echo alive; sleep 0.2; done' >/dev/null 2>&1 &
  cli=$!
  BG_PIDS+=($cli)
  wait_until '[ "$(skiff inspect -f {{.State.Running}} lives 2>/dev/null)" = true ]'
  kill -9 "$cli"
  wait "$cli" || true
  sleep 0.5
  [ "$(skiff inspect -f '{{.State.Running}}' lives)" = true ]
  n=$(skiff logs lives | wc -l)
  wait_until '[ "$(skiff logs lives | wc -l)" -gt '"$n"' ]'
  # the monitor dies: the container lives on, is still stoppable, and its
  # exit code is kept by the monitor's keeper (its parent, the container's
  # subreaper from then on)
  id=$(skiff inspect -f '{{.Id}}' lives)
  mon=$(jq .MonitorPid "$T/root/containers/$id/state.json")
  keeper=$(jq .KeeperPid "$T/root/containers/$id/state.json")
  [ "$(cat "/proc/$keeper/comm")" = skiff-keeper ]
  [ "$(ps -o ppid= -p "$mon" | tr -d ' ')" = "$keeper" ]
  kill -9 "$mon"
  sleep 0.3
  [ "$(skiff inspect -f '{{.State.Running}}' lives)" = true ]
  skiff stop -t 1 lives >/dev/null
  [ "$(skiff inspect -f '{{.State.Running}} {{.State.ExitCode}} {{.State.Error}}' lives)" = "false 137 " ]
  wait_until '! kill -0 '"$keeper"' 2>/dev/null'   # it ends with its last child
  # without a keeper the exit code is lost with the monitor, and said so
  id=$(SKIFF_KEEPER=/nonexistent skiff run -d "$IMG" sleep 100)
  [ "$(jq .KeeperPid "$T/root/containers/$id/state.json")" = 0 ]
  kill -9 "$(jq .MonitorPid "$T/root/containers/$id/state.json")"
  skiff stop -t 1 "$id" >/dev/null
  [ "$(skiff inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$id")" = "false 255" ]
  [[ $(skiff inspect -f '{{.State.Error}}' "$id") == *"monitor"* ]]
}

@test "an exit the monitor put on record survives the monitor" {
  # (no keeper: it would record the SIGKILL below itself)
  id=$(SKIFF_KEEPER=/nonexistent skiff run -d "$IMG" sleep 100)
  mon=$(jq .MonitorPid "$T/root/containers/$id/state.json")
  pid=$(skiff inspect -f '{{.State.Pid}}' "$id")
  kill -9 "$mon"
  # the monitor had reaped the process and written the exit file, then died
  kill -9 "$pid"
  printf '{"ExitCode":42,"Signal":0,"FinishedAt":"2026-01-01T00:00:00Z"}' >"$T/run/containers/$id/exit.json"
  wait_until '[ "$(skiff inspect -f {{.State.Running}} '"$id"')" = false ]'
  [ "$(skiff inspect -f '{{.State.ExitCode}} {{.State.FinishedAt}} {{.State.Error}}' "$id")" = "42 2026-01-01T00:00:00Z " ]
}

@test "a running container's monitor is skiff-monitor: stdin, logs, health checks, the end; without it the full monitor serves" {
  id=$(skiff run -d -i --name core1 --health-cmd true --health-interval 200ms "$IMG" \
    sh -c 'echo first; read x; echo "got $x"; printf "\377\376bad <&>\n"; exec sleep 100')
  mon=$(jq .MonitorPid "$T/root/containers/$id/state.json")
  # the first moments are the full monitor's (a short-lived container ends there)
  wait_until '[[ $(readlink /proc/'"$mon"'/exe) == */skiff-monitor ]]'
  [ "$(cat "/proc/$mon/comm")" = skiff-monitor ]
  # (attach passes the TERM of timeout on: the KILL ends it)
  echo hello | timeout -k 1 2 "${SK[@]}" attach core1 >"$T/attach.out" 2>&1 || true
  wait_until '[ "$(skiff inspect -f {{.State.Health.Status}} core1)" = healthy ]'
  wait_until 'skiff logs core1 | grep -q bad'
  # bytes that are not UTF-8 are U+FFFD, as docker's json-file has them
  [ "$(skiff logs core1)" = "$(printf 'first\ngot hello\n\357\277\275\357\277\275bad <&>')" ]
  grep -qF '"log":"\ufffd\ufffdbad \u003c\u0026\u003e\n"' "$T/root/containers/$id/$id-json.log"
  # the same process all along: the check ran as a helper, the monitor is the container's parent
  [ "$(jq .MonitorPid "$T/root/containers/$id/state.json")" = "$mon" ]
  [ "$(ps -o ppid= -p "$(skiff inspect -f '{{.State.Pid}}' core1)" | tr -d ' ')" = "$mon" ]
  skiff stop -t 1 core1 >/dev/null
  [ "$(skiff inspect -f '{{.State.Status}} {{.State.ExitCode}}' core1)" = "exited 137" ]
  [ "$(jq -r '.Reason + " " + .Signal' "$T/root/containers/$id/state.json")" = "signal SIGKILL" ]
  ! kill -0 "$mon" 2>/dev/null
  # without skiff-monitor the full monitor serves alone, the same way
  export SKIFF_MONITOR_CORE=/nonexistent
  id=$(skiff run -d --name full1 --health-cmd true --health-interval 200ms "$IMG" sh -c 'echo one; exec sleep 100')
  mon=$(jq .MonitorPid "$T/root/containers/$id/state.json")
  [[ $(readlink "/proc/$mon/exe") != */skiff-monitor ]]
  wait_until '[ "$(skiff inspect -f {{.State.Health.Status}} full1)" = healthy ]'
  [ "$(skiff logs full1)" = one ]
  run skiff run --rm "$IMG" sh -c 'echo two; exit 3'
  [ "$status" -eq 3 ] && [ "$output" = two ]
  skiff stop -t 1 full1 >/dev/null
  [ "$(skiff inspect -f '{{.State.Status}} {{.State.ExitCode}}' full1)" = "exited 137" ]
  unset SKIFF_MONITOR_CORE
}

@test "a connection to the monitor made as the container ends (a stop's, a wait's) is kept across skiff-monitor's exec back" {
  id=$(skiff run -d "$IMG" sleep 100)
  mon=$(jq .MonitorPid "$T/root/containers/$id/state.json")
  wait_until '[[ $(readlink /proc/'"$mon"'/exe) == */skiff-monitor ]]'
  pid=$(skiff inspect -f '{{.State.Pid}}' "$id")
  # connected, accepted, what it wants not said yet when the end comes:
  # skiff-monitor hands the connection back to the full monitor, which ends
  # it once the end is on record (it used to be closed at the exec: a stop
  # returned while the record still said running)
  run python3 - "$T/run/s/${id:0:32}.a" "$pid" "$id" "${SK[@]}" <<'PY'
import os, socket, subprocess, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(0.3)
os.kill(int(sys.argv[2]), 9)
line = s.makefile().readline().strip()
# when the connection ends, the end is on record
st = subprocess.run(sys.argv[4:] + ["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", sys.argv[3]],
                    capture_output=True, text=True).stdout.strip()
print((st + " " + line).strip())
PY
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "exited 137" ]
}

@test "update: limits of a running container at once, the restart policy; bad values refused" {
  id=$(skiff run -d --name upd "$IMG" sleep 60)
  [ "$(skiff update -m 64m --memory-swap 128m --pids-limit 50 --cpus 0.5 --restart on-failure:2 upd)" = upd ]
  [ "$(skiff inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' upd)" = "67108864 50 500000000 on-failure:2" ]
  pid=$(skiff inspect -f '{{.State.Pid}}' upd)
  [ "$(cat "$(cg_file "$pid" memory memory.limit_in_bytes memory.max)")" = 67108864 ]
  [ "$(cat "$(cg_file "$pid" pids pids.max pids.max)")" = 50 ]
  skiff update --cpuset-mems 0 upd >/dev/null
  [ "$(cat "$(cg_file "$pid" cpuset cpuset.mems cpuset.mems)")" = 0 ]
  if [ -d /sys/fs/cgroup/blkio ]; then
    skiff update --blkio-weight 300 upd >/dev/null
    w=$(cg_file "$pid" blkio blkio.bfq.weight -)
    [ -e "$w" ] || w=$(cg_file "$pid" blkio blkio.weight -)
    [ "$(cat "$w")" = 300 ]
  fi
  run skiff update upd
  [ "$status" -eq 1 ]
  [[ $output == *"one or more flags"* ]]
  run skiff update -m 1k upd
  [ "$status" -eq 1 ]
  [[ $output == *"6MB"* ]]
  run skiff update --restart sometimes upd
  [[ $output == *"invalid restart policy"* ]]
  run skiff update -m 64m nosuch
  [ "$status" -eq 1 ]
  [[ $output == *"No such container: nosuch"* ]]
}

@test "50 concurrent run -d: unique names and ids, every record readable" {
  local pids=()
  for i in $(seq 50); do
    "${SK[@]}" run -d "$IMG" sleep 60 >"$T/out.$i" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  [ "$(cat "$T"/out.* | grep -cE '^[0-9a-f]{64}$')" -eq 50 ]
  [ "$(skiff ps -q | wc -l)" -eq 50 ]
  [ "$(skiff ps --format '{{.Names}}' | sort -u | wc -l)" -eq 50 ]
  [ "$(skiff ps -q --no-trunc | sort -u | wc -l)" -eq 50 ]
  for f in "$T"/root/containers/*/config.json "$T"/root/containers/*/state.json; do
    jq -e . "$f" >/dev/null
  done
  skiff rm -f $(skiff ps -q) >/dev/null
  [ -z "$(skiff ps -aq)" ]
  # nothing mounted but the (shared) directory of the network namespaces
  [ -z "$(grep -F " $T/run/" /proc/self/mountinfo | grep -vF " $T/run/netns ")" ]
}

@test "exec: env, workdir, user, stdin, tty, exit codes, detached" {
  id=$(skiff run -d -e A=1 -w /tmp "$IMG" sleep 100)
  run skiff exec "$id" sh -c 'echo $A $(pwd) $(id -u); exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = "1 /tmp 0" ]
  run skiff exec -e B=2 -e A=3 -w / -u nobody "$id" sh -c 'echo $A $B $(pwd) $(id -u)'
  [ "$output" = "3 2 / 65534" ]
  run bash -c "echo piped | $(printf '%q ' "${SK[@]}") exec -i $id cat"
  [ "$output" = piped ]
  run bash -c "echo piped | $(printf '%q ' "${SK[@]}") exec $id cat"
  [ "$output" = "" ]
  run -127 skiff exec "$id" nosuchcmd
  [[ $output == *'"nosuchcmd": executable file not found in $PATH'* ]]
  run timeout 30 script -qec "$(printf '%q ' "${SK[@]}") exec -t $id tty" /dev/null
  [[ $output == /dev/pts/* ]]
  skiff exec -d "$id" sh -c 'sleep 0.3; touch /tmp/detached'
  wait_until 'skiff exec '"$id"' test -e /tmp/detached'
  # detached with a terminal: the monitor drains it (64 KiB of output do not block it)
  skiff exec -d -t "$id" sh -c 'tty >/tmp/dtty; head -c 65536 /dev/zero | tr "\0" x; echo; touch /tmp/dt-done'
  wait_until 'skiff exec '"$id"' test -e /tmp/dt-done'
  [[ $(skiff exec "$id" cat /tmp/dtty) == /dev/pts/* ]]
  # the exec'd process is in the container: its pid namespace and cgroup
  [ "$(skiff exec "$id" sh -c 'echo $$')" != "$$" ]
  [ "$(skiff exec "$id" cat /proc/1/cmdline | tr '\0' ' ')" = "sleep 100 " ]
  skiff stop -t 0 "$id" >/dev/null
  run skiff exec "$id" true
  [ "$status" -ne 0 ]
  [[ $output == *"is not running"* ]]
}

@test "cp: both ways, docker's directory rules, tar streams, -L, never outside the container" {
  mkdir -p "$T/src/sub" && echo hello >"$T/src/a.txt" && echo deep >"$T/src/sub/b"
  chown 1000:1000 "$T/src/a.txt"
  id=$(skiff create "$IMG" sleep 100)
  skiff cp "$T/src/." "$id:/var/task"     # the contents of src, into a new /var/task
  skiff cp "$T/src" "$id:/var/task"       # an existing dir receives src under its name
  skiff cp "$T/src/a.txt" "$id:/etc/"
  skiff start "$id" >/dev/null
  run skiff exec "$id" sh -c 'cat /var/task/a.txt /var/task/sub/b /var/task/src/a.txt /etc/a.txt; stat -c %u /var/task/a.txt'
  [ "$output" = "$(printf 'hello
deep
hello
hello
0')" ]
  skiff cp -a "$T/src/a.txt" "$id:/tmp/kept"
  [ "$(skiff exec "$id" stat -c %u:%g /tmp/kept)" = 1000:1000 ]
  # out of the running container, into a new directory and into an existing one
  skiff cp "$id:/var/task" "$T/back"
  [ "$(cat "$T/back/sub/b")" = deep ]
  mkdir "$T/into" && skiff cp "$id:/var/task/sub" "$T/into"
  [ "$(cat "$T/into/sub/b")" = deep ]
  # tar streams both ways
  skiff cp "$id:/var/task/a.txt" - | tar -tf - | grep -qx a.txt
  tar -C "$T/src" -cf - . | skiff cp - "$id:/tmp"
  [ "$(skiff exec "$id" cat /tmp/sub/b)" = deep ]
  # the container's symlinks never lead outside it
  skiff exec "$id" sh -c 'ln -s /etc /var/task/etclink; ln -s ../../../../../../etc/hostname /var/task/up'
  echo evil >"$T/evil"
  skiff cp "$T/evil" "$id:/var/task/etclink/evil"
  [ ! -e /etc/evil ]
  [ "$(skiff exec "$id" cat /etc/evil)" = evil ]
  skiff cp "$id:/var/task/up" "$T/up"
  [ -L "$T/up" ]   # the link itself, not what it names
  # -L: what a link names, resolved inside the container, under the link's name
  skiff cp -L "$id:/var/task/up" "$T/upL"
  [ ! -L "$T/upL" ]
  [ "$(cat "$T/upL")" = "$(skiff exec "$id" cat /etc/hostname)" ]
  [ "$(cat "$T/upL")" != "$(cat /etc/hostname)" ]
  skiff exec "$id" sh -c 'ln -s l2 /var/task/l1; ln -s l1 /var/task/l2'
  run skiff cp -L "$id:/var/task/l1" "$T/loop"
  [[ $status -ne 0 && $output == *"Too many levels of symbolic links"* ]]
  mkdir "$T/intoL"
  skiff cp -L "$id:/var/task/up" "$T/intoL/"
  [ -f "$T/intoL/up" ] && [ ! -L "$T/intoL/up" ]
  ln -s "$T/evil" "$T/hostlink"
  skiff cp -L "$T/hostlink" "$id:/var/task/"
  [ "$(skiff exec "$id" sh -c 'test -L /var/task/hostlink || cat /var/task/hostlink')" = evil ]
  run skiff cp "$T/evil" "nosuch:/x"
  [ "$status" -ne 0 ]
  [[ $output == *"No such container: nosuch"* ]]
}

@test "seccomp: docker's default profile; capabilities widen it; unconfined; a profile file" {
  run skiff run --rm "$IMG" sh -c 'grep Seccomp: /proc/self/status; unshare -n true 2>&1; hostname x 2>&1; mount -t tmpfs none /tmp 2>&1; echo done'
  [ "${lines[0]}" = "Seccomp:	2" ]
  [[ ${lines[1]} == *"Operation not permitted"* ]]
  [[ ${lines[2]} == *"Operation not permitted"* ]]
  [[ ${lines[3]} == *"denied"* ]]
  [ "${lines[-1]}" = done ]
  # with CAP_SYS_ADMIN the mount family is allowed (as docker's profile does)
  run skiff run --rm --cap-add SYS_ADMIN "$IMG" sh -c 'mount -t tmpfs none /tmp && echo mounted'
  [ "$output" = mounted ]
  [ "$(skiff run --rm --security-opt seccomp=unconfined "$IMG" grep Seccomp: /proc/self/status)" = "Seccomp:	0" ]
  [ "$(skiff run --rm --privileged "$IMG" grep Seccomp: /proc/self/status)" = "Seccomp:	0" ]
  cat >"$T/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
JSON
  run skiff run --rm --security-opt "seccomp=$T/profile.json" "$IMG" sh -c 'mkdir /x 2>&1; echo $?'
  [[ $output == *"Operation not permitted"* ]]
  [ "${lines[-1]}" = 1 ]
  # clone3 says ENOSYS (libc falls back to clone), vsock sockets are refused
  run skiff run --rm "$IMG" sh -c 'echo ok'
  [ "$output" = ok ]
}

@test "top, stats, diff, export, port" {
  id=$(skiff run -d "$IMG" sh -c 'echo x > /newfile; mkdir -p /etc/newdir; rm -f /bin/vi; exec sleep 100')
  wait_until 'skiff diff '"$id"' | grep -q newdir'
  run skiff top "$id"
  [[ ${lines[0]} == "UID"*"PID"*"CMD" ]]
  [ "${#lines[@]}" -eq 2 ]
  [[ ${lines[1]} == *"sleep 100" ]]
  run skiff stats --no-stream "$id"
  [[ ${lines[0]} == "CONTAINER ID   NAME"*"CPU %"*"MEM USAGE / LIMIT"*"PIDS" ]]
  [[ ${lines[1]} == "${id:0:12}   "*"iB / "*"iB"*" 1" ]]
  [ "$(skiff stats --no-stream --format '{{.PIDs}}' "$id")" = 1 ]
  # BLOCK I/O: what the container's cgroup read and wrote (8 MiB synced here)
  io=$(skiff run -d "$IMG" sh -c 'dd if=/dev/zero of=/w bs=1M count=8 conv=fsync 2>/dev/null; exec sleep 100')
  wait_until '[[ $(skiff stats --no-stream --format "{{.BlockIO}}" '"$io"') == *" / "*MB ]]'
  w=$(skiff stats --no-stream --format '{{.BlockIO}}' "$io")
  awk -v w="${w#* / }" 'BEGIN { exit !(w + 0 >= 8) }'
  run skiff diff "$id"
  [ "$output" = "$(printf 'C /bin\nD /bin/vi\nC /etc\nA /etc/newdir\nA /newfile')" ]
  skiff export -o "$T/fs.tar" "$id"
  tar -tf "$T/fs.tar" | grep -qx newfile
  tar -tf "$T/fs.tar" | grep -qx bin/busybox
  ! tar -tf "$T/fs.tar" | grep -q '^bin/vi$'
  ! tar -tf "$T/fs.tar" | grep -q '^proc/.'     # mounts are not exported
  [ -z "$(skiff port "$id")" ]
  run skiff port "$id" 80
  [ "$status" -ne 0 ]
  [ "$output" = "Error: No public port '80/tcp' published for $id" ]
  # a stopped container exports too
  skiff stop -t 0 "$id" >/dev/null
  skiff export "$id" | tar -tf - | grep -qx newfile
}

@test "events: the life of a container, filters, --since/--until, follow" {
  t0=$(date +%s.%N)
  skiff run --rm --name evt -l team=core "$IMG" sh -c 'exit 3' || true
  id=$(skiff run -d --name evt2 "$IMG" sleep 100)
  skiff stop -t 1 evt2 >/dev/null
  skiff rm evt2 >/dev/null
  t1=$(date +%s.%N)
  run skiff events --since "$t0" --until "$t1" --filter type=container --format '{{.Action}} {{.Actor.Attributes.name}}'
  [ "$output" = "$(printf 'create evt\nstart evt\ndie evt\ndestroy evt\ncreate evt2\nstart evt2\nkill evt2\nkill evt2\ndie evt2\nstop evt2\ndestroy evt2')" ]
  run skiff events --since "$t0" --until "$t1" --filter event=die
  [ "${#lines[@]}" -eq 2 ]
  [[ ${lines[0]} =~ ^20[0-9-]+T[0-9:.]+[+-][0-9]{2}:[0-9]{2}\ container\ die\ [0-9a-f]{64}\ \(exitCode=3,\ from=image,\ image=localhost/busybox,\ name=evt,\ team=core\)$ ]]
  run skiff events --since "$t0" --until "$t1" --filter container=evt2 --filter event=start --format '{{.Type}} {{.status}} {{.id}}'
  [ "$output" = "container start $id" ]
  # docker's field names too: .Status, .ID, .Time, .TimeNano (json status, id, time, timeNano)
  run skiff events --since "$t0" --until "$t1" --filter container=evt2 --filter event=start --format '{{.Status}} {{.ID}} {{.Time}} {{.TimeNano}}'
  [[ $output =~ ^start\ $id\ [0-9]{10}\ [0-9]{19}$ ]]
  [ -z "$(skiff events --since "$t0" --until "$t1" --filter label=team=other)" ]
  # follow: an event that happens after the command started arrives
  "${SK[@]}" events --filter event=create --format '{{.Actor.Attributes.name}}' >"$T/follow" &
  BG_PIDS+=($!)
  sleep 0.3
  skiff create --name later "$IMG" true >/dev/null
  wait_until 'grep -qx later "$T/follow"'
  # skiff exec: docker's exec_create, exec_start and exec_die (with the exit code)
  skiff run -d --name evt3 "$IMG" sleep 100 >/dev/null
  t2=$(date +%s.%N)
  skiff exec evt3 sh -c 'exit 4' || true
  t3=$(date +%s.%N)
  run skiff events --since "$t2" --until "$t3" --filter container=evt3 --format '{{.Action}} {{.Actor.Attributes.exitCode}}'
  [ "$output" = "$(printf 'exec_create: sh -c exit 4 <no value>\nexec_start: sh -c exit 4 <no value>\nexec_die 4')" ]
}

@test "health checks: starting, unhealthy after the retries, healthy; events; timeouts; --no-healthcheck" {
  id=$(skiff run -d --health-cmd 'test -e /tmp/ok && echo fine' --health-interval 200ms --health-retries 2 \
    "$IMG" sh -c 'sleep 1.5; touch /tmp/ok; exec sleep 100')
  [ "$(skiff inspect -f '{{.State.Health.Status}}' "$id")" = starting ]
  wait_until '[ "$(skiff inspect -f "{{.State.Health.Status}}" '"$id"')" = unhealthy ]'
  [ "$(skiff ps --filter health=unhealthy -q)" = "${id:0:12}" ]
  wait_until '[ "$(skiff inspect -f "{{.State.Health.Status}}" '"$id"')" = healthy ]'
  [[ $(skiff ps --format '{{.Status}}') == "Up "*" (healthy)" ]]
  [ "$(skiff inspect -f '{{.State.Health.FailingStreak}}' "$id")" = 0 ]
  run skiff inspect -f '{{json .State.Health.Log}}' "$id"
  [ "$(jq -r '.[-1] | "\(.ExitCode) \(.Output)"' <<<"$output")" = "0 fine" ]
  [ "$(jq length <<<"$output")" -le 5 ]
  run skiff events --since 1 --until "$(date +%s.%N)" --filter container="$id" --format '{{.Action}}'
  [[ $output == *"health_status: unhealthy"*"health_status: healthy"* ]]
  # a check that hangs is cut at its timeout
  id=$(skiff run -d --health-cmd 'sleep 10' --health-interval 100ms --health-timeout 200ms --health-retries 1 "$IMG" sleep 100)
  wait_until '[ "$(skiff inspect -f "{{.State.Health.Status}}" '"$id"')" = unhealthy ]'
  [[ $(skiff inspect -f '{{(index .State.Health.Log 0).Output}}' "$id") == "Health check exceeded timeout"* ]]
  # --no-healthcheck: none at all
  id=$(skiff run -d --no-healthcheck "$IMG" sleep 100)
  [ "$(skiff inspect -f '{{.State.Health}}' "$id")" = "<no value>" ]
}

@test "--init: pid 1 is skiff-init; it passes signals on and reaps orphans" {
  run skiff run --rm --init "$IMG" sh -c 'tr "\0" " " </proc/1/cmdline'
  [ "$output" = "/sbin/docker-init -- sh -c tr \"\\0\" \" \" </proc/1/cmdline " ]
  id=$(skiff run -d --init "$IMG" sh -c '(sleep 0.1 &); exec sleep 100')
  sleep 0.5
  # the orphaned sleep was reaped: no zombie left behind
  [ -z "$(skiff exec "$id" ps -o stat,comm | awk '$1 ~ /Z/')" ]
  skiff stop -t 5 "$id" >/dev/null   # SIGTERM reaches sleep through the init
  [ "$(skiff inspect -f '{{.State.ExitCode}}' "$id")" = 143 ]
}

@test "volumes: named and anonymous, filled from the image once, in use, rm -v, prune" {
  [ "$(skiff volume create data1)" = data1 ]
  skiff run --rm -v data1:/data "$IMG" sh -c 'echo kept > /data/f'
  [ "$(skiff run --rm -v data1:/d:ro "$IMG" sh -c 'cat /d/f; touch /d/x 2>/dev/null || echo ro')" = "$(printf 'kept\nro')" ]
  [ "$(skiff volume inspect -f '{{.Name}} {{.Driver}} {{.Scope}}' data1)" = "data1 local local" ]
  # an empty volume mounted over image content gets the content, once
  skiff run --rm -v etcvol:/etc "$IMG" sh -c 'rm /etc/group'
  [ -z "$(skiff run --rm -v etcvol:/etc "$IMG" ls /etc | grep -x group)" ]
  [ -n "$(skiff run --rm -v etcvol:/etc "$IMG" ls /etc | grep -x passwd)" ]
  id=$(skiff create --name user -v data1:/data --mount type=volume,dst=/anon "$IMG" true)
  [ "$(skiff inspect -f '{{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}' user)" = "volume:/data volume:/anon " ]
  anon=$(skiff inspect -f '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}' user)
  [[ $anon =~ ^[0-9a-f]{64}$ ]]
  run skiff volume rm data1
  [ "$status" -ne 0 ]
  [[ $output == *"volume is in use - [$id]"* ]]
  [ "$(skiff volume ls -q --filter dangling=false | sort | tr '\n' ' ')" = "$(printf '%s\n' "$anon" data1 | sort | tr '\n' ' ')" ]
  skiff rm -v user >/dev/null
  [ -z "$(skiff volume ls -q | grep -x "$anon")" ]
  skiff volume rm data1
  skiff volume create --label keep=yes labeled >/dev/null
  [ "$(skiff volume ls -q --filter label=keep=yes)" = labeled ]
  skiff volume prune -f >/dev/null
  [ "$(skiff volume ls -q | sort | tr '\n' ' ')" = "etcvol labeled " ]
  skiff volume prune -af --filter label!=keep=yes >/dev/null
  [ "$(skiff volume ls -q)" = labeled ]
  run skiff volume prune -af --filter dangling=true
  [ "$status" -ne 0 ]
  skiff volume prune -af --filter label=keep=yes >/dev/null
  [ -z "$(skiff volume ls -q)" ]
}

@test "volume driver options: a host directory (type=none, o=bind) and a tmpfs; rm leaves the host's files" {
  mkdir -p "$T/hostdir"
  echo host >"$T/hostdir/keep"
  skiff volume create -o type=none -o o=bind -o device="$T/hostdir" hv >/dev/null
  [ "$(skiff volume inspect -f '{{.Options.type}} {{.Options.o}} {{.Options.device}}' hv)" = "none bind $T/hostdir" ]
  [ "$(skiff run --rm -v hv:/data "$IMG" sh -c 'cat /data/keep; echo ctr >/data/new')" = host ]
  [ "$(cat "$T/hostdir/new")" = ctr ]
  skiff volume rm hv >/dev/null
  [ "$(cat "$T/hostdir/keep" "$T/hostdir/new")" = "$(printf 'host\nctr')" ]
  ! grep -q "/volumes/hv/_data" /proc/self/mountinfo
  skiff volume create -o type=tmpfs -o device=tmpfs -o o=size=1m,noexec tv >/dev/null
  run skiff run --rm -v tv:/t "$IMG" sh -c 'grep " /t " /proc/mounts; dd if=/dev/zero of=/t/x bs=1k count=2048'
  [[ ${lines[0]} == "tmpfs /t tmpfs "*"noexec"*"size=1024k"* ]]
  [ "$status" -ne 0 ]   # full at 1 MiB
  skiff volume rm tv >/dev/null
  ! grep -q "/volumes/tv/_data" /proc/self/mountinfo
  run skiff volume create -o bogus=1 bv
  [[ $output == *'invalid option key: "bogus"'* ]]
  run skiff volume create -o type=none -o o=bind -o device="$T/nosuch" nv
  [ "$status" -eq 0 ]
  run skiff run --rm -v nv:/d "$IMG" true
  [ "$status" -eq 125 ]
  [[ $output == *"failed to mount local volume"* ]]
}

@test "namespaces: --pid host and container:, --ipc host, --uts host; conflicts and bad modes refused" {
  [ "$(skiff run --rm --pid host "$IMG" cat /proc/1/comm)" = "$(cat /proc/1/comm)" ]
  [ "$(skiff run --rm "$IMG" cat /proc/1/comm)" = cat ]
  id=$(skiff run -d "$IMG" sleep 600)
  [ "$(skiff run --rm --pid container:"${id:0:12}" "$IMG" cat /proc/1/comm)" = sleep ]
  [ "$(skiff run --rm --uts host "$IMG" sh -c 'hostname; cat /etc/hostname' | tr '\n' ' ')" = "$(hostname) $(hostname) " ]
  [ "$(skiff inspect -f '{{.Config.Hostname}}' "$(skiff run -d --uts host "$IMG" true)")" = "$(hostname)" ]
  # the host's /dev/shm with --ipc host, a tmpfs of its own without
  f=/dev/shm/skiff-test-$$
  echo seen >"$f"
  run skiff run --rm --ipc host "$IMG" cat "$f"
  run2=$(skiff run --rm "$IMG" sh -c "cat $f 2>&1; true")
  rm -f "$f"
  [ "$output" = seen ]
  [[ $run2 == *"No such file"* ]]
  run skiff run --rm --uts host --hostname x "$IMG" true
  [[ $status -ne 0 && $output == *"conflicting options: hostname and the UTS mode"* ]]
  run skiff run --rm --pid bogus "$IMG" true
  [[ $status -ne 0 && $output == *"invalid PID mode: bogus"* ]]
  run skiff run --rm --uts container:"$id" "$IMG" true
  [[ $status -ne 0 && $output == *"invalid UTS mode: container:$id"* ]]
  run skiff run --rm --ipc container:"$id" "$IMG" true
  [[ $status -ne 0 && $output == *"not supported"* ]]
  run skiff run --rm --pid container:nosuch "$IMG" true
  [[ $status -ne 0 && $output == *"No such container: nosuch"* ]]
  skiff stop -t 1 "$id" >/dev/null
  run skiff run --rm --pid container:"$id" "$IMG" true
  [[ $status -ne 0 && $output == *"non running container"* ]]
}

@test "list formats as docker's: .Labels, .Label \"k\", .Mounts, .LocalVolumes, .Size (asked for by the format)" {
  skiff volume create --label b=2 --label a=1 lv >/dev/null
  skiff network create --label k=v ln >/dev/null
  mkdir -p "$T/a-rather-long-host-dir"
  skiff run -d --name lab --label x=1 --label a=b -v lv:/d -v "$T/a-rather-long-host-dir:/h" "$IMG" sleep 600 >/dev/null
  [ "$(skiff ps --format '{{.Labels}}|{{.Label "x"}}|{{.Label "nope"}}|{{.LocalVolumes}}')" = "a=b,from=image,x=1|1||1" ]
  [ "$(skiff ps --format '{{.Mounts}}')" = "lv,${T:0:14}…" ]
  [ "$(skiff ps --no-trunc --format '{{.Mounts}}')" = "lv,$T/a-rather-long-host-dir" ]
  [[ $(skiff ps --format '{{.Size}}') == "0B (virtual "*")" ]]
  run skiff ps --format 'table {{.Names}}\t{{.Label "x"}}\t{{.LocalVolumes}}'
  [[ ${lines[0]} == "NAMES"*"LABEL"*"LOCAL VOLUMES" ]]
  [[ ${lines[1]} == "lab"*"1"*"1" ]]
  [ "$(skiff volume ls --filter name=lv --format '{{.Labels}}|{{.Label "a"}}')" = "a=1,b=2|1" ]
  [ "$(skiff network ls --filter name=ln --format '{{.Labels}}|{{.Label "k"}}')" = "k=v|v" ]
  run skiff ps --format '{{.Names "x"}}'
  [ "$status" -ne 0 ]
  [[ $output == *"a value cannot take arguments"* ]]
  skiff rm -f lab >/dev/null
  skiff network rm ln >/dev/null
}

@test "info: containers by state, images, the host, insecure registries; --format; system info" {
  skiff run -d "$IMG" sleep 600 >/dev/null
  skiff run "$IMG" true
  run skiff info
  [ "$status" -eq 0 ]
  [[ $output == "Containers: 2"$'\n'" Running: 1"$'\n'" Paused: 0"$'\n'" Stopped: 1"$'\n'"Images: 1"$'\n'* ]]
  [[ $output == *$'\n'"Kernel Version: $(uname -r)"$'\n'* && $output == *$'\n'"CPUs: $(nproc)"$'\n'* ]]
  [[ $output == *$'\n'"Docker Root Dir: $T/root"$'\n'* ]]
  cgv=1
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && cgv=2
  [ "$(skiff system info -f '{{.CgroupVersion}} {{.ContainersRunning}} {{.ContainersStopped}} {{.Images}}')" = "$cgv 1 1 1" ]
  run "${SK[@]}" --insecure-registry reg.test:5000 info
  [[ $output == *"Insecure Registries:"$'\n'" reg.test:5000"$'\n'" ::1/128"$'\n'" 127.0.0.0/8"$'\n'* ]]
  run skiff info extra
  [ "$status" -ne 0 ]
}

@test "disk usage: system df counts a shared layer once; what containers wrote; volumes and their users; ps -s, inspect -s" {
  # a second image with the same layer (another config)
  skiff import -c 'CMD ["/bin/sh"]' -c 'ENV X=1' "$SKIFF_TEST_IMG/rootfs.tar" localhost/other:1 >/dev/null
  layer=$(skiff image inspect -f '{{.Size}}' "$IMG")
  skiff volume create v1 >/dev/null
  id=$(skiff run -d -v v1:/data "$IMG" sh -c 'dd if=/dev/zero of=/data/f bs=1k count=300 2>/dev/null; dd if=/dev/zero of=/big bs=1k count=100 2>/dev/null; sleep 600')
  skiff run --name done "$IMG" sh -c 'echo 12345 >/f'
  for _ in $(seq 100); do [ "$(skiff inspect -s -f '{{.SizeRw}}' "$id")" = 102400 ] && break; sleep 0.1; done
  [ "$(skiff inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' "$id")" = "102400 $((102400 + layer))" ]
  [ "$(skiff container inspect --size -f '{{.SizeRw}}' done)" = 6 ]
  [ "$(skiff inspect -f '{{.SizeRw}}' done)" = "<no value>" ] # only when asked, as docker
  [[ $(skiff ps -s --format '{{.Size}}') == "102kB (virtual "*")" ]]
  run skiff ps -as
  [[ ${lines[0]} == *NAMES*SIZE ]]
  run skiff system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}'
  # docker's arithmetic: what active images share is not counted as used
  [ "${lines[0]}" = "Images|2|1|$(skiff images --format '{{.Size}}' "$IMG")|$(skiff images --format '{{.Size}}' "$IMG") (100%)" ]
  [ "${lines[1]}" = "Containers|2|1|102kB|6B (0%)" ]
  [ "${lines[2]}" = "Local Volumes|1|1|307kB|0B (0%)" ]
  [ "${lines[3]}" = "Build Cache|0|0|0B|0B" ]
  run skiff system df -v
  [ "$status" -eq 0 ]
  [[ $output == *"Images space usage:"*"Containers space usage:"*"Local Volumes space usage:"*"Build cache usage: 0B"* ]]
  size=$(skiff images --format '{{.Size}}' "$IMG")
  # both images share all of their one layer: nothing unique
  echo "$output" | grep -E "^localhost/other +1 +[0-9a-f]{12} +.+ +$size +$size +0B +0$"
  echo "$output" | grep -E "^localhost/busybox +latest +[0-9a-f]{12} +.+ +$size +$size +0B +2$"
  echo "$output" | grep -E "^${id:0:12} +localhost/busybox +\"sh -c dd if=/dev/ze…\" +1 +102kB "
  echo "$output" | grep -E '^v1 +1 +307kB$'
  run skiff system df --verbose --format '{{.Type}}'
  [ "$status" -ne 0 ]
  skiff rm -f "$id" done >/dev/null
  run skiff system df --format '{{.Type}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}'
  [ "${lines[1]}" = "Containers|0|0B|0B" ]
  [ "${lines[2]}" = "Local Volumes|0|307kB|307kB (100%)" ]
}

@test "images containers use: rmi refuses, -f only untags, prune keeps them, a running one cannot go" {
  iid=$(skiff image inspect -f '{{.Id}}' "$IMG")
  id=$(skiff create "$IMG" cat /etc/hostname)
  run skiff rmi "$IMG"
  [ "$status" -ne 0 ]
  [ "$output" = "Error: conflict: unable to remove repository reference \"$IMG\" (must force) - container ${id:0:12} is using its referenced image ${iid:7:12}" ]
  run skiff rmi "$iid"
  [[ $output == *"(must be forced) - image is being used by stopped container ${id:0:12}" ]]
  run skiff rmi -f "$IMG"
  [ "$output" = "Untagged: $IMG:latest" ]
  skiff image prune -af >/dev/null
  [ "$(skiff images -q --no-trunc)" = "$iid" ]     # dangling, kept for its container
  skiff start -a "$id"                              # its layers are all there
  skiff tag "$iid" "$IMG"
  id2=$(skiff run -d "$IMG" sleep 100)
  run skiff rmi -f "$iid"
  [[ $output == *"(cannot be forced) - image is being used by running container"* ]]
  skiff rm -f "$id" "$id2" >/dev/null
  skiff rmi "$IMG" >/dev/null
  [ -z "$(skiff images -q)" ]
  [ -z "$(ls "$T/root/image/layers")" ]
}

@test "a create or rm killed half-way: no half container, the litter is swept" {
  # what a killed create leaves: a directory without its record
  mkdir -p "$T/root/containers/$(printf '%064d' 7)/upper"
  touch -d '2 minutes ago' "$T/root/containers/$(printf '%064d' 7)"
  id=$(skiff create "$IMG" true)
  [ "$(skiff ps -aq --no-trunc)" = "$id" ]
  [ ! -e "$T/root/containers/$(printf '%064d' 7)" ]
  # rm removes the record first: killed right after that, the rest is litter
  rm "$T/root/containers/$id/config.json"
  [ -z "$(skiff ps -aq)" ]
  run skiff inspect "$id"
  [ "$status" -ne 0 ]
  touch -d '2 minutes ago' "$T/root/containers/$id"
  skiff ps -a >/dev/null
  [ ! -e "$T/root/containers/$id" ]
}

@test "--device: the node inside, the device cgroup lets it be opened" {
  run skiff run --rm --device /dev/zero:/dev/myzero "$IMG" sh -c 'ls -l /dev/myzero; head -c 4 /dev/myzero | od -An -tx1'
  [[ ${lines[0]} == "crw"*" 1,"*"5 "*"/dev/myzero" ]]
  [ "$(echo ${lines[1]})" = "00 00 00 00" ]
  run skiff run --rm "$IMG" sh -c 'mknod /dev/mem2 c 1 1 && head -c 1 /dev/mem2'
  [[ $output == *"Operation not permitted"* ]]    # not in the allow list: mknod yes, open no
  run -125 skiff run --rm --device /dev/nosuch "$IMG" true
  [[ $output == *'custom device "/dev/nosuch"'* ]]
}

@test "help for the container commands" {
  for c in run create start stop restart kill rm ps logs inspect wait attach pause unpause rename "container prune" "container ls" exec cp top stats port diff export events "volume create" "volume ls" "volume inspect" "volume rm" "volume prune"; do
    run "$SKIFF" $c --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage:  skiff"* ]]
  done
}

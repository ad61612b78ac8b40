#!/usr/bin/env bats
# The Docker Engine API (`skiff serve`) driven by the real clients: the docker
# CLI 28 (DOCKER_HOST=unix://...), docker-py and docker-compose 1.29 from
# Debian, and raw HTTP for what the clients never send (bad requests).
# Every test runs its own server on its own socket, root and runroot.

load helpers
bats_require_minimum_version 1.5.0

# the docker CLI 28 client this machine has (/usr/local/bin); Debian's
# docker.io puts a 20.10 client at /usr/bin/docker
DOCKER_CLI=${DOCKER_CLI:-/usr/local/bin/docker}

setup() {
  common_setup
  [[ -x $DOCKER_CLI ]] || skip "no docker CLI 28 at $DOCKER_CLI (set DOCKER_CLI)"
  SK=("$SKIFF" --root "$T/root" --runroot "$T/run")
  "${SK[@]}" import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    "$SKIFF_TEST_IMG/rootfs.tar" localhost/busybox:latest >/dev/null
  IMG=localhost/busybox
  SOCK=$T/d.sock
  serve_start
  export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$T/docker-config
  mkdir -p "$DOCKER_CONFIG"
}

serve_start() {
  rm -f "$T/serve.pid" # written once the server listens
  "${SK[@]}" serve -H "unix://$SOCK" --pidfile "$T/serve.pid" 2>"$T/serve.log" &
  SERVE_PID=$!
  BG_PIDS+=("$SERVE_PID")
  wait_for 5 test -S "$SOCK" -a -s "$T/serve.pid"
}

teardown() {
  local id
  for id in $(timeout 20 "${SK[@]}" ps -aq --no-trunc 2>/dev/null); do
    timeout 30 "${SK[@]}" rm -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(timeout 20 "${SK[@]}" network ls -q --filter type=custom 2>/dev/null); do
    timeout 20 "${SK[@]}" network rm "$id" >/dev/null 2>&1 || true
  done
  [[ -n ${COMPOSE_DIR:-} ]] && (cd "$COMPOSE_DIR" && timeout 60 docker-compose down -t 1 >/dev/null 2>&1 || true)
  for id in $(timeout 20 "${SK[@]}" volume ls -q 2>/dev/null); do
    timeout 20 "${SK[@]}" volume rm -f "$id" >/dev/null 2>&1 || true
  done
  common_teardown
}

# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
  local n=$1 i
  shift
  for ((i = 0; i < n * 10; i++)); do "$@" && return 0; sleep 0.1; done
  "$@"
}

docker() { timeout 60 "$DOCKER_CLI" "$@"; }
api() { curl -s --unix-socket "$SOCK" "$@"; }
skiff() { timeout 60 "${SK[@]}" "$@"; }

@test "api: version negotiation, /_ping's headers, errors as JSON" {
  run api -I -X HEAD http://d/_ping
  [[ $output == *"Api-Version: 1.51"* ]]
  [[ $output == *"Ostype: linux"* ]]
  [[ $output == *"Docker-Experimental: false"* ]]
  [ "$(api http://d/_ping)" = OK ]
  run api http://d/v1.52/version
  [[ $output == *'"message":"client version 1.52 is too new. Maximum supported API version is 1.51"'* ]]
  run api http://d/v1.12/version
  [[ $output == *"too old. Minimum supported API version is 1.24"* ]]
  [ "$(api http://d/v1.24/version | jq -r .ApiVersion)" = 1.51 ]
  [ "$(api http://d/version | jq -r .MinAPIVersion)" = 1.24 ]
  run docker version --format '{{.Server.APIVersion}}'
  [ "$status" -eq 0 ]
  [ "$output" = 1.51 ]
  run docker info --format '{{.Swarm.LocalNodeState}} {{.OSType}} {{.Containers}}'
  [ "$output" = "inactive linux 0" ]
  [ "$(docker info --format '{{.Images}} {{.CgroupDriver}} {{json .RegistryConfig.InsecureRegistryCIDRs}}')" = '1 cgroupfs ["::1/128","127.0.0.0/8"]' ]
  [ "$(api http://d/plugins)" = "[]" ]
  run api -w '%{http_code}' http://d/v1.51/containers/nosuch/json
  [[ $output == '{"message":"No such container: nosuch"}'*404 ]]
  run api -w '%{http_code}' http://d/nothing/here
  [[ $output == *404 ]]
}

@test "api: hostile requests get 4xx and one line, the server lives on" {
  run api -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"Image": ' \
    http://d/v1.51/containers/create
  [[ $output == *'"message":"invalid JSON'*400 ]]
  run api -w '%{http_code}' -X POST -d '[1,2]' http://d/containers/create
  [[ $output == *400 ]]
  # an unknown filter kind is refused even with nothing to filter
  run api -w '%{http_code}' -G --data-urlencode 'filters={"bogus":["1"]}' http://d/v1.51/containers/json
  [[ $output == *"invalid filter 'bogus'"*400 ]]
  run api -w '%{http_code}' -G --data-urlencode 'filters={"name":["x"],"nope":["1"]}' http://d/v1.51/volumes
  [[ $output == *"invalid filter 'nope'"*400 ]]
  # a head too large, a malformed line, smuggling, a bad chunk
  local big
  big=$(head -c 70000 /dev/zero | tr '\0' a)
  run api -w '%{http_code}' -H "X-Big: $big" http://d/_ping
  [[ $output == *431 ]]
  run bash -c "printf 'GET /_ping\r\n\r\n' | socat -t 2 - UNIX-CONNECT:$SOCK"
  [[ $output == *"400 Bad Request"* ]]
  run bash -c "printf 'POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n' | socat -t 2 - UNIX-CONNECT:$SOCK"
  [[ $output == *"400 Bad Request"* ]]
  run bash -c "printf 'POST /containers/create HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' | socat -t 2 - UNIX-CONNECT:$SOCK"
  [[ $output == *"400 Bad Request"* ]]
  run api -w '%{http_code}' -X POST "http://d/containers/create?name=bad%00name" -d '{}'
  [[ $output == *400 ]]
  # keep-alive: two requests on one connection
  run bash -c "printf 'GET /_ping HTTP/1.1\r\nHost: d\r\n\r\nGET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n' | socat -t 2 - UNIX-CONNECT:$SOCK"
  [ "$(grep -c '200 OK' <<<"$output")" -eq 2 ]
  kill -0 "$SERVE_PID"
  [ "$(api http://d/_ping)" = OK ]
}

@test "api: docker run: exit codes, streams, stdin, --rm, 404 for an image that is not there" {
  run --separate-stderr docker run --rm "$IMG" sh -c 'echo out; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = out ]
  [ "$stderr" = err ]
  [ -z "$(skiff ps -aq)" ]
  run bash -c "printf 'one\ntwo\n' | $DOCKER_CLI run --rm -i $IMG sh -c 'cat; echo end'"
  [ "$output" = "$(printf 'one\ntwo\nend')" ]
  run -127 docker run --rm "$IMG" /nonexistent
  [ "$status" -eq 127 ]
  run docker run --rm --pull never localhost/nosuch:1 true
  [ "$status" -eq 125 ]
  [[ $output == *"No such image"* ]]
  # a pty, driven through script(1)
  run timeout 30 script -qec "$DOCKER_CLI run --rm -it $IMG sh -c 'tty; exit 4'" /dev/null
  [ "$status" -eq 4 ]
  [[ $output == */dev/pts/0* ]]
}

@test "api: what the API creates skiff sees at once, and the reverse" {
  docker run -d --name from-api "$IMG" sleep 30
  [ "$(skiff inspect -f '{{.State.Running}}' from-api)" = true ]
  skiff run -d --name from-cli "$IMG" sleep 30
  run docker ps --format '{{.Names}}'
  [[ $output == *from-api* && $output == *from-cli* ]]
  docker stop -t 1 from-cli
  [ "$(skiff inspect -f '{{.State.Running}}' from-cli)" = false ]
  run docker ps -a --filter status=exited --format '{{.Names}}'
  [ "$output" = from-cli ]
}

@test "api: the seed workloads' docker commands verbatim" {
  # seed 000 (EC2): an internal network, containers with labels on it
  docker network create --internal --label skiff-test=ec2 ec2net
  run docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}'
  [[ $output =~ ^[0-9]+\.[0-9]+\.[0-9]+\.1$ ]]
  local id ip
  id=$(docker run -d --label skiff-test=ec2 --network ec2net "$IMG" sh -c 'echo booted; sleep 30')
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$id")
  [[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
  [ "$(docker inspect -f '{{.State.Running}}' "$id")" = true ]
  wait_for 5 bash -c "$DOCKER_CLI logs $id | grep -q booted"
  docker stop --time 10 "$id"
  [ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" = 137 ] ||
    [ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" = 143 ]
  docker restart "$id"
  [ "$(docker inspect -f '{{.State.Running}}' "$id")" = true ]
  docker kill "$id"
  docker rm -f "$id"
  # seed 001 (Lambda): create with an ephemeral port, copy the code in, start, call it
  mkdir -p "$T/task/sub" && echo handler-ok >"$T/task/index.html" && echo deep >"$T/task/sub/x"
  id=$(docker create -p :8080 --tmpfs /tmp:size=512m,exec --add-host host.docker.internal:198.18.0.1 \
    "$IMG" sh -c 'echo "#!/bin/sh" >/tmp/x && chmod +x /tmp/x && /tmp/x && exec httpd -f -p 8080 -h /var/task')
  docker cp "$T/task/." "$id:/var/task"
  docker start "$id"
  local port
  port=$(docker port "$id" 8080/tcp | head -n 1 | sed 's/.*://')
  [[ $port =~ ^[0-9]+$ ]]
  wait_for 5 curl -sf "http://127.0.0.1:$port/index.html"
  [ "$(curl -s "http://127.0.0.1:$port/index.html")" = handler-ok ]
  [ "$(curl -s "http://127.0.0.1:$port/sub/x")" = deep ]
  run docker exec "$id" grep host.docker.internal /etc/hosts
  [[ $output == "198.18.0.1"*"host.docker.internal" ]]
  docker cp "$id:/var/task/sub" "$T/back"
  [ "$(cat "$T/back/x")" = deep ]
  docker rm -f "$id"
  # wait and the exit code
  id=$(docker run -d "$IMG" sh -c 'exit 9')
  run docker wait "$id"
  [ "$output" = 9 ]
  docker tag "$IMG" localhost/other:2
  run docker images --format '{{.Repository}}:{{.Tag}}'
  [[ $output == *localhost/other:2* ]]
  docker network rm ec2net
}

@test "api: exec (streams, exit code, stdin, -it), attach, stats, top, events" {
  docker run -d --name wk "$IMG" sh -c 'trap "exit 0" TERM; while true; do sleep 0.1; done'
  run --separate-stderr docker exec wk sh -c 'echo o; echo e >&2; exit 7'
  [ "$status" -eq 7 ]
  [ "$output" = o ]
  [ "$stderr" = e ]
  [ "$(echo piped | docker exec -i wk cat)" = piped ]
  run timeout 30 script -qec "$DOCKER_CLI exec -it wk sh -c 'tty; exit 5'" /dev/null
  [ "$status" -eq 5 ]
  [[ $output == */dev/pts/* ]]
  run docker exec -d wk sh -c 'echo detached >/tmp/d'
  [ "$status" -eq 0 ]
  wait_for 5 docker exec wk test -s /tmp/d
  run docker stats --no-stream --format '{{.Name}} {{.PIDs}}' wk
  [[ $output =~ ^wk\ [0-9]+$ ]]
  run docker top wk
  [[ $output == *PID*"trap"* ]]
  # attach sees what a container prints after it
  docker run -d --name at "$IMG" sh -c 'sleep 1; echo late-line'
  run docker attach at
  [ "$output" = late-line ]
  # events of a container's life, in order
  local since
  since=$(date +%s)
  docker run --rm --name ev "$IMG" true
  run docker events --since "$since" --until "$(($(date +%s) + 1))" --filter type=container \
    --filter container=ev --format '{{.Action}}'
  [ "$(echo $output)" = "create attach start die destroy" ]
  # exec's events, with its exit code
  since=$(date +%s)
  run docker exec wk sh -c 'exit 3'
  run docker events --since "$since" --until "$(($(date +%s) + 1))" --filter container=wk \
    --filter event=exec_die --format '{{.Action}} {{.Actor.Attributes.exitCode}}'
  [ "$output" = "exec_die 3" ]
}

@test "api: docker create before start loses no output; logs, timestamps, follow" {
  local id
  id=$(docker create "$IMG" sh -c 'for i in 1 2 3; do echo line$i; done; echo err >&2')
  run docker start -a "$id"
  [ "$output" = "$(printf 'line1\nline2\nline3\nerr')" ]
  run --separate-stderr docker logs "$id"
  [ "$output" = "$(printf 'line1\nline2\nline3')" ]
  [ "$stderr" = err ]
  run docker logs --tail 1 "$id"
  [[ $output == err ]]
  run docker logs -t "$id"
  [[ ${lines[0]} =~ ^20[0-9-]+T[0-9:.]+Z\ line1$ ]]
  id=$(docker run -d "$IMG" sh -c 'echo a; sleep 1; echo b')
  run docker logs -f "$id"
  [ "$output" = "$(printf 'a\nb')" ]
}

@test "api: volumes, networks connect/disconnect, rename, pause, prune" {
  docker volume create --label k=v vol1
  [ "$(docker volume inspect -f '{{.Labels.k}}' vol1)" = v ]
  docker run --rm -v vol1:/data "$IMG" sh -c 'echo kept >/data/f'
  [ "$(docker run --rm -v vol1:/data "$IMG" cat /data/f)" = kept ]
  docker network create n1
  docker run -d --name c1 "$IMG" sleep 30
  docker network connect --alias svc n1 c1
  run docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' c1
  [[ $output == *bridge* && $output == *n1* ]]
  docker network disconnect n1 c1
  # disk usage: what c1 wrote (size=1 on inspect and list), vol1 and its user
  docker exec c1 dd if=/dev/zero of=/w bs=1k count=100 2>/dev/null
  docker run -d --name du -v vol1:/data "$IMG" sleep 30
  [ "$(docker inspect -s -f '{{.SizeRw}}' c1)" = 102400 ]
  [[ $(docker ps -s --filter name=c1 --format '{{.Size}}') == "102kB (virtual "*")" ]]
  run docker system df --format '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}}'
  [[ ${lines[1]} == "Containers 2 2 102.4kB" && ${lines[2]} == "Local Volumes 1 1 5B" ]]
  docker system df -v | grep -E '^vol1 +1 +5B$'
  [ "$(api http://d/v1.41/system/df | jq -c '[.LayersSize == (.Images[0].Size), .Images[0].SharedSize, .Images[0].Containers]')" = "[true,0,2]" ]
  docker rm -f du
  [ "$(docker image history --format '{{.ID}} {{.Size}}' "$IMG")" = "$(docker images --format '{{.ID}} {{.Size}}' "$IMG")" ]
  docker run -d --name sig "$IMG" sh -c 'trap "exit 7" USR1; while true; do sleep 0.1; done'
  docker stop -s USR1 -t 5 sig
  [ "$(docker inspect -f '{{.State.ExitCode}}' sig)" = 7 ]
  docker rm sig
  docker rename c1 c2
  docker pause c2
  [ "$(docker inspect -f '{{.State.Status}}' c2)" = paused ]
  docker unpause c2
  docker rm -f c2
  run docker volume rm vol1
  [ "$status" -eq 0 ]
  # the local driver's options: a host directory
  mkdir -p "$T/hv"
  docker volume create -o type=none -o o=bind -o device="$T/hv" hv
  docker run --rm -v hv:/d "$IMG" sh -c 'echo x >/d/f'
  [ "$(cat "$T/hv/f")" = x ]
  docker volume rm hv
  [ "$(cat "$T/hv/f")" = x ]
  docker run --name dead "$IMG" true
  run docker container prune -f
  [[ $output == *Deleted* ]]
  [ -z "$(skiff ps -aq)" ]
  docker network rm n1
  # the host's PID and UTS namespaces (HostConfig.PidMode, UTSMode)
  [ "$(docker run --rm --pid host "$IMG" cat /proc/1/comm)" = "$(cat /proc/1/comm)" ]
  [ "$(docker run --rm --uts host "$IMG" hostname)" = "$(hostname)" ]
  [ "$(docker run --rm --cgroupns host "$IMG" cat /proc/self/cgroup | grep -c /skiff/)" -ge 1 ]
  # docker run -v /path: an anonymous volume (Config.Volumes), as the image's VOLUMEs get
  docker run --name dead2 -v /anon "$IMG" sh -c 'echo x >/anon/f'
  anon=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Type}} {{.Name}}{{end}}{{end}}' dead2)
  [[ $anon =~ ^volume\ [0-9a-f]{64}$ ]]
  # system prune: containers, networks, dangling images, anonymous volumes, the (empty) build cache
  run docker system prune -f --volumes
  [ "$status" -eq 0 ]
  [[ $output == *"Deleted Containers:"* && $output == *"Deleted Volumes:"*"${anon#volume }"* && $output == *"Total reclaimed space:"* ]]
  [ -z "$(skiff ps -aq)" ]
  # IPv6 through the docker CLI: --ipv6 --subnet, --ip6, the published pair
  docker network create --ipv6 --subnet fd5e:7::/64 n6
  [ "$(docker network inspect n6 -f '{{.EnableIPv6}} {{range .IPAM.Config}}{{.Subnet}} {{end}}' | awk '{print $1, $3}')" = "true fd5e:7::/64" ]
  docker run -d --name c6 --network n6 --ip6 fd5e:7::42 -p 18097:80 "$IMG" sleep 30
  [ "$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}} {{.IPv6Gateway}}{{end}}' c6)" = "fd5e:7::42 fd5e:7::1" ]
  [ "$(docker port c6 80 | tail -1)" = "[::]:18097" ]
  docker rm -f c6
  docker network rm n6
  # the docker CLI's --mac-address (EndpointsConfig.MacAddress), a host port range, the MTU option
  docker network create -o com.docker.network.driver.mtu=1400 nm
  docker run -d --name cm --network nm --mac-address 92:d0:c6:0a:29:40 -p 127.0.0.1:18141-18142:80 "$IMG" sleep 30
  [ "$(docker exec cm cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu | tr '\n' ' ')" = "92:d0:c6:0a:29:40 1400 " ]
  [ "$(docker port cm 80)" = 127.0.0.1:18141 ]
  docker rm -f cm
  docker network rm nm
  # prune filters (label, until) for networks and images
  docker network create --label gone=yes n2
  docker network create n3
  run docker network prune -f --filter label=gone=yes
  [[ $output == *n2* && $output != *n3* ]]
  run docker network prune -f --filter until=1h
  [[ $output != *n3* ]]
  docker network rm n3
  docker tag "$IMG" pr/one:1
  run docker image prune -af --filter label=nosuch=1
  [[ $output != *pr/one* ]]
  run docker image prune -af --filter until=1h
  [[ $output != *pr/one* ]]
  docker rmi pr/one:1
}

@test "api: pull from a registry on 127.0.0.1 streams progress; push-free round trip with save/load" {
  source "$BATS_TEST_DIRNAME/../image/registry.bash"
  registry_start "$T/reg"
  BG_PIDS+=("$REG_PID")
  skopeo copy -q --dest-tls-verify=false "docker-archive:$(mk_archive)" "docker://$REG/test/bb:1" >/dev/null
  docker rmi "$IMG" # its layer too: the pull downloads it
  run docker pull "$REG/test/bb:1"
  [ "$status" -eq 0 ]
  [[ $output == *"Pull complete"* ]]
  [[ $output == *"Status: Downloaded newer image for $REG/test/bb:1"* ]]
  run docker run --rm "$REG/test/bb:1" echo pulled
  [ "$output" = pulled ]
  docker save -o "$T/bb.tar" "$REG/test/bb:1"
  docker rmi "$REG/test/bb:1"
  run docker load -i "$T/bb.tar"
  [[ $output == *"Loaded image: $REG/test/bb:1"* ]]
  # an empty tag means every tag (docker pull --all-tags)
  skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$REG/test/bb:1" "docker://$REG/test/bb:2" >/dev/null
  run docker pull -a "$REG/test/bb"
  [ "$status" -eq 0 ]
  [[ $output == *"1: Pulling from test/bb"* || $output == *"$REG/test/bb:1"* ]]
  [ "$(docker image inspect -f '{{.Id}}' "$REG/test/bb:2")" = "$(docker image inspect -f '{{.Id}}' "$REG/test/bb:1")" ]
  # a load that fails: 200 with the error in the stream, as docker's; the CLI fails
  head -c 3000 /dev/urandom >"$T/junk.tar"
  run docker load -i "$T/junk.tar"
  [ "$status" -ne 0 ]
  [[ $output == *"load"* ]]
  run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST --data-binary @"$T/junk.tar" http://d/v1.51/images/load
  [ "$output" = 200 ]
  registry_stop
}

mk_archive() {
  skiff save -o "$T/seed.tar" "$IMG" >/dev/null && echo "$T/seed.tar"
}

@test "api: the server's end: SIGTERM removes socket and pidfile, containers run on" {
  docker run -d --name keep "$IMG" sleep 60
  kill -TERM "$SERVE_PID"
  wait_for 10 bash -c "! kill -0 $SERVE_PID 2>/dev/null"
  [ ! -e "$SOCK" ]
  [ ! -e "$T/serve.pid" ]
  [ "$(skiff inspect -f '{{.State.Running}}' keep)" = true ]
  # killed hard, it leaves its socket; the next server takes the place
  serve_start
  kill -KILL "$SERVE_PID"
  wait_for 10 bash -c "! kill -0 $SERVE_PID 2>/dev/null"
  # its workers went with it: nothing listens on the socket
  wait_for 5 bash -c "! ss -xlp | grep -qF '$SOCK'"
  serve_start
  [ "$(docker inspect -f '{{.State.Running}}' keep)" = true ]
  # a second server on the same socket is refused
  run "${SK[@]}" serve -H "unix://$SOCK"
  [ "$status" -eq 125 ]
  [[ $output == *"another server is listening there"* ]]
}

@test "api: a worker serves connection after connection; killed workers are replaced" {
  workers() { pgrep -P "$SERVE_PID" | sort -n | paste -sd' '; }
  # the same processes as in $1, and at most one spare more (a worker still
  # closing its last connection counts as busy: on a slow run, such as under
  # ASan, the next connection's worker may find one spare and fork another)
  same_workers() {
    local now gone new
    now=$(workers)
    gone=$(comm -23 <(tr ' ' '\n' <<<"$1" | sort) <(tr ' ' '\n' <<<"$now" | sort) | wc -l)
    new=$(comm -13 <(tr ' ' '\n' <<<"$1" | sort) <(tr ' ' '\n' <<<"$now" | sort) | wc -l)
    [ "$gone" -eq 0 ] && [ "$new" -le 1 ] || { echo "workers were: $1; now: $now"; false; }
  }
  for i in 1 2 3; do [ "$(api http://d/_ping)" = OK ]; done
  sleep 0.5
  local before
  before=$(workers)
  [ -n "$before" ]
  # requests one after the other, each on a connection of its own as the
  # docker CLI makes them: the same processes serve them, none is forked
  for i in $(seq 20); do [ "$(api http://d/_ping)" = OK ]; done
  same_workers "$before"
  docker run -d --name w1 "$IMG" sleep 60
  [ "$(docker inspect -f '{{.State.Running}}' w1)" = true ]
  sleep 0.5
  before=$(workers)
  # a hijacked connection (exec) is its worker's last
  [ "$(docker exec w1 echo hi)" = hi ]
  sleep 0.5
  local after
  after=$(workers)
  [ "$after" != "$before" ]
  [ "$(echo "$after" | wc -w)" -le 7 ]
  for i in $(seq 20); do [ "$(api http://d/_ping)" = OK ]; done
  sleep 0.2
  same_workers "$after"
  # what another process changes is seen by a worker opened before it
  skiff rename w1 w2
  [ "$(api http://d/containers/w2/json | jq -r .Name)" = /w2 ]
  # workers killed outright are replaced; the next request is served
  # shellcheck disable=SC2046
  kill -KILL $(workers)
  [ "$(timeout 10 curl -s --unix-socket "$SOCK" http://d/_ping)" = OK ]
  [ "$(docker inspect -f '{{.State.Running}}' w2)" = true ]
  kill -0 "$SERVE_PID"
}

@test "api: docker-py drives containers" {
  /usr/bin/python3 -c 'import docker' 2>/dev/null || skip "python3-docker is not installed"
  run /usr/bin/python3 - "$SOCK" "$IMG" <<'PY'
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1], version="auto")
img = sys.argv[2]
assert c.ping()
out = c.containers.run(img, ["sh", "-c", "echo hi-from-py"], remove=True)
assert out == b"hi-from-py\n", out
ct = c.containers.run(img, ["sleep", "30"], detach=True, labels={"via": "py"})
assert ct.status in ("created", "running")
code, o = ct.exec_run(["sh", "-c", "echo $0", "x"])
assert code == 0 and o == b"x\n", (code, o)
assert [x.id for x in c.containers.list(filters={"label": "via=py"})] == [ct.id]
ct.kill()
assert ct.wait()["StatusCode"] == 137
ct.remove()
assert any("localhost/busybox:latest" in i.tags for i in c.images.list())
# a terminal's size, set while it runs (3 s: a slow start under ASan); attach with logs=1 replays the output
import time
t = c.containers.run(img, ["sh", "-c", "echo early; sleep 3; stty size"], detach=True, tty=True)
time.sleep(0.3)
t.resize(height=33, width=101)
assert t.wait()["StatusCode"] == 0
assert b"33 101" in t.logs(), t.logs()
assert b"early" in t.attach(logs=True, stream=False)
t.remove()
print("py-ok")
PY
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *py-ok* ]]
}

@test "api: docker-compose 1.29: health and completion ordering, up and down" {
  command -v docker-compose >/dev/null || skip "docker-compose is not installed"
  COMPOSE_DIR=$T/proj
  mkdir -p "$COMPOSE_DIR"
  cat >"$COMPOSE_DIR/docker-compose.yml" <<YML
version: "2.4"
services:
  db:
    image: $IMG
    command: sh -c 'sleep 1; touch /tmp/ready; exec sleep 300'
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 2s
      retries: 20
    networks: [back]
  migrate:
    image: $IMG
    command: sh -c 'echo migrated'
    depends_on:
      db:
        condition: service_healthy
    networks: [back]
  app:
    image: $IMG
    command: sh -c 'ping -c 1 -W 2 db >/dev/null && echo app-reached-db; exec sleep 300'
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
    networks: [back]
networks:
  back: {}
YML
  cd "$COMPOSE_DIR"
  run timeout 120 docker-compose up -d
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(docker inspect -f '{{.State.Health.Status}}' proj_db_1)" = healthy ]
  [ "$(docker inspect -f '{{.State.ExitCode}}' proj_migrate_1)" = 0 ]
  wait_for 10 bash -c "$DOCKER_CLI logs proj_app_1 | grep -q app-reached-db"
  # started after migrate finished
  local m a
  m=$(docker inspect -f '{{.State.FinishedAt}}' proj_migrate_1)
  a=$(docker inspect -f '{{.State.StartedAt}}' proj_app_1)
  [[ $a > $m ]]
  run timeout 120 docker-compose down -t 1
  [ "$status" -eq 0 ]
  [ -z "$(skiff ps -aq)" ]
  run docker network ls --format '{{.Name}}'
  [[ $output != *proj_back* ]]
}

@test "api: dockerode (npm) creates, attaches, starts, reads logs, execs, inspects, removes" {
  local dir=$BATS_TEST_DIRNAME/../clients
  command -v node >/dev/null || skip "node is not installed"
  [[ -d $dir/node_modules/dockerode ]] || skip "dockerode is not installed (npm ci --prefix tests/clients)"
  run timeout 60 node "$dir/dockerode.js" "$SOCK" "$IMG"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *dockerode-ok* ]]
  [ -z "$(skiff ps -aq)" ]
}

# cg_file PID CONTROLLER V1FILE V2FILE: the path of a container's cgroup file
@test "api: docker update sets limits on the running container and the restart policy" {
  docker run -d --name upd "$IMG" sleep 60
  docker update --memory 64m --memory-swap 128m --pids-limit 50 --restart on-failure:2 upd
  run docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' upd
  [ "$output" = "67108864 50 on-failure 2" ]
  local pid
  pid=$(docker inspect -f '{{.State.Pid}}' upd)
  [ "$(cat "$(cg_file "$pid" memory memory.limit_in_bytes memory.max)")" = 67108864 ]
  [ "$(cat "$(cg_file "$pid" pids pids.max pids.max)")" = 50 ]
  run docker update --memory 1k upd
  [ "$status" -ne 0 ]
  [[ $output == *"6MB"* ]]
}

@test "api: docker cp into a container: root's files unless -a, .wh. names are plain files" {
  docker run -d --name cpt "$IMG" sh -c 'mkdir -p /dst/keep && echo old >/dst/keep/x && exec sleep 60'
  mkdir -p "$T/src/d"
  echo data >"$T/src/d/f"
  echo literal >"$T/src/d/.wh.keep"
  chown -R 1234:2345 "$T/src/d"
  docker cp "$T/src/d" cpt:/dst
  run docker exec cpt stat -c '%u:%g %n' /dst/d/f /dst/d/.wh.keep
  [ "${lines[0]}" = "0:0 /dst/d/f" ]
  [ "${lines[1]}" = "0:0 /dst/d/.wh.keep" ]
  [ "$(docker exec cpt cat /dst/d/.wh.keep)" = literal ]
  [ "$(docker exec cpt cat /dst/keep/x)" = old ]
  docker cp -a "$T/src/d/f" cpt:/dst/kept
  [ "$(docker exec cpt stat -c '%u:%g' /dst/kept)" = 1234:2345 ]
  # and back out, through GET /archive
  docker cp cpt:/dst/d "$T/back"
  [ "$(cat "$T/back/.wh.keep")" = literal ]
}

@test "api: testcontainers-node (npm): exposed port, log wait, exec, stop" {
  local dir=$BATS_TEST_DIRNAME/../clients
  command -v node >/dev/null || skip "node is not installed"
  [[ -d $dir/node_modules/testcontainers ]] || skip "testcontainers is not installed (npm ci --prefix tests/clients)"
  TESTCONTAINERS_RYUK_DISABLED=true run timeout 90 node "$dir/testcontainers.js" "$IMG"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *testcontainers-ok* ]]
  [ -z "$(skiff ps -aq)" ]
}

#!/usr/bin/env bats
# Networks: the default bridge, user-defined networks, isolation, --internal,
# published ports (tcp, udp, ephemeral, -P, in use), addresses that survive
# stop/start, 50 concurrent leases, and teardown that leaves nothing behind.
# Traffic goes only to 127.0.0.1, to this test's containers, and to a test
# host in a namespace of this test on 198.18.0.0/24.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  common_setup
  SK=("$SKIFF" --root "$T/root" --runroot "$T/run")
  skiff import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'EXPOSE 80' \
    "$SKIFF_TEST_IMG/rootfs.tar" localhost/busybox:latest >/dev/null
  IMG=localhost/busybox
  mkdir -p "$T/www"
  echo hello-from-skiff >"$T/www/index.html"
  NS= VH=
}

teardown() {
  local id
  for id in $("${SK[@]}" ps -aq --no-trunc 2>/dev/null); do
    timeout 30 "${SK[@]}" rm -f "$id" >/dev/null 2>&1 || true
  done
  test_host_down
  ip link del "sko$$" 2>/dev/null || true # the MTU test's own bridge
  common_teardown
}

skiff() { timeout 60 "${SK[@]}" "$@"; }

ip_of() { skiff inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$1" | awk '{print $1}'; }

# busybox httpd serving $T/www on port 80 of a new container
web() { skiff run -d -v "$T/www:/www:ro" "$@" "$IMG" httpd -f -p 80 -h /www; }

# A test host outside every bridge: 198.18.0.2 in a namespace of ours,
# serving HTTP, reached from the host through a veth (198.18.0.1).
test_host_up() {
  NS=skt$$ VH=skth$$
  ip netns add "$NS"
  ip link add "$VH" type veth peer name sktn$$
  ip link set sktn$$ netns "$NS"
  ip addr add 198.18.0.1/24 dev "$VH" && ip link set "$VH" up
  ip -n "$NS" addr add 198.18.0.2/24 dev sktn$$
  ip -n "$NS" link set sktn$$ up && ip -n "$NS" link set lo up
  ip -n "$NS" route add default via 198.18.0.1
  ip netns exec "$NS" busybox httpd -p 80 -h "$T/www"
}

test_host_down() {
  if [[ -n ${NS:-} ]]; then
    ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
    netns_del "$NS"
  fi
  if [[ -n ${VH:-} ]]; then ip link del "$VH" 2>/dev/null || true; fi
  NS= VH=
  return 0
}

# what this instance has in the kernel: its veths, its table, its namespaces
kernel_state() {
  local h
  h=$(root_hash "$T/root")
  { ip -o link show | awk -F': ' '{print $2}' | grep -E "^veth|^br-|^sk$h" | sed 's/@.*//' | sort; } || true
  { nft list table inet "skiff_$h" 2>/dev/null | grep -vE '^\s*$'; } || true
  ls "$T/run/netns" 2>/dev/null || true
}

@test "the default bridge: an address, a gateway, a route out, docker's inspect fields" {
  run skiff run --rm "$IMG" sh -c 'ip -4 -o addr show eth0; ip route; cat /etc/hosts'
  [ "$status" -eq 0 ]
  [[ $output == *"inet 172."*"/"*"eth0"* ]]
  [[ $output == *"default via 172."* ]]
  gw=$(skiff network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
  [[ $gw == 172.*.0.1 ]]
  id=$(skiff run -d "$IMG" sleep 100)
  j=$(skiff inspect "$id")
  [ "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$j")" = bridge ]
  [ "$(jq -r '.[0].NetworkSettings.Networks.bridge.Gateway' <<<"$j")" = "$gw" ]
  [ "$(jq -r '.[0].NetworkSettings.Networks.bridge.IPAddress' <<<"$j")" = "$(jq -r '.[0].NetworkSettings.IPAddress' <<<"$j")" ]
  [[ $(jq -r '.[0].NetworkSettings.MacAddress' <<<"$j") == 02:42:* ]]
  [[ $(jq -r '.[0].NetworkSettings.SandboxKey' <<<"$j") == "$T/run/netns/$id" ]]
  ip=$(ip_of "$id")
  # the container's own name in its /etc/hosts, the gateway answers
  run skiff exec "$id" sh -c "grep -w ${id:0:12} /etc/hosts; ping -c1 -W2 $gw >/dev/null && echo pong"
  [[ $output == *"$ip"*"${id:0:12}"*pong* ]]
  [ "$(skiff network inspect bridge -f "{{(index .Containers \"$id\").IPv4Address}}")" = "$ip/16" ]
  skiff network ls | grep -qE ' bridge +bridge +local'
  [ "$(skiff network ls -q | wc -l)" -eq 3 ]
  run skiff network rm bridge
  [ "$status" -ne 0 ]
  [[ $output == *"bridge is a pre-defined network and cannot be removed"* ]]
}

@test "one network: containers reach each other; another network: they do not" {
  skiff network create --label a=b net1 >/dev/null
  skiff network create net2 >/dev/null
  [ "$(skiff network inspect net1 -f '{{.Labels.a}} {{.Internal}} {{.Driver}}')" = "b false bridge" ]
  run skiff network create -o 'com.docker.network.bridge.name=x" accept' bad
  [ "$status" -ne 0 ]
  [[ $output == *"invalid bridge name"* ]]
  run skiff network create net1
  [[ $output == *"network with name net1 already exists"* ]]
  a=$(web --network net1)
  b=$(skiff run -d --network net1 "$IMG" sleep 100)
  c=$(skiff run -d --network net2 "$IMG" sleep 100)
  ipa=$(ip_of "$a")
  run skiff exec "$b" sh -c "timeout 5 wget -q -O- http://$ipa/; exit \$?"
  [ "$status" -eq 0 ]
  [ "$output" = hello-from-skiff ]
  run skiff exec "$c" sh -c "timeout 3 wget -q -O- http://$ipa/; exit \$?"
  [ "$status" -ne 0 ]
  # the default bridge is another network too
  d=$(skiff run -d "$IMG" sleep 100)
  run skiff exec "$d" sh -c "timeout 3 wget -q -O- http://$ipa/; exit \$?"
  [ "$status" -ne 0 ]
  run skiff network rm net1
  [ "$status" -ne 0 ]
  [[ $output == *"has active endpoints"* ]]
}

@test "--internal: no way out of the bridge; a normal network reaches the test host" {
  test_host_up
  skiff network create --internal --label a=b inet >/dev/null
  [ "$(skiff network inspect inet -f '{{.Internal}}')" = true ]
  run skiff run --rm "$IMG" sh -c 'timeout 5 wget -q -O- http://198.18.0.2/; exit $?'
  [ "$status" -eq 0 ]
  [ "$output" = hello-from-skiff ]
  run skiff run --rm --network inet "$IMG" sh -c 'ip route; timeout 3 wget -q -O- http://198.18.0.2/; exit $?'
  [ "$status" -ne 0 ]
  [[ $output != *default* ]]
  [[ $output != *hello-from-skiff* ]]
  # containers on it still reach each other
  a=$(web --network inet)
  run skiff run --rm --network inet "$IMG" sh -c "timeout 5 wget -q -O- http://$(ip_of "$a")/; exit \$?"
  [ "$output" = hello-from-skiff ]
}

# From the namespace of the container with pid $1: a connected UDP socket's
# IP_MTU towards $2, then three datagrams of $3 bytes to $2:9999 (none for 0).
udp_to() {
  nsenter -t "$1" -n python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], 9999))
print(s.getsockopt(socket.IPPROTO_IP, 14))  # IP_MTU
for _ in range(3 if int(sys.argv[2]) else 0):
    s.send(b"x" * int(sys.argv[2]))' "$2" "$3"
}

@test "MTU: 65535 on the bridge and veths, 1500 by the default route (datagrams to a test host arrive); -o com.docker.network.driver.mtu" {
  test_host_up
  ip netns exec "$NS" timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 9999))
print(len(s.recv(65535)), flush=True)' >"$T/udp.out" &
  local rcv=$!
  br=sk$(root_hash "$T/root")
  a=$(skiff run -d "$IMG" sleep 100)
  pid=$(skiff inspect -f '{{.State.Pid}}' "$a")
  [ "$(cat /sys/class/net/$br/mtu)" = 65535 ]
  [ "$(skiff exec "$a" cat /sys/class/net/eth0/mtu)" = 65535 ]
  gw=$(skiff network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
  # to the host's side of the bridge: the link's MTU; out of the host: 1500,
  # and a 4000-byte datagram leaves in fragments the test host puts together
  # (sent whole with DF, it would be dropped where the host forwards it)
  run udp_to "$pid" "$gw" 0
  [ "$output" = 65535 ]
  run udp_to "$pid" 198.18.0.2 4000
  wait "$rcv" || true
  [ "$(cat "$T/udp.out")" = 4000 ]
  [ "$status" -eq 0 ]
  [ "$output" = 1500 ]
  [[ $(nsenter -t "$pid" -n ip route show default) == *" mtu 1500"* ]]
  # TCP through a published port on 127.0.0.1 still works at this MTU, whole
  head -c 3000000 /dev/urandom >"$T/www/big"
  w=$(web -p 127.0.0.1::80)
  port=$(skiff port "$w" 80/tcp | sed 's/.*://')
  curl -sf "http://127.0.0.1:$port/big" -o "$T/big.got"
  cmp "$T/www/big" "$T/big.got"
  # the bridge keeps its MTU when its last port leaves
  skiff rm -f "$a" "$w" >/dev/null
  [ "$(cat /sys/class/net/$br/mtu)" = 65535 ]
  # docker's option: that MTU for the bridge and the veths, no cap on the route
  skiff network create -o com.docker.network.driver.mtu=1400 m14 >/dev/null
  [ "$(skiff network inspect m14 -f '{{index .Options "com.docker.network.driver.mtu"}}')" = 1400 ]
  b=$(skiff run -d --network m14 "$IMG" sleep 100)
  pid=$(skiff inspect -f '{{.State.Pid}}' "$b")
  [ "$(skiff exec "$b" cat /sys/class/net/eth0/mtu)" = 1400 ]
  [[ $(nsenter -t "$pid" -n ip route show default) != *mtu* ]]
  [ "$(cat "/sys/class/net/$(skiff network inspect m14 -f '{{index .Options "com.docker.network.bridge.name"}}')/mtu")" = 1400 ]
  run skiff network create -o com.docker.network.driver.mtu=10 m10
  [ "$status" -ne 0 ]
  [[ $output == *'invalid MTU "10": a number from 68 to 65535'* ]]
  run skiff network create -o com.docker.network.driver.mtu=big m10
  [[ $output == *'invalid MTU "big"'* ]]
  run skiff network create --ipv6 --subnet fd5e:1::/64 -o com.docker.network.driver.mtu=1000 m10
  [ "$status" -ne 0 ]
  [[ $output == *"IPv6 needs an MTU of at least 1280 (not 1000)"* ]]
  run skiff network ls -q -f name=m10
  [ -z "$output" ]
  # a bridge that was there (as an older skiff left one): its 1500 kept, the
  # veths take it, nothing to cap
  ip link add "sko$$" type bridge
  skiff network create -o "com.docker.network.bridge.name=sko$$" old >/dev/null
  c=$(skiff run -d --network old "$IMG" sleep 100)
  pid=$(skiff inspect -f '{{.State.Pid}}' "$c")
  [ "$(cat "/sys/class/net/sko$$/mtu")" = 1500 ]
  [ "$(skiff exec "$c" cat /sys/class/net/eth0/mtu)" = 1500 ]
  [[ $(nsenter -t "$pid" -n ip route show default) != *mtu* ]]
}

# libnftables as it answers on a kernel without nf_tables (an iptables-only
# host; this machine's kernel has nf_tables, so the library stands in): every
# command fails with the message nft prints there.
fake_nftables() {
  mkdir -p "$T/fakenft"
  cat >"$T/fakenft/nft.c" <<'C'
struct nft_ctx { int unused; };
static struct nft_ctx ctx;
struct nft_ctx *nft_ctx_new(unsigned f) { (void)f; return &ctx; }
void nft_ctx_free(struct nft_ctx *c) { (void)c; }
int nft_ctx_buffer_output(struct nft_ctx *c) { (void)c; return 0; }
int nft_ctx_buffer_error(struct nft_ctx *c) { (void)c; return 0; }
const char *nft_ctx_get_output_buffer(struct nft_ctx *c) { (void)c; return ""; }
const char *nft_ctx_get_error_buffer(struct nft_ctx *c)
{
  (void)c;
  return "Error: Could not process rule: Operation not supported\nadd table inet skiff\n^^^^^^^^\n";
}
void nft_ctx_output_set_flags(struct nft_ctx *c, unsigned f) { (void)c; (void)f; }
int nft_run_cmd_from_buffer(struct nft_ctx *c, const char *b) { (void)c; (void)b; return -1; }
C
  cc -shared -fPIC -o "$T/fakenft/libnftables.so.1" "$T/fakenft/nft.c"
}

@test "a host without nf_tables: a clear error, nothing left behind; --network none and host still run" {
  fake_nftables
  before=$(kernel_state)
  run env LD_LIBRARY_PATH="$T/fakenft" "${SK[@]}" network create nonft
  [ "$status" -ne 0 ]
  [[ $output == *"nftables: Error: Could not process rule: Operation not supported (skiff's networks need the kernel's nf_tables; an iptables-only host can use --network none or host)"* ]]
  run env LD_LIBRARY_PATH="$T/fakenft" "${SK[@]}" run --rm "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"skiff's networks need the kernel's nf_tables"* ]]
  [ "$(env LD_LIBRARY_PATH="$T/fakenft" "${SK[@]}" run --rm --network none "$IMG" echo none-ok)" = none-ok ]
  [ "$(env LD_LIBRARY_PATH="$T/fakenft" "${SK[@]}" run --rm --network host "$IMG" echo host-ok)" = host-ok ]
  # no bridge, table or namespace made (the next command without the stand-in
  # makes the default bridge: so this first), no container, no network
  [ "$(kernel_state)" = "$before" ]
  [ "$(skiff ps -aq)" = "" ]
  [ -d "$T/root/networks" ]
  [ -z "$(ls "$T/root/networks" | grep -v '^lock$')" ]
}

@test "IPv6: network create --ipv6, addresses, --ip6, names (AAAA), published ports, NAT66 to a test host" {
  test_host_up
  ip addr add fdff:18::1/64 dev "$VH" nodad
  ip -n "$NS" addr add fdff:18::2/64 dev sktn$$ nodad
  ip -n "$NS" route add default via fdff:18::1
  skiff network create --ipv6 --subnet fd5e:1::/64 --subnet 10.231.0.0/24 v6 >/dev/null
  [ "$(skiff network inspect v6 -f '{{.EnableIPv6}}')" = true ]
  [ "$(skiff network inspect v6 -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}} {{end}}')" = "10.231.0.0/24 10.231.0.1 fd5e:1::/64 fd5e:1::1 " ]
  # a subnet of its own when none is given: a /64 of a unique local /48, never the uplink's
  skiff network create --ipv6 v6auto >/dev/null
  auto=$(skiff network inspect v6auto -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' | awk '{print $2}')
  [[ $auto =~ ^fd[0-9a-f]{2}:[0-9a-f:]+::/64$ ]]
  [[ $auto != fd00::/64 ]]
  run skiff network create --subnet fd5e:1:0:0:8000::/65 v6over
  [ "$status" -ne 0 ]
  [[ $output == *"overlaps network \"v6\""* ]]
  # addresses: the lowest free one, or --ip6; the gateway, the prefix
  a=$(web --name a6 --network v6)
  b=$(skiff run -d --name b6 --network v6 --ip6 fd5e:1::99 "$IMG" sleep 300)
  [ "$(skiff inspect a6 -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}/{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}')" = "fd5e:1::2/64 fd5e:1::1" ]
  [ "$(skiff inspect b6 -f '{{.NetworkSettings.Networks.v6.GlobalIPv6Address}}')" = fd5e:1::99 ]
  skiff network inspect v6 -f '{{range .Containers}}{{.IPv6Address}} {{end}}' | grep -q "fd5e:1::99/64"
  # over IPv6 by address and by name (AAAA from the name server), and /etc/hosts
  run skiff exec b6 sh -c 'timeout 5 wget -q -O- "http://[fd5e:1::2]/"; exit $?'
  [ "$output" = hello-from-skiff ]
  run skiff exec b6 nslookup -type=AAAA a6 127.0.0.11
  [[ $output == *"fd5e:1::2"* ]]
  run skiff exec b6 ping -6 -c1 -W3 a6
  [ "$status" -eq 0 ]
  skiff exec b6 cat /etc/hosts | grep -q "^fd5e:1::99"
  # published: 0.0.0.0 and :: (docker's pair), reached on 127.0.0.1 and the host's IPv6
  # address by DNAT (::1 by the monitor: see the next test); udp on :: of a container
  # without IPv6 has neither
  p=$(web --network v6 -p 18093:80)
  run skiff port "$p" 80
  [ "${lines[0]}" = 0.0.0.0:18093 ]
  [ "${lines[1]}" = "[::]:18093" ]
  run curl -sf --max-time 5 http://127.0.0.1:18093/
  [ "$output" = hello-from-skiff ]
  run curl -sf --max-time 5 -g "http://[fd5e:1::1]:18093/"
  [ "$output" = hello-from-skiff ]
  run skiff run --rm --network bridge -p '[::]:18095:80/udp' "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"has no IPv6 address"* ]]
  run skiff run --rm --network v6auto --ip6 fd5e:1::5 "$IMG" true
  [[ $output == *"not a host address"* ]]
  # out through NAT66 to a test host, and the address kept across stop and start
  run skiff exec b6 sh -c 'timeout 5 wget -q -O- "http://[fdff:18::2]/"; exit $?'
  [ "$output" = hello-from-skiff ]
  skiff stop -t 1 a6 >/dev/null
  skiff start a6 >/dev/null
  [ "$(skiff inspect a6 -f '{{.NetworkSettings.Networks.v6.GlobalIPv6Address}}')" = fd5e:1::2 ]
  run skiff exec a6 ip -6 route
  [[ $output == *"default via fd5e:1::1"* ]]
  # out of the host at 1500, on the bridge at 65535 (see the MTU test)
  pid=$(skiff inspect -f '{{.State.Pid}}' a6)
  [[ $(nsenter -t "$pid" -n ip -6 route show default) == *" mtu 1500"* ]]
  [ "$(skiff exec a6 cat /proc/sys/net/ipv6/conf/eth0/mtu)" = 65535 ]
}

@test "address pools: --default-address-pool and SKIFF_DEFAULT_ADDRESS_POOLS, IPv4 and IPv6, a used-up pool, a bad one" {
  skiff --default-address-pool base=10.232.0.0/16,size=24 --default-address-pool base=fd5e:30::/48,size=64 \
    network create --ipv6 pa >/dev/null
  skiff --default-address-pool base=10.232.0.0/16,size=24 network create pb >/dev/null
  [ "$(skiff network inspect pa -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}')" = "10.232.0.0/24 fd5e:30::/64 " ]
  [ "$(skiff network inspect pb -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}')" = 10.232.1.0/24 ]
  # the environment's pools, a pool of one subnet used up
  SKIFF_DEFAULT_ADDRESS_POOLS="base=10.233.0.0/30,size=30 base=fd5e:31::/63,size=64" skiff network create --ipv6 pc >/dev/null
  [ "$(skiff network inspect pc -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}')" = "10.233.0.0/30 fd5e:31::/64 " ]
  run env SKIFF_DEFAULT_ADDRESS_POOLS="base=10.233.0.0/30,size=30" "${SK[@]}" network create pd
  [ "$status" -ne 0 ]
  [[ $output == *"non-overlapping IPv4 address pool among the configured pools"* ]]
  # a container gets its address from the network, as always
  id=$(skiff run -d --network pa "$IMG" sleep 60)
  [ "$(skiff inspect -f '{{.NetworkSettings.Networks.pa.IPAddress}} {{.NetworkSettings.Networks.pa.GlobalIPv6Address}}' "$id")" = "10.232.0.2 fd5e:30::2" ]
  run skiff --default-address-pool base=10.232.0.1/16,size=24 ps
  [ "$status" -ne 0 ]
  [[ $output == *'invalid address pool "base=10.232.0.1/16,size=24"'* ]]
}

@test "published ports: tcp on 127.0.0.1 and the host's addresses, ephemeral ports, -P, port and ps" {
  id=$(web -p 127.0.0.1:18081:80 -p 80 -p 18082:80)
  [ "$(skiff port "$id" 80/tcp | head -1)" = 127.0.0.1:18081 ]
  eph=$(skiff inspect -f '{{(index (index .NetworkSettings.Ports "80/tcp") 1).HostPort}}' "$id")
  [ "$eph" -ge 1024 ]
  run curl -sf --max-time 5 http://127.0.0.1:18081/
  [ "$output" = hello-from-skiff ]
  run curl -sf --max-time 5 "http://127.0.0.1:$eph/"
  [ "$output" = hello-from-skiff ]
  run curl -sf --max-time 5 http://127.0.0.1:18082/
  [ "$output" = hello-from-skiff ]
  skiff ps --format '{{.Ports}}' | grep -q "127.0.0.1:18081->80/tcp"
  # from another container, through the host's address on its bridge, and
  # from the container itself (hairpin)
  gw=$(skiff network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
  run skiff run --rm "$IMG" sh -c "timeout 5 wget -q -O- http://$gw:18082/; exit \$?"
  [ "$output" = hello-from-skiff ]
  run skiff exec "$id" sh -c "timeout 5 wget -q -O- http://$gw:18082/; exit \$?"
  [ "$output" = hello-from-skiff ]
  # -P: the image's EXPOSE 80 on a port of the kernel's choosing
  p=$(web -P)
  hp=$(skiff port "$p" 80 | cut -d: -f2)
  run curl -sf --max-time 5 "http://127.0.0.1:$hp/"
  [ "$output" = hello-from-skiff ]
  # stopped: the ports are gone, and come back on start
  skiff stop -t 1 "$id" >/dev/null
  run curl -s --max-time 2 http://127.0.0.1:18081/
  [ "$status" -ne 0 ]
  [ "$(skiff inspect -f '{{json .NetworkSettings.Ports}}' "$id")" = '{"80/tcp":null}' ]
  skiff start "$id" >/dev/null
  run curl -sf --max-time 5 --retry 5 --retry-connrefused --retry-delay 0 http://127.0.0.1:18081/
  [ "$output" = hello-from-skiff ]
}

@test "published port ranges: equal ranges, and a host range for one port (the first free one)" {
  # 80 and 81 of one container on 18111 and 18112
  r=$(skiff run -d -v "$T/www:/www:ro" -p 127.0.0.1:18111-18112:80-81 "$IMG" \
    sh -c 'httpd -p 81 -h /www; exec httpd -f -p 80 -h /www')
  [ "$(skiff port "$r" 81/tcp)" = 127.0.0.1:18112 ]
  for p in 18111 18112; do
    run curl -sf --max-time 5 --retry 5 --retry-connrefused --retry-delay 0 "http://127.0.0.1:$p/"
    [ "$output" = hello-from-skiff ]
  done
  # docker's -p A-B:80: the first port of the range not in use, at start
  python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 18121)); s.listen(); time.sleep(60)' &
  BG_PIDS+=($!)
  for _ in $(seq 50); do ss -Htln 'sport = :18121' | grep -q . && break; sleep 0.1; done
  a=$(web -p 127.0.0.1:18121-18123:80)
  b=$(web -p 127.0.0.1:18121-18123:80)
  [ "$(skiff port "$a" 80)" = 127.0.0.1:18122 ]
  [ "$(skiff port "$b" 80)" = 127.0.0.1:18123 ]
  [ "$(skiff inspect -f '{{(index .HostConfig.PortBindings "80/tcp" 0).HostPort}}' "$a")" = 18121-18123 ]
  run curl -sf --max-time 5 http://127.0.0.1:18123/
  [ "$output" = hello-from-skiff ]
  # the range used up: the error of its last port, and no container left running
  run skiff run -d -p 127.0.0.1:18121-18123:80 "$IMG" sleep 100
  [ "$status" -ne 0 ]
  [[ $output == *"Bind for 127.0.0.1:18123 failed: port is already allocated"* ]]
  [ "$(skiff ps -q | wc -l)" = 3 ]
}

@test "published ports served in user space: [::1] (IPv4-only and IPv6 containers), half-close, 3 MB intact, a connection across the hand-over" {
  # an IPv4-only container: :: is served by the monitor (docker-proxy's role)
  w=$(web -p 18085:80)
  run skiff port "$w" 80
  [ "${lines[1]}" = "[::]:18085" ]
  run curl -sf --max-time 5 -g --retry 5 --retry-connrefused --retry-delay 0 "http://[::1]:18085/"
  [ "$output" = hello-from-skiff ]
  # the monitor listens on it (and the 0.0.0.0 socket does not: DNAT serves that)
  mon=$(ps -o ppid= -p "$(skiff inspect -f '{{.State.Pid}}' "$w")" | tr -d ' ')
  [ "$(ss -Htlnp "sport = :18085" | grep -c "pid=$mon,")" = 1 ]
  ss -Htlnp "sport = :18085" | grep -q '\[::\]:18085'
  # an IPv6 container: DNAT for ::, the monitor for ::1 (also asked for alone)
  skiff network create --ipv6 --subnet fd5e:2::/64 v6p >/dev/null
  w6=$(web --network v6p -p 18086:80 -p '[::1]:18087:80')
  run curl -sf --max-time 5 -g --retry 5 --retry-connrefused --retry-delay 0 "http://[::1]:18086/"
  [ "$output" = hello-from-skiff ]
  run curl -sf --max-time 5 -g "http://[::1]:18087/"
  [ "$output" = hello-from-skiff ]
  run curl -sf --max-time 5 -g "http://[fd5e:2::1]:18086/"
  [ "$output" = hello-from-skiff ]
  # a half-close goes through: the server answers after the client's end of input
  skiff run -d -p 18088:80 "$IMG" nc -ll -p 80 -e sh -c 'wc -c' >/dev/null
  head -c 3000000 /dev/urandom >"$T/blob"
  run timeout 10 socat -t 5 - 'TCP6:[::1]:18088,shut-down,retry=20,interval=0.1' <"$T/blob"
  [ "$output" = 3000000 ]
  # 3 MB out of the container intact
  cp "$T/blob" "$T/www/blob"
  [ "$(curl -sf --max-time 10 -g "http://[::1]:18085/blob" | sha256sum)" = "$(sha256sum <"$T/blob")" ]
  # a connection made at once stays up across the monitor's hand-over (200 ms)
  skiff run -d -p 18089:80 "$IMG" nc -ll -p 80 -e cat >/dev/null
  run timeout 10 sh -c "(echo one; sleep 1; echo two; sleep 0.5) | socat - 'TCP6:[::1]:18089,retry=20,interval=0.05'"
  [ "${lines[0]}" = one ]
  [ "${lines[1]}" = two ]
  # stopped: nothing listens any more
  skiff stop -t 1 "$w" >/dev/null
  run curl -s --max-time 3 -g "http://[::1]:18085/"
  [ "$status" -eq 7 ]
}

@test "bridge options: enable_ip_masquerade=false (the test host sees the container's address); enable_icc=false refused" {
  test_host_up
  # the test host answers with the address it sees: the host's (masqueraded) or the container's
  ip netns exec "$NS" timeout 30 python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 8099))
s.listen()
for _ in range(2):
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()' &
  BG_PIDS+=($!)
  for _ in $(seq 50); do ip netns exec "$NS" ss -Htln 'sport = :8099' | grep -q . && break; sleep 0.1; done
  skiff network create -o com.docker.network.bridge.enable_ip_masquerade=false nomasq >/dev/null
  [ "$(skiff run --rm "$IMG" timeout 5 nc 198.18.0.2 8099)" = 198.18.0.1 ]
  c=$(skiff run -d --network nomasq "$IMG" sleep 100)
  [ "$(skiff exec "$c" timeout 5 nc 198.18.0.2 8099)" = "$(ip_of "$c")" ]
  # published ports of such a network still answer on 127.0.0.1
  w=$(web --network nomasq -p 127.0.0.1:18151:80)
  run curl -sf --max-time 5 http://127.0.0.1:18151/
  [ "$output" = hello-from-skiff ]
  run skiff network create -o com.docker.network.bridge.enable_ip_masquerade=maybe bad
  [ "$status" -ne 0 ]
  [[ $output == *'invalid value "maybe" for com.docker.network.bridge.enable_ip_masquerade: true or false'* ]]
  # not silently ignored: docker's enable_icc=false is refused
  run skiff network create -o com.docker.network.bridge.enable_icc=false noicc
  [ "$status" -ne 0 ]
  [[ $output == *"com.docker.network.bridge.enable_icc=false is not supported"* ]]
  skiff network create -o com.docker.network.bridge.enable_icc=true icc >/dev/null
}

@test "published ports: udp" {
  id=$(skiff run -d -p 127.0.0.1:18053:53/udp "$IMG" sleep 100)
  pid=$(skiff inspect -f '{{.State.Pid}}' "$id")
  nsenter -t "$pid" -n socat UDP4-RECVFROM:53,fork EXEC:cat &
  BG_PIDS+=($!)
  sleep 0.5
  run bash -c 'echo ping-udp | timeout 5 socat -t 2 - UDP4:127.0.0.1:18053'
  [ "$output" = ping-udp ]
}

@test "a port already in use: a clear error at run, nothing left half-made" {
  socat TCP4-LISTEN:18090,bind=127.0.0.1,reuseaddr,fork EXEC:true &
  BG_PIDS+=($!)
  sleep 0.3
  skiff network ls >/dev/null # the default bridge made
  before=$(kernel_state)
  run skiff run -d --name busy -p 127.0.0.1:18090:80 "$IMG" sleep 100
  [ "$status" -ne 0 ]
  [[ $output == *"127.0.0.1:18090"*"port is already allocated"* ]]
  skiff rm -f busy >/dev/null
  wait_until '[ "$(kernel_state)" = "$before" ]' # the veths go with their namespaces, soon after
  # and between two containers
  a=$(skiff run -d -p 18091:80 "$IMG" sleep 100)
  run skiff run -d --name second -p 18091:80 "$IMG" sleep 100
  [ "$status" -ne 0 ]
  [[ $output == *"18091"*"already allocated"* ]]
}

@test "the address survives stop and start; --ip; a full subnet is a clear error" {
  skiff network create --subnet 10.99.7.0/29 small >/dev/null
  [ "$(skiff network inspect small -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}')" = "10.99.7.0/29 10.99.7.1" ]
  a=$(skiff run -d --network small "$IMG" sleep 100)
  [ "$(ip_of "$a")" = 10.99.7.2 ]
  skiff stop -t 0 "$a" >/dev/null
  b=$(skiff run -d --network small --ip 10.99.7.6 "$IMG" sleep 100)
  [ "$(ip_of "$b")" = 10.99.7.6 ]
  skiff start "$a" >/dev/null
  [ "$(ip_of "$a")" = 10.99.7.2 ]
  run skiff exec "$a" ip -4 -o addr show eth0
  [[ $output == *"10.99.7.2/29"* ]]
  skiff restart -t 0 "$a" >/dev/null
  run skiff exec "$a" ip -4 -o addr show eth0
  [[ $output == *"10.99.7.2/29"* ]]
  skiff create --network small "$IMG" true >/dev/null
  skiff create --network small "$IMG" true >/dev/null
  skiff create --network small "$IMG" true >/dev/null
  run skiff create --network small "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"no available IPv4 addresses on network small"* ]]
  run skiff create --network small --ip 10.99.7.6 "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"Address already in use"* ]]
  run skiff network create --subnet 10.99.7.0/24 overlap
  [ "$status" -ne 0 ]
  [[ $output == *'network "overlap": subnet 10.99.7.0/24 overlaps network "small"'* ]]
  run skiff run --rm --ip 10.1.1.1 "$IMG" true
  [[ $output == *"user specified IP address is supported on user defined networks only"* ]]
}

@test "--mac-address: eth0 has it across stop and start, inspect and the network show it; bad ones refused" {
  a=$(skiff run -d --mac-address 92:D0:c6:0a:29:33 "$IMG" sleep 100)
  [ "$(skiff exec "$a" cat /sys/class/net/eth0/address)" = 92:d0:c6:0a:29:33 ]
  [ "$(skiff inspect -f '{{.NetworkSettings.Networks.bridge.MacAddress}} {{.NetworkSettings.MacAddress}}' "$a")" = "92:d0:c6:0a:29:33 92:d0:c6:0a:29:33" ]
  skiff network inspect bridge -f '{{range .Containers}}{{.MacAddress}} {{end}}' | grep -q 92:d0:c6:0a:29:33
  skiff stop -t 1 "$a" >/dev/null
  skiff start "$a" >/dev/null
  [ "$(skiff exec "$a" cat /sys/class/net/eth0/address)" = 92:d0:c6:0a:29:33 ]
  # reached at it: another container's ARP finds the new address
  run skiff run --rm "$IMG" ping -c1 -W3 "$(ip_of "$a")"
  [ "$status" -eq 0 ]
  # without it: docker's 02:42 and the IPv4 address
  b=$(skiff run -d "$IMG" sleep 100)
  ipb=$(ip_of "$b")
  [ "$(skiff exec "$b" cat /sys/class/net/eth0/address)" = "$(printf '02:42:%02x:%02x:%02x:%02x' ${ipb//./ })" ]
  run skiff run --rm --mac-address 01:00:5e:00:00:01 "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"invalid MAC address 01:00:5e:00:00:01"* ]]
  run skiff run --rm --network host --mac-address 92:d0:c6:0a:29:34 "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"conflicting options: mac-address and the network mode (host)"* ]]
  [ "$(skiff ps -aq | wc -l)" = 2 ]
}

@test "50 concurrent creates get 50 distinct addresses; removal gives them back" {
  skiff network create many >/dev/null
  for i in $(seq 50); do
    skiff create --network many "$IMG" true >/dev/null &
  done
  wait
  [ "$(skiff ps -aq | wc -l)" -eq 50 ]
  ips=$(for id in $(skiff ps -aq); do ip_of "$id"; done | sort)
  [ "$(wc -l <<<"$ips")" -eq 50 ]
  [ "$(uniq <<<"$ips" | wc -l)" -eq 50 ]
  [ "$(skiff network inspect many -f '{{len .Containers}}')" -eq 50 ]
  skiff rm $(skiff ps -aq) >/dev/null
  [ "$(skiff network inspect many -f '{{len .Containers}}')" -eq 0 ]
  skiff network rm many >/dev/null
}

@test "teardown: rm, --rm and a killed monitor leave no veth, namespace or rule behind" {
  skiff network create other >/dev/null
  skiff network ls >/dev/null # the default bridge made
  before=$(kernel_state)
  skiff run --rm -p 18093:80 "$IMG" true
  id=$(web -p 18094:80 --network other)
  [ "$(kernel_state)" != "$before" ]
  skiff rm -f "$id" >/dev/null
  wait_until '[ "$(kernel_state)" = "$before" ]' # the veths go with their namespaces, soon after
  # a monitor killed with its container: the next command reclaims the ports
  id=$(web -p 18095:80)
  mon=$(skiff inspect -f '{{.State.Pid}}' "$id")
  kill -9 "$(jq -r .MonitorPid "$T/root/containers/$id/state.json")" "$mon"
  sleep 0.5
  [ "$(skiff inspect -f '{{.State.Running}}' "$id")" = false ]
  ! nft list map inet "skiff_$(root_hash "$T/root")" ports | grep -q 18095
  skiff rm -f "$id" >/dev/null
  wait_until '[ "$(kernel_state)" = "$before" ]' # the veths go with their namespaces, soon after
  br=$(skiff network inspect other -f '{{index .Options "com.docker.network.bridge.name"}}')
  ip link show "$br" >/dev/null
  skiff network rm other >/dev/null
  ! ip link show "$br" 2>/dev/null
}

@test "hosts and resolv.conf: --add-host (host-gateway), --dns, --dns-search, --dns-option" {
  run skiff run --rm --add-host db:10.0.0.5 --add-host gw:host-gateway --dns 10.0.0.53 \
    --dns-search example.test --dns-option ndots:2 "$IMG" sh -c 'cat /etc/hosts /etc/resolv.conf'
  [ "$status" -eq 0 ]
  gw=$(skiff network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
  [[ $output == *"10.0.0.5	db"* ]]
  [[ $output == *"$gw	gw"* ]]
  [[ $output == *"nameserver 10.0.0.53"* ]]
  [[ $output == *"search example.test"* ]]
  [[ $output == *"options ndots:2"* ]]
  run skiff run --rm --add-host bad "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"--add-host"* ]]
}

@test "--network container:, none and host" {
  a=$(web)
  run skiff run --rm --network "container:$a" "$IMG" sh -c 'timeout 5 wget -q -O- http://127.0.0.1/; exit $?'
  [ "$output" = hello-from-skiff ]
  run skiff run --rm --network none "$IMG" ip -o link
  [[ $output != *eth0* ]]
  run skiff run --rm --network host "$IMG" ip -o link
  [[ $output == *"$(ip -o link | awk -F': ' 'NR==2{print $2}' | sed 's/@.*//')"* ]]
}

# A name server of the test's own on the test host: every A question gets 198.18.0.77.
fake_dns() {
  cat >"$T/dns.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 53))
while True:
    q, a = s.recvfrom(512)
    end = 12
    while q[end]:
        end += q[end] + 1
    end += 5
    r = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:end]
    r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([198, 18, 0, 77])
    s.sendto(r, a)
PY
  ip netns exec "$NS" python3 "$T/dns.py" &
  BG_PIDS+=($!)
  sleep 0.5
}

@test "names over TCP: ours answered, the rest forwarded over TCP (an answer too big for UDP, whole), two questions on one connection" {
  test_host_up
  # upstream: big.test has 60 addresses; over UDP the answer is truncated (TC), as a real one
  cat >"$T/dns-tcp.py" <<'PY'
import socket, struct, threading
def answer(q, tcp):
    end = 12
    while q[end]:
        end += q[end] + 1
    end += 5
    n = 60 if tcp else 0
    r = q[:2] + (b"\x81\x80" if tcp else b"\x83\x80") + q[4:6] + struct.pack(">HHH", n, 0, 0) + q[12:end]
    for i in range(n):
        r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([198, 18, 1, i + 1])
    return r
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("198.18.0.2", 53))
def udp():
    while True:
        q, a = u.recvfrom(512)
        u.sendto(answer(q, False), a)
threading.Thread(target=udp, daemon=True).start()
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("198.18.0.2", 53))
t.listen(8)
while True:
    c, _ = t.accept()
    l = struct.unpack(">H", c.recv(2, socket.MSG_WAITALL))[0]
    r = answer(c.recv(l, socket.MSG_WAITALL), True)
    c.sendall(struct.pack(">H", len(r)) + r)
    c.close()
PY
  ip netns exec "$NS" python3 "$T/dns-tcp.py" &
  BG_PIDS+=($!)
  # the client: questions over TCP to 127.0.0.11, in the container's namespace
  cat >"$T/ask.py" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.11", 53), timeout=10)
for i, name in enumerate(sys.argv[1:]):
    q = struct.pack(">HHHHHH", 0x4200 + i, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0\0\1\0\1"
    s.sendall(struct.pack(">H", len(q)) + q)
    l = struct.unpack(">H", s.recv(2, socket.MSG_WAITALL))[0]
    r = s.recv(l, socket.MSG_WAITALL)
    n = struct.unpack(">H", r[6:8])[0]
    ips = [".".join(map(str, r[j - 4:j])) for j in range(len(r), 12, -16)][:n] if n else []
    print(name, "id=%x" % struct.unpack(">H", r[:2])[0], "rcode=%d" % (r[3] & 15), "answers=%d" % n, "bytes=%d" % l, *sorted(ips)[:1])
PY
  skiff network create tcpnet >/dev/null
  a=$(web --name alpha --network tcpnet)
  ipa=$(ip_of "$a")
  b=$(skiff run -d --network tcpnet --dns 198.18.0.2 "$IMG" sleep 100)
  pid=$(skiff inspect -f '{{.State.Pid}}' "$b")
  run timeout 20 nsenter -t "$pid" -n python3 "$T/ask.py" alpha big.test
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "alpha id=4200 rcode=0 answers=1 bytes=$((12 + 11 + 16)) $ipa" ]
  [[ ${lines[1]} == "big.test id=4201 rcode=0 answers=60 bytes=$((12 + 14 + 60 * 16)) 198.18.1.1" ]]
  # once skiff-monitor has taken over, a connection starts its helper too
  mon=$(jq .MonitorPid "$T/root/containers/$b/state.json")
  wait_until '[[ $(readlink /proc/'"$mon"'/exe) == */skiff-monitor ]]'
  helper=$(pgrep -f "monitor --dns $b" || true)
  if [[ -n $helper ]]; then
    kill -9 "$helper"
    # reaped by skiff-monitor (which drops what a failed helper left waiting) before we ask
    wait_until "[[ ! -e /proc/$helper ]]"
  fi
  run timeout 20 nsenter -t "$pid" -n python3 "$T/ask.py" alpha
  [ "${lines[0]}" = "alpha id=4200 rcode=0 answers=1 bytes=39 $ipa" ]
}

@test "names on a user-defined network: container names, aliases, short ids; the rest forwarded to --dns" {
  test_host_up
  fake_dns
  skiff network create dnsnet >/dev/null
  a=$(web --name alpha --network dnsnet --network-alias db)
  ipa=$(ip_of "$a")
  run skiff run --rm --network dnsnet --dns 198.18.0.2 "$IMG" sh -c \
    'cat /etc/resolv.conf; nslookup alpha; nslookup DB; nslookup '"${a:0:12}"'; nslookup outside.test'
  [ "$status" -eq 0 ]
  [[ $output == "nameserver 127.0.0.11"* ]]
  [ "$(grep -c "Address: $ipa" <<<"$output")" -eq 3 ]
  [[ $output == *"Name:	outside.test"*"Address: 198.18.0.77"* ]]
  run skiff run --rm --network dnsnet "$IMG" sh -c 'timeout 5 wget -q -O- http://alpha/; exit $?'
  [ "$output" = hello-from-skiff ]
  # the name server runs when asked (a helper of alpha's skiff-monitor); a
  # helper killed is started again with the next question
  b=$(skiff run -d --network dnsnet "$IMG" sleep 100)
  mon=$(jq .MonitorPid "$T/root/containers/$b/state.json")
  wait_until '[[ $(readlink /proc/'"$mon"'/exe) == */skiff-monitor ]]'
  skiff exec "$b" nslookup alpha >/dev/null
  helper=$(pgrep -f "monitor --dns $b")
  [ -n "$helper" ]
  [ "$(ps -o ppid= -p "$helper" | tr -d ' ')" = "$mon" ]
  kill -9 "$helper"
  run skiff exec "$b" nslookup db
  [ "$(grep -c "Address: $ipa" <<<"$output")" -eq 1 ]
  # the default bridge has no name server of skiff's: the host's resolv.conf
  run skiff run --rm "$IMG" cat /etc/resolv.conf
  [[ $output != *127.0.0.11* ]]
  # another network does not see alpha
  skiff network create other >/dev/null
  run skiff run --rm --network other --dns 198.18.0.2 "$IMG" nslookup alpha
  [[ $output == *"Address: 198.18.0.77"* ]]
  [[ $output != *"$ipa"* ]]
}

@test "network connect and disconnect: a running container gets eth1 at once, a stopped one at start" {
  skiff network create front >/dev/null
  skiff network create back >/dev/null
  a=$(web --network front)
  b=$(skiff run -d --network back "$IMG" sleep 100)
  run skiff exec "$b" sh -c "timeout 3 wget -q -O- http://$(ip_of "$a")/; exit \$?"
  [ "$status" -ne 0 ]
  skiff network connect --alias api back "$a"
  run skiff exec "$a" ip -o -4 addr show
  [[ $output == *eth0* && $output == *eth1* ]]
  ipb=$(skiff inspect -f '{{.NetworkSettings.Networks.back.IPAddress}}' "$a")
  run skiff exec "$b" sh -c "timeout 5 wget -q -O- http://$ipb/; exit \$?"
  [ "$output" = hello-from-skiff ]
  [ "$(skiff network inspect back -f '{{len .Containers}}')" -eq 2 ]
  run skiff network connect back "$a"
  [ "$status" -ne 0 ]
  [[ $output == *"already exists in network back"* ]]
  skiff network disconnect back "$a"
  run skiff exec "$a" ip -o link
  [[ $output != *eth1* ]]
  [ "$(skiff network inspect back -f '{{len .Containers}}')" -eq 1 ]
  [ "$(skiff inspect -f '{{len .NetworkSettings.Networks}}' "$a")" -eq 1 ]
  # a created container: the interface comes with its first start
  c=$(skiff create --network front "$IMG" sh -c 'ip -o -4 addr show; sleep 100')
  skiff network connect back "$c"
  skiff start "$c" >/dev/null
  wait_until 'skiff logs '"$c"' | grep -q eth1'
  skiff events --since 1m --until 0s --filter type=network --format '{{.Action}}' | grep -qx connect
  skiff events --since 1m --until 0s --filter type=network --format '{{.Action}}' | grep -qx disconnect
}

@test "leases of containers that are gone are reclaimed; a network keeps no phantom endpoints" {
  skiff network create tiny --subnet 10.99.8.0/30 >/dev/null
  id=$(skiff create --network tiny "$IMG" true)
  # the record vanishes behind skiff's back (a removal killed half-way)
  rm -rf "$T/root/containers/$id"
  run skiff create --network tiny "$IMG" true
  [ "$status" -ne 0 ]
  [[ $output == *"no available IPv4 addresses"* ]]
  skiff network rm tiny
  [ "$(skiff network ls -q --filter name=tiny | wc -l)" -eq 0 ]
  # a create killed after its lease: the litter sweep gives the lease back
  skiff network create tiny2 --subnet 10.99.9.0/30 >/dev/null
  id=$(skiff create --network tiny2 "$IMG" true)
  rm "$T/root/containers/$id/config.json"
  touch -d '2 minutes ago' "$T/root/containers/$id"
  skiff ps -a >/dev/null
  [ ! -e "$T/root/containers/$id" ]
  [ "$(skiff network inspect tiny2 -f '{{len .Containers}}')" -eq 0 ]
  skiff create --network tiny2 "$IMG" true >/dev/null
}

@test "network prune: the unused ones, docker's label, label! and until filters" {
  skiff network create --label tier=a pa >/dev/null
  skiff network create --label tier=b pb >/dev/null
  skiff network create pc >/dev/null
  skiff run -d --network pc "$IMG" sleep 100 >/dev/null
  run skiff network prune -f --filter label=tier=a
  [ "$output" = "$(printf 'Deleted Networks:\npa')" ]
  run skiff network prune -f --filter until=1h      # none is an hour old
  [ -z "$output" ]
  run skiff network prune -f --filter 'label!=tier=b'
  [ -z "$output" ]                                  # pb kept, pc in use
  run skiff network prune -f --filter bogus=1
  [ "$status" -eq 1 ]
  [[ $output == *"invalid filter 'bogus'"* ]]
  run skiff network prune -f
  [ "$output" = "$(printf 'Deleted Networks:\npb')" ]
  [ "$(skiff network ls -q --filter name=pc | wc -l)" -eq 1 ]
}

@test "--link: hosts line and docker's environment on the default bridge, a name on a user-defined network" {
  skiff run -d --name redis --expose 6379 -e SECRET=x "$IMG" sleep 100 >/dev/null
  ip=$(skiff inspect -f '{{.NetworkSettings.IPAddress}}' redis)
  run skiff run --rm --name web --link redis:db "$IMG" sh -c 'grep -w db /etc/hosts; env | grep ^DB_ | sort; ping -c1 -W2 db >/dev/null && echo reached'
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "$ip	db "*" redis" ]]
  [ "${lines[1]}" = "DB_ENV_SECRET=x" ]
  [ "${lines[2]}" = "DB_NAME=/web/db" ]
  [ "${lines[3]}" = "DB_PORT=tcp://$ip:80" ]   # the lowest port (the image exposes 80)
  [ "${lines[5]}" = "DB_PORT_6379_TCP_ADDR=$ip" ]
  [ "${lines[-1]}" = reached ]
  id=$(skiff create --link redis "$IMG" true)
  [ "$(skiff inspect -f '{{json .HostConfig.Links}}' "$id")" = "[\"/redis:/$(skiff inspect -f '{{.Name}}' "$id" | cut -c2-)/redis\"]" ]
  skiff stop -t 1 redis >/dev/null
  run skiff run --rm --link redis:db "$IMG" true
  [ "$status" -eq 125 ]
  [[ $output == *"Cannot link to a non running container: /redis AS /"*"/db"* ]]
  # a user-defined network: the alias is a name, for the linking container only
  skiff network create lnk >/dev/null
  skiff run -d --name cache1 --network lnk "$IMG" sleep 100 >/dev/null
  cip=$(skiff inspect -f '{{.NetworkSettings.Networks.lnk.IPAddress}}' cache1)
  run skiff run --rm --network lnk --link cache1:kv "$IMG" nslookup kv
  [[ $output == *"Address: $cip"* ]]
  run skiff run --rm --network lnk "$IMG" nslookup kv
  [[ $output != *"Address: $cip"* ]]
}

@test "network connect of a running container: names from its first user-defined network on, and from a later one" {
  skiff network create nfront >/dev/null
  skiff network create nback >/dev/null
  skiff run -d --name alpha --network nfront "$IMG" sleep 100 >/dev/null
  skiff run -d --name delta --network nback "$IMG" sleep 100 >/dev/null
  b=$(skiff run -d --name beta "$IMG" sleep 100)   # the default bridge: no names
  mon=$(jq .MonitorPid "$T/root/containers/$b/state.json")
  wait_until '[[ $(readlink /proc/'"$mon"'/exe) == */skiff-monitor ]]'
  run skiff exec beta cat /etc/resolv.conf
  [[ $output != *127.0.0.11* ]]
  skiff network connect nfront beta
  [ "$(skiff exec beta cat /etc/resolv.conf)" = "$(printf 'nameserver 127.0.0.11\noptions ndots:0')" ]
  run skiff exec beta nslookup alpha
  [[ $output == *"Address: $(skiff inspect -f '{{.NetworkSettings.Networks.nfront.IPAddress}}' alpha)"* ]]
  # a second network: its names too, without a restart
  skiff network connect nback beta
  run skiff exec beta nslookup delta
  [[ $output == *"Address: $(skiff inspect -f '{{.NetworkSettings.Networks.nback.IPAddress}}' delta)"* ]]
  # the same with the full monitor (the container's first moments)
  g=$(skiff run -d --name gamma "$IMG" sleep 100)
  skiff network connect nfront gamma
  run skiff exec gamma nslookup alpha
  [[ $output == *"Address: $(skiff inspect -f '{{.NetworkSettings.Networks.nfront.IPAddress}}' alpha)"* ]]
}

#!/usr/bin/env bash
# network.sh [SKIFF_BUILD_DIR] - networking side by side with podman
# (netavark) and a private dockerd, in one run (root; ~8 minutes):
#
#   run --rm IMG true, on the default bridge and with --network none:
#     hyperfine medians; the difference is what network setup and teardown
#     cost each engine; for skiff also the median difference of 30 pairs of
#     runs made one right after the other
#   a published port on 127.0.0.1 (-p 127.0.0.1:PORT:...):
#     iperf3 throughput (the host's iperf3 serving inside the container's
#     network namespace; one stream and four, 3 s each, the median of
#     ROUNDS rounds that take the engines in turn, with host-to-host
#     iperf3 on 127.0.0.1 in the rounds as the ceiling; under the machine's
#     TCP congestion control and, set host-wide for those runs, under
#     Debian's default cubic), the download rate of
#     one 256 MiB file from busybox httpd (median of 3 curl runs), and requests per
#     second of wrk (8 connections, 5 s; busybox httpd closes every
#     connection, so this is also a connection rate)
#   the same three on skiff's [::1] port, which its monitor serves in user
#     space (IPv6 has no route_localnet for DNAT), against skiff's kernel
#     path and docker's docker-proxy
#
# skiff forwards published ports with nftables DNAT (output chain for
# 127.0.0.1), podman with netavark's iptables DNAT, docker (--iptables=false
# here, to leave the host's iptables alone) through docker-proxy.  Each at its
# default MTU: skiff's bridge and veths 65535 (a container's default route
# 1500), podman's and docker's 1500.  Stores on a
# fresh ext4 (loop), runtime state on tmpfs, cgroup2 mount hidden (crun).
# Knobs: RUNS=20 WARMUP=3 ROUNDS=5
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
RUNS=${RUNS:-20} WARMUP=${WARMUP:-3} ROUNDS=${ROUNDS:-5}
NAME=network.sh TOOLS="curl wrk iperf3 nsenter"
DOCKERD_ARGS="--bip 10.254.250.1/24 --iptables=false --ip6tables=false"
had_docker0=0 CC0=$(sysctl -n net.ipv4.tcp_congestion_control)
ip link show docker0 >/dev/null 2>&1 && had_docker0=1
# what the engines' networks leave in the kernel: docker0 (unless the host
# had one), skiff's default bridge and table for this --root
bench_cleanup() {
  local f
  for f in "$T"/iperf3-*.pid; do [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null; done
  sysctl -qw net.ipv4.tcp_congestion_control="$CC0"
  "${SK[@]}" rm -f $("${SK[@]}" ps -aq) >/dev/null 2>&1
  [[ $had_docker0 == 1 ]] || ip link del docker0 2>/dev/null
  local h
  h=$(printf %s "$M/skiff" | python3 -c 'import sys
h=2166136261
for c in sys.stdin.buffer.read(): h=((h^c)*16777619)&0xffffffff
print("%08x"%h)')
  ip link del "sk$h" 2>/dev/null; nft delete table inet "skiff_$h" 2>/dev/null
}
# shellcheck source=bench/engines.bash
. "$here/engines.bash"
bench_setup "$@"
"${SK[@]}" run --rm localhost/bench:1 true # the default network made before timing
hyperfine -N --style none --runs "$RUNS" --warmup "$WARMUP" --export-json "$T/run.json" \
  -n skiff-bridge "$(q "${SK[@]}") run --rm localhost/bench:1 true" \
  -n skiff-none "$(q "${SK[@]}") run --rm --network none localhost/bench:1 true" \
  -n podman-bridge "$(q "${PM[@]}") run --rm $(q "${PMRUN[@]}") localhost/bench:1 true" \
  -n podman-none "$(q "${PM[@]}") run --rm $(q "${PMRUN[@]}") --network none localhost/bench:1 true" \
  -n docker-bridge "$(q "${DK[@]}") run --rm localhost/bench:1 true" \
  -n docker-none "$(q "${DK[@]}") run --rm --network none localhost/bench:1 true" >/dev/null

# skiff's setup + teardown, paired: a bridge run and a none run one right
# after the other (the order alternating), the median of 30 differences -
# the machine's drift between two hyperfine batches cancels out
once() { # once [ARGS...]: one skiff run --rm, in microseconds
  local t0 t1
  t0=$(date +%s%N)
  "${SK[@]}" run --rm "$@" localhost/bench:1 true
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}
PAIRED=$(for i in $(seq 30); do
  if ((i % 2)); then b=$(once) n=$(once --network none); else n=$(once --network none) b=$(once); fi
  echo $((b - n))
done | sort -n | sed -n 15p)

# one web server per engine on 127.0.0.1:PORT
serve='mkdir -p /www && echo hi >/www/index.html && dd if=/dev/zero of=/www/big bs=1M count=256 2>/dev/null && exec httpd -f -p 80 -h /www'
"${SK[@]}" run -d --tmpfs /www:size=300m -p 127.0.0.1:18701:80 -p '[::1]:18704:80' localhost/bench:1 sh -c "$serve" >/dev/null
"${PM[@]}" run -d "${PMRUN[@]}" --tmpfs /www:size=300m -p 127.0.0.1:18702:80 localhost/bench:1 sh -c "$serve" >/dev/null
"${DK[@]}" run -d --tmpfs /www:size=300m -p 127.0.0.1:18703:80 localhost/bench:1 sh -c "$serve" >/dev/null
# up when the 256 MiB file is served whole (docker-proxy accepts before the
# server listens, so curl's own retries do not cover it)
for p in 18701 18702 18703; do
  for _ in $(seq 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$p/big" && continue 2
    sleep 0.2
  done
  echo "network.sh: nothing on port $p" >&2
  exit 1
done
# iperf3: the host's binary as the server in each container's namespace;
# ROUNDS rounds, each engine once a round (the machine's drift shared), the
# median per engine; one stream (-P 1) and four (-P 4)
sid=$("${SK[@]}" run -d -p 127.0.0.1:18711:5201 -p '[::1]:18714:5201' localhost/bench:1 sleep 600)
pid=$("${PM[@]}" run -d "${PMRUN[@]}" -p 127.0.0.1:18712:5201 localhost/bench:1 sleep 600)
did=$("${DK[@]}" run -d -p 127.0.0.1:18713:5201 localhost/bench:1 sleep 600)
declare -A MBS RPS TARGET
TARGET=([skiff]="127.0.0.1 18711 $("${SK[@]}" inspect -f '{{.State.Pid}}' "$sid")"
  [skiffproxy]="::1 18714 $("${SK[@]}" inspect -f '{{.State.Pid}}' "$sid")"
  [podman]="127.0.0.1 18712 $("${PM[@]}" inspect -f '{{.State.Pid}}' "$pid")"
  [docker]="127.0.0.1 18713 $("${DK[@]}" inspect -f '{{.State.Pid}}' "$did")"
  [host]="127.0.0.1 18715 -")
for n in skiff podman docker; do
  read -r _ _ cpid <<<"${TARGET[$n]}"
  nsenter -t "$cpid" -n iperf3 -s -D -p 5201 -I "$T/iperf3-$n.pid"
done
# and host to host on 127.0.0.1, no container: what one stream can do here
iperf3 -s -D -B 127.0.0.1 -p 18715 -I "$T/iperf3-host.pid"
sleep 0.3
gbit() { # gbit ENGINE STREAMS: Gbit/s received in one 3 s run
  local host p
  read -r host p _ <<<"${TARGET[$1]}"
  iperf3 -c "$host" -p "$p" -P "$2" -t 3 -J | jq '.end.sum_received.bits_per_second / 1e9'
}
# under the machine's TCP congestion control and under Debian's default,
# cubic (set host-wide for those runs: docker-proxy's own connections too)
CCS=$CC0
[[ $CC0 == cubic ]] || CCS="$CC0 cubic"
for _ in $(seq "$ROUNDS"); do
  for cc in $CCS; do
    sysctl -qw net.ipv4.tcp_congestion_control="$cc"
    for n in skiff skiffproxy podman docker host; do
      echo "$n $cc 1 $(gbit "$n" 1)"
      echo "$n $cc 4 $(gbit "$n" 4)"
    done
  done
done >"$T/iperf3.txt"
sysctl -qw net.ipv4.tcp_congestion_control="$CC0"
for n in skiff podman docker host; do # (iperf3 removes its pid file as it ends)
  kill "$(cat "$T/iperf3-$n.pid")"
  for _ in $(seq 50); do [[ -e $T/iperf3-$n.pid ]] || break; sleep 0.1; done
done
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
declare -A G
for n in skiff skiffproxy podman docker host; do
  for cc in $CCS; do
    for k in 1 4; do
      G[$n:$cc:$k]=$(awk -v n="$n" -v c="$cc" -v k="$k" '$1 == n && $2 == c && $3 == k {print $4}' "$T/iperf3.txt" | median)
    done
  done
done
for e in skiff:18701 podman:18702 docker:18703 skiffproxy:18704; do
  n=${e%%:*} p=${e#*:}
  host=127.0.0.1
  [[ $n == skiffproxy ]] && host=[::1]
  MBS[$n]=$(for i in 1 2 3; do curl -g -s -o /dev/null -w '%{speed_download}\n' "http://$host:$p/big"; done |
    sort -n | sed -n 2p | awk '{printf "%.0f", $1 / 1048576}')
  RPS[$n]=$(wrk -t 2 -c 8 -d 5s "http://$host:$p/index.html" | awk '/Requests\/sec/ {printf "%.0f", $2}')
done

med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$T/run.json"; }
r() { echo "$1/$2" | bc -l; }
echo "## network ($(date -u +%F), $(uname -r), $(nproc) cores)"
echo
echo "skiff $("$build/skiff" --version | awk '{print $3}' | tr -d ,), $(podman --version) (netavark), docker $("${DK[@]}" version -f '{{.Server.Version}}') (docker-proxy)."
echo
echo "| metric | unit | skiff | podman | docker | skiff/podman | skiff/docker |"
echo "|---|---|---|---|---|---|---|"
for k in bridge none; do
  s=$(med skiff-$k) p=$(med podman-$k) d=$(med docker-$k)
  printf '| run --rm true (%s) | ms | %.1f | %.1f | %.1f | %.2f | %.2f |\n' "$k" "$s" "$p" "$d" "$(r "$s" "$p")" "$(r "$s" "$d")"
done
s=$(echo "$(med skiff-bridge) - $(med skiff-none)" | bc -l)
p=$(echo "$(med podman-bridge) - $(med podman-none)" | bc -l)
d=$(echo "$(med docker-bridge) - $(med docker-none)" | bc -l)
printf '| network setup + teardown (bridge - none) | ms | %.1f | %.1f | %.1f | %.2f | %.2f |\n' "$s" "$p" "$d" "$(r "$s" "$p")" "$(r "$s" "$d")"
printf '| network setup + teardown, paired runs (skiff only) | ms | %.1f | | | | |\n' "$(echo "$PAIRED / 1000" | bc -l)"
streams() { [[ $1 == 1 ]] && echo "one stream" || echo "$1 streams"; }
for cc in $CCS; do
  for k in 1 4; do
    printf '| 127.0.0.1 published port: iperf3, %s (%s) | Gbit/s | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$(streams $k)" "$cc" \
      "${G[skiff:$cc:$k]}" "${G[podman:$cc:$k]}" "${G[docker:$cc:$k]}" "$(r "${G[skiff:$cc:$k]}" "${G[podman:$cc:$k]}")" "$(r "${G[skiff:$cc:$k]}" "${G[docker:$cc:$k]}")"
  done
done
printf '| 127.0.0.1 published port: one 256 MiB download | MiB/s | %d | %d | %d | %.2f | %.2f |\n' \
  "${MBS[skiff]}" "${MBS[podman]}" "${MBS[docker]}" "$(r "${MBS[skiff]}" "${MBS[podman]}")" "$(r "${MBS[skiff]}" "${MBS[docker]}")"
printf '| 127.0.0.1 published port: wrk requests (new connection each) | req/s | %d | %d | %d | %.2f | %.2f |\n' \
  "${RPS[skiff]}" "${RPS[podman]}" "${RPS[docker]}" "$(r "${RPS[skiff]}" "${RPS[podman]}")" "$(r "${RPS[skiff]}" "${RPS[docker]}")"
echo
for cc in $CCS; do
  echo "iperf3 host to host on 127.0.0.1 ($cc; no container, no NAT, no proxy; the same rounds): one stream $(printf %.2f "${G[host:$cc:1]}") Gbit/s ($(printf %.2f "$(r "${G[host:$cc:1]}" "${G[docker:$cc:1]}")") x docker-proxy), four $(printf %.2f "${G[host:$cc:4]}") Gbit/s."
  echo "One stream per round, $cc (Gbit/s): $(for n in skiff podman docker host; do printf '%s %s; ' "$n" "$(awk -v n="$n" -v c="$cc" '$1 == n && $2 == c && $3 == 1 {printf "%.1f ", $4}' "$T/iperf3.txt")"; done)"
  echo
done
echo "skiff's user-space proxy (the monitor, serving [::1]) against its kernel path (DNAT, 127.0.0.1) and docker-proxy:"
echo
echo "| metric | unit | skiff proxy | skiff DNAT | docker-proxy | proxy/DNAT | proxy/docker-proxy |"
echo "|---|---|---|---|---|---|---|"
for cc in $CCS; do
  for k in 1 4; do
    printf '| iperf3, %s (%s) | Gbit/s | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$(streams $k)" "$cc" \
      "${G[skiffproxy:$cc:$k]}" "${G[skiff:$cc:$k]}" "${G[docker:$cc:$k]}" "$(r "${G[skiffproxy:$cc:$k]}" "${G[skiff:$cc:$k]}")" "$(r "${G[skiffproxy:$cc:$k]}" "${G[docker:$cc:$k]}")"
  done
done
printf '| one 256 MiB download | MiB/s | %d | %d | %d | %.2f | %.2f |\n' \
  "${MBS[skiffproxy]}" "${MBS[skiff]}" "${MBS[docker]}" "$(r "${MBS[skiffproxy]}" "${MBS[skiff]}")" "$(r "${MBS[skiffproxy]}" "${MBS[docker]}")"
printf '| wrk requests (new connection each) | req/s | %d | %d | %d | %.2f | %.2f |\n' \
  "${RPS[skiffproxy]}" "${RPS[skiff]}" "${RPS[docker]}" "$(r "${RPS[skiffproxy]}" "${RPS[skiff]}")" "$(r "${RPS[skiffproxy]}" "${RPS[docker]}")"

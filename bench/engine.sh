#!/usr/bin/env bash
# engine.sh [SKIFF_BUILD_DIR] - the engine side by side with podman and a
# private dockerd, in one run (root; ~4 minutes):
#
#   run --rm --network none IMG true      hyperfine median of RUNS
#   50 x run -d IMG sleep 600             wall time for all, sequential
#   what each detached container keeps    RSS and PSS of its monitor and
#                                         keeper (skiff), conmon (podman), or
#                                         containerd-shim (docker), per
#                                         container
#
# All three use the same busybox image, stores and runtime state as set up
# by bench/engines.bash.
# Knobs: RUNS=20 WARMUP=3 N=50
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
RUNS=${RUNS:-20} WARMUP=${WARMUP:-3} N=${N:-50}
NAME=engine.sh TOOLS= DOCKERD_ARGS="--bridge none --iptables=false --ip6tables=false --ip-masq=false"
# shellcheck source=bench/engines.bash
. "$here/engines.bash"
bench_setup "$@"
hyperfine -N --style none --runs "$RUNS" --warmup "$WARMUP" --export-json "$T/run.json" \
  -n skiff "$(q "${SK[@]}") run --rm --network none localhost/bench:1 true" \
  -n podman "$(q "${PM[@]}") run --rm $(q "${PMRUN[@]}") --network none localhost/bench:1 true" \
  -n docker "$(q "${DK[@]}") run --rm --network none localhost/bench:1 true" >/dev/null

# N detached containers: time for all, then what stays resident per container
now() { date +%s.%N; }
declare -A START RSS PSS
sum_mem() { # sum_mem FIELD PID... -> KiB
  local f=$1 t=0 p v; shift
  for p in "$@"; do
    v=$(awk -v f="$f:" '$1 == f {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
t0=$(now); for i in $(seq "$N"); do "${SK[@]}" run -d --network none localhost/bench:1 sleep 600 >/dev/null; done; t1=$(now)
START[skiff]=$(echo "$t1 - $t0" | bc -l)
mons=$(for d in "$M"/skiff/containers/*/; do jq -r '.MonitorPid, (.KeeperPid // 0 | select(. > 0))' "$d/state.json"; done)
RSS[skiff]=$(sum_mem Rss $mons) PSS[skiff]=$(sum_mem Pss $mons)
"${SK[@]}" rm -f $("${SK[@]}" ps -q) >/dev/null

t0=$(now); for i in $(seq "$N"); do "${PM[@]}" run -d "${PMRUN[@]}" --network none localhost/bench:1 sleep 600 >/dev/null; done; t1=$(now)
START[podman]=$(echo "$t1 - $t0" | bc -l)
mons=$(pgrep -f "conmon.*$R/podman" || true)
RSS[podman]=$(sum_mem Rss $mons) PSS[podman]=$(sum_mem Pss $mons)
"${PM[@]}" rm -f -t 0 $("${PM[@]}" ps -q) >/dev/null

t0=$(now); for i in $(seq "$N"); do "${DK[@]}" run -d --network none localhost/bench:1 sleep 600 >/dev/null; done; t1=$(now)
START[docker]=$(echo "$t1 - $t0" | bc -l)
mons=$(pgrep -f "containerd-shim.*$R/dexec" || pgrep -f containerd-shim-runc-v2 || true)
RSS[docker]=$(sum_mem Rss $mons) PSS[docker]=$(sum_mem Pss $mons)
"${DK[@]}" rm -f $("${DK[@]}" ps -q) >/dev/null

med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$T/run.json"; }
echo "## engine ($(date -u +%F), $(uname -r), $(nproc) cores)"
echo
echo "skiff $("$build/skiff" --version | awk '{print $3}' | tr -d ,), $(podman --version), docker $("${DK[@]}" version -f '{{.Server.Version}}')."
echo "Stores on a fresh ext4 (loop), runtime state on tmpfs, cgroup2 mount hidden (crun)."
echo
echo "| metric | unit | skiff | podman | docker | skiff/podman | skiff/docker |"
echo "|---|---|---|---|---|---|---|"
s=$(med skiff) p=$(med podman) d=$(med docker)
printf '| run --rm --network none true | ms | %.1f | %.1f | %.1f | %.2f | %.2f |\n' "$s" "$p" "$d" \
  "$(echo "$s/$p" | bc -l)" "$(echo "$s/$d" | bc -l)"
printf '| %d x run -d sleep | s | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$N" "${START[skiff]}" \
  "${START[podman]}" "${START[docker]}" "$(echo "${START[skiff]}/${START[podman]}" | bc -l)" \
  "$(echo "${START[skiff]}/${START[docker]}" | bc -l)"
for k in RSS PSS; do
  declare -n A=$k
  printf '| %s per container | KiB | %d | %d | %d | %.2f | %.2f |\n' "$k" $((A[skiff] / N)) \
    $((A[podman] / N)) $((A[docker] / N)) "$(echo "${A[skiff]}/${A[podman]}" | bc -l)" \
    "$(echo "${A[skiff]}/${A[docker]}" | bc -l)"
done

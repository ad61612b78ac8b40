#!/usr/bin/env bash
# runtime.sh [SKIFF_BUILD_DIR] - skiff-runc side by side with runc and crun,
# in one run, on the same /bin/true bundle (root; ~2 minutes).
#
#   run /bin/true                  hyperfine median
#   create+start+delete            hyperfine median
#   100 sequential runs            wall time, median of REPEATS
#   peak RSS (run/create/start/delete)   /usr/bin/time -v, median of samples
#
# Prints a markdown report with medians and the ratios skiff/runc and
# skiff/crun.  crun 1.8 refuses the v1/v2 hybrid outright, so on such a
# host the whole measurement runs in a private mount namespace with the
# cgroup2 mount hidden (all three runtimes see the same thing).
# Knobs: RUNS=30 WARMUP=5 SEQ=100 REPEATS=3 SAMPLES=5
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
RUNS=${RUNS:-30} WARMUP=${WARMUP:-5} SEQ=${SEQ:-100} REPEATS=${REPEATS:-3} SAMPLES=${SAMPLES:-5}

[[ $(id -u) == 0 ]] || { echo "runtime.sh: run as root" >&2; exit 1; }
if [[ ${_SKIFF_BENCH_NS:-0} != 1 ]] && mountpoint -q /sys/fs/cgroup/unified; then
  export _SKIFF_BENCH_NS=1
  exec unshare --mount --propagation private -- bash "$0" "$@"
fi
[[ ${_SKIFF_BENCH_NS:-0} == 1 ]] && umount /sys/fs/cgroup/unified 2>/dev/null || true
for t in hyperfine jq /usr/bin/time runc crun; do
  command -v "$t" >/dev/null || { echo "runtime.sh: missing $t (apt-get install hyperfine jq time runc crun)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/skiff-bench.XXXXXX)
chmod 755 "$T"
declare -A BIN=([skiff]=$build/skiff-runc [runc]=$(command -v runc) [crun]=$(command -v crun))
NAMES=(skiff runc crun)
cleanup() {
  local n id
  for n in "${NAMES[@]}"; do
    for id in $("${BIN[$n]}" --root "$T/state-$n" list -q 2>/dev/null); do
      "${BIN[$n]}" --root "$T/state-$n" delete -f "$id" >/dev/null 2>&1 || true
    done
  done
  rm -rf "$T"
}
trap cleanup EXIT

"$here/../tests/image/mk-rootfs.sh" "$T/img" "$build/skiff" 2>/dev/null
B=$T/img/bundle
jq '.root.readonly = true' "$B/config.json" >"$T/c" && mv "$T/c" "$B/config.json"

median() { sort -g | awk '{a[++n]=$1} END{print (n%2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2}'; }
declare -A R=()

for n in "${NAMES[@]}"; do
  b=${BIN[$n]} s=$T/state-$n
  "$b" --root "$s" run -b "$B" sanity </dev/null || { echo "$n cannot run the bundle" >&2; exit 1; }
  hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$T/run-$n.json" \
    "$b --root $s run -b $B hf-run" >/dev/null
  R[run-$n]=$(jq '.results[0].times[]' "$T/run-$n.json" | median | awk '{printf "%.2f", $1*1000}')
  hyperfine --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$T/csd-$n.json" \
    "$b --root $s create -b $B hf-csd </dev/null && $b --root $s start hf-csd && $b --root $s delete -f hf-csd" >/dev/null
  R[csd-$n]=$(jq '.results[0].times[]' "$T/csd-$n.json" | median | awk '{printf "%.2f", $1*1000}')
done

for n in "${NAMES[@]}"; do : >"$T/seq-$n"; done
for ((r = 0; r < REPEATS; r++)); do
  for n in "${NAMES[@]}"; do       # interleaved, so drift hits everyone alike
    b=${BIN[$n]} s=$T/state-$n
    t0=$EPOCHREALTIME
    for ((i = 0; i < SEQ; i++)); do "$b" --root "$s" run -b "$B" "seq-$i" </dev/null; done
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f\n", b-a}' >>"$T/seq-$n"
  done
done
for n in "${NAMES[@]}"; do R[seq-$n]=$(median <"$T/seq-$n"); done

rss() { /usr/bin/time -v -o "$T/time" "$@" </dev/null >/dev/null 2>&1; awk -F: '/Maximum resident/{gsub(/ /,"",$2); print $2}' "$T/time"; }
for n in "${NAMES[@]}"; do
  b=${BIN[$n]} s=$T/state-$n
  : >"$T/r-run" ; : >"$T/r-create"; : >"$T/r-start"; : >"$T/r-delete"
  for ((i = 0; i < SAMPLES; i++)); do
    rss "$b" --root "$s" run -b "$B" "rss-$i" >>"$T/r-run"
    rss "$b" --root "$s" create -b "$B" "rss-c$i" >>"$T/r-create"
    rss "$b" --root "$s" start "rss-c$i" >>"$T/r-start"
    rss "$b" --root "$s" delete -f "rss-c$i" >>"$T/r-delete"
  done
  for k in run create start delete; do R[rss-$k-$n]=$(median <"$T/r-$k"); done
  R[size-$n]=$(( $(stat -Lc %s "$b") / 1024 ))
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
row() { # row LABEL KEY UNIT
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$3" "${R[$2-skiff]}" "${R[$2-runc]}" "${R[$2-crun]}" \
    "$(ratio "${R[$2-skiff]}" "${R[$2-runc]}")" "$(ratio "${R[$2-skiff]}" "${R[$2-crun]}")"
}
echo "## runtime ($(date -u +%F), $(uname -r), $(nproc) cores)"
echo
echo "skiff $("${BIN[skiff]}" --version | head -1 | cut -d' ' -f3) ($(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo ?)), $(runc --version | head -1), $(crun --version | head -1)."
echo "Medians: hyperfine $RUNS runs after $WARMUP warm-up; $SEQ sequential runs x $REPEATS; RSS over $SAMPLES samples."
echo
echo "| metric | unit | skiff | runc | crun | skiff/runc | skiff/crun |"
echo "|---|---|---|---|---|---|---|"
row "run /bin/true" run ms
row "create+start+delete" csd ms
row "$SEQ sequential runs" seq s
row "peak RSS: run" rss-run KiB
row "peak RSS: create" rss-create KiB
row "peak RSS: start" rss-start KiB
row "peak RSS: delete" rss-delete KiB
row "binary size" size KiB

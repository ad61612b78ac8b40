#!/usr/bin/env bash
# pull.sh [SKIFF_BUILD_DIR] - pulling from a local registry into an empty
# store: skiff pull (download + verify + unpack) side by side with
# `skopeo copy` to an OCI directory (download only) and `podman pull`
# (download + unpack, overlay storage), in one run (root; ~3 minutes).
#
# Images, pushed by skopeo into Debian's docker-registry on 127.0.0.1:
#   busybox  one layer, the test image (~1 MB)
#   big      four layers, ~110 MB: busybox, 100 MiB that do not compress,
#            5000 small files in 50 directories, 4 MiB of text
#
# Every run writes to a freshly made ext4 (a loop device): on a file system
# where many files were just deleted, ext4's inode allocator skips
# "recently deleted" inodes one by one and a create costs ~1 ms instead of
# ~20 us, which would measure the previous run's cleanup, not the pull.
#
# Prints a markdown table of hyperfine medians and the ratios skiff/podman
# and skiff/skopeo.  Knobs: RUNS=5 WARMUP=1 (big), SMALL_RUNS=15.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
RUNS=${RUNS:-5} WARMUP=${WARMUP:-1} SMALL_RUNS=${SMALL_RUNS:-15}
[[ $(id -u) == 0 ]] || { echo "pull.sh: run as root" >&2; exit 1; }
for t in hyperfine jq skopeo umoci podman docker-registry python3 curl; do
  command -v "$t" >/dev/null || { echo "pull.sh: missing $t" >&2; exit 1; }
done
source "$here/../tests/image/registry.bash"

T=$(mktemp -d /tmp/skiff-bench-pull.XXXXXX)
M=$T/mnt
cleanup() { registry_stop; umount "$M" 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT

registry_start "$T/reg"
"$here/../tests/image/mk-rootfs.sh" "$T/img" "$build/skiff" 2>/dev/null
L=$T/oci
umoci init --layout "$L" >/dev/null
umoci new --image "$L:busybox" >/dev/null
umoci raw add-layer --image "$L:busybox" "$T/img/rootfs.tar" >/dev/null
umoci config --image "$L:busybox" --config.cmd /bin/sh >/dev/null
mkdir -p "$T/l2" "$T/l3/files" "$T/l4/text"
head -c $((100 << 20)) /dev/urandom >"$T/l2/random.bin"
for d in $(seq 50); do
  mkdir -p "$T/l3/files/d$d"
  for i in $(seq 100); do echo "file $d/$i $RANDOM" >"$T/l3/files/d$d/f$i"; done
done
head -c $((3 << 20)) /dev/urandom | base64 >"$T/l4/text/words.txt"
for l in l2 l3 l4; do tar --numeric-owner --owner=0 --group=0 -C "$T/$l" -cf "$T/$l.tar" .; done
umoci new --image "$L:big" >/dev/null
for f in "$T/img/rootfs.tar" "$T/l2.tar" "$T/l3.tar" "$T/l4.tar"; do
  umoci raw add-layer --image "$L:big" "$f" >/dev/null
done
umoci config --image "$L:big" --config.cmd /bin/sh >/dev/null
for i in busybox big; do
  skopeo copy -q --dest-tls-verify=false "oci:$L:$i" "docker://$REG/bench/$i:1"
done
size=$(du -sb "$T/reg/data" | cut -f1)

mkdir -p "$M"
truncate -s 4G "$T/fs.img"
cat >"$T/fresh.sh" <<FRESH
umount "$M" 2>/dev/null
mkfs.ext4 -q -F "$T/fs.img" && mount -o loop "$T/fs.img" "$M"
FRESH
P="podman --root $M/podman/root --runroot $M/podman/run --tmpdir $M/podman/tmp --storage-driver overlay --events-backend file"
measure() { # measure NAME IMAGE RUNS WARMUP
  local name=$1 img=$REG/bench/$2:1
  hyperfine -N --style none --runs "$3" --warmup "$4" --export-json "$T/$name.json" \
    --prepare "bash $T/fresh.sh" -n skiff "$build/skiff --root $M/skiff pull -q $img" \
    --prepare "bash $T/fresh.sh" -n skopeo "skopeo copy -q --src-tls-verify=false docker://$img oci:$M/skopeo:x" \
    --prepare "bash $T/fresh.sh" -n podman "$P pull -q --tls-verify=false $img" >/dev/null
}
measure small busybox "$SMALL_RUNS" 2
measure big big "$RUNS" "$WARMUP"

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$T/$1.json"; }
echo "Registry: docker-registry on 127.0.0.1 (plain HTTP); stores on a fresh loop-mounted ext4 per run;"
echo "registry storage $((size >> 20)) MiB. Medians of hyperfine runs into an emptied store."
echo
echo "| image | skiff s | skopeo s | podman s | skiff/podman | skiff/skopeo |"
echo "|---|---|---|---|---|---|"
for n in small big; do
  s=$(med "$n" skiff) k=$(med "$n" skopeo) p=$(med "$n" podman)
  printf '| %s | %.3f | %.3f | %.3f | %.2f | %.2f |\n' "$([[ $n == small ]] && echo busybox || echo big)" \
    "$s" "$k" "$p" "$(echo "$s / $p" | bc -l)" "$(echo "$s / $k" | bc -l)"
done

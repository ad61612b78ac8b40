# engines.bash - what bench/engine.sh and bench/network.sh share: skiff,
# podman and a private dockerd side by side on one freshly made ext4 (a
# loop device) with runtime state on a tmpfs, all three with the same
# busybox image (imported) as localhost/bench:1.
#
# Source it after setting:
#   NAME        the script's name, for messages ("engine.sh")
#   TOOLS       the commands the script needs besides the engines
#   DOCKERD_ARGS  dockerd's network options
#   bench_cleanup (optional function) run first on exit
# and call bench_setup "$@" first.  It gives SK, PM, PMRUN, DK (the three
# engines' command lines), T (the scratch directory), q (shell quoting).
#
# crun 1.8 (podman's runtime) refuses the v1/v2 hybrid, so the script re-runs
# itself in a private mount namespace with the cgroup2 mount hidden, as
# bench/runtime.sh does.

bench_setup() {
  [[ $(id -u) == 0 ]] || { echo "$NAME: run as root" >&2; exit 1; }
  if [[ ${_SKIFF_BENCH_NS:-0} != 1 ]] && mountpoint -q /sys/fs/cgroup/unified; then
    export _SKIFF_BENCH_NS=1
    exec unshare --mount --propagation private -- bash "$0" "$@"
  fi
  [[ ${_SKIFF_BENCH_NS:-0} == 1 ]] && umount /sys/fs/cgroup/unified 2>/dev/null || true
  local t
  for t in hyperfine jq podman dockerd docker $TOOLS; do
    command -v "$t" >/dev/null || { echo "$NAME: missing $t" >&2; exit 1; }
  done
  T=$(mktemp -d "/tmp/skiff-bench-${NAME%.sh}.XXXXXX")
  M=$T/mnt R=$T/run
  mkdir -p "$M" "$R"
  truncate -s 4G "$T/fs.img"
  mkfs.ext4 -q -F "$T/fs.img"
  mount -o loop "$T/fs.img" "$M"
  mount -t tmpfs -o mode=0700 tmpfs "$R"
  SK=("$build/skiff" --root "$M/skiff" --runroot "$R/skiff")
  PM=(podman --root "$M/podman" --runroot "$R/podman" --tmpdir "$R/podman-tmp" --storage-driver overlay
      --cgroup-manager cgroupfs --events-backend file)
  PMRUN=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
  DK=(docker -H "unix://$R/docker.sock")
  DPID=
  trap bench_teardown EXIT

  "$here/../tests/image/mk-rootfs.sh" "$T/img" "$build/skiff" 2>/dev/null
  "${SK[@]}" import "$T/img/rootfs.tar" localhost/bench:1 >/dev/null
  "${PM[@]}" import -q "$T/img/rootfs.tar" localhost/bench:1 >/dev/null
  # shellcheck disable=SC2086
  dockerd -H "unix://$R/docker.sock" --data-root "$M/docker" --exec-root "$R/dexec" \
    --pidfile "$R/dockerd.pid" $DOCKERD_ARGS >"$T/dockerd.log" 2>&1 &
  DPID=$!
  for _ in $(seq 100); do "${DK[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
  "${DK[@]}" import "$T/img/rootfs.tar" localhost/bench:1 >/dev/null
}

bench_teardown() {
  set +e
  declare -F bench_cleanup >/dev/null && bench_cleanup
  "${SK[@]}" rm -f $("${SK[@]}" ps -aq) >/dev/null 2>&1
  "${PM[@]}" rm -af >/dev/null 2>&1
  "${PM[@]}" system reset -f >/dev/null 2>&1
  if [[ -n $DPID ]]; then
    "${DK[@]}" rm -f $("${DK[@]}" ps -aq) >/dev/null 2>&1
    kill "$DPID"; wait "$DPID" 2>/dev/null
  fi
  umount -l "$R" "$M" 2>/dev/null
  rm -rf "$T"
}

q() { printf '%q ' "$@"; }

# helpers.bash - shared by the system tests.  Every test gets its own state
# root, bundle and container id; teardown removes all of it, also on failure.
#
# Environment (set by tests/run-system.sh):
#   SKIFF_BUILD     the build directory (skiff, skiff-runc, test helpers)
#   SKIFF_TEST_IMG  the test image from tests/image/mk-rootfs.sh

: "${SKIFF_BUILD:?run through tests/run-system.sh}"
: "${SKIFF_TEST_IMG:?run through tests/run-system.sh}"
SKIFF=$SKIFF_BUILD/skiff
SKIFF_RUNC=$SKIFF_BUILD/skiff-runc
HELPERS=$SKIFF_BUILD/tests/helpers

common_setup() {
  T=$(mktemp -d /tmp/skiff-bats.XXXXXX)
  ROOT=$T/state
  B=$T/bundle
  mkdir -p "$B"
  cp -a "$SKIFF_TEST_IMG/rootfs" "$B/rootfs"
  cp "$SKIFF_TEST_IMG/bundle/config.json" "$B/config.json"
  ID=t${BATS_TEST_NUMBER}-$$-$RANDOM
  BG_PIDS=()
}

common_teardown() {
  local id p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -d $ROOT ]]; then
    for id in $("$SKIFF_RUNC" --root "$ROOT" list -q 2>/dev/null); do
      "$SKIFF_RUNC" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  net_cleanup "$T/root"
  # nothing may stay mounted below the test directory
  grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$T"
}

# The names skiff derives from a --root other than the default (FNV-1a of
# the path): its nft table and its default bridge.
root_hash() {
  local s=$1 h=2166136261 i c
  for ((i = 0; i < ${#s}; i++)); do
    printf -v c '%d' "'${s:i:1}"
    h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
  done
  printf '%08x' "$h"
}

# What the engine under root made in the kernel for its networks: the
# bridges of its networks and its nft table (its containers are gone by now).
net_cleanup() {
  local root=$1 f br h
  [[ -d $root ]] || return 0
  h=$(root_hash "$root")
  for f in "$root"/networks/*.json; do
    [[ -e $f ]] || continue
    br=$(jq -r '.Options["com.docker.network.bridge.name"] // empty' "$f")
    [[ -n $br ]] && ip link del "$br" 2>/dev/null
  done
  ip link del "sk$h" 2>/dev/null
  nft delete table inet "skiff_$h" 2>/dev/null
  return 0
}

# Delete a network namespace of the test: it can stay busy for a moment
# after its last process.
netns_del() {
  local ns=$1
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    ip netns del "$ns" 2>/dev/null && return 0
    [[ -e /run/netns/$ns ]] || return 0
    sleep 0.2
  done
  return 0
}

setup() { common_setup; }
teardown() { common_teardown; }

# runc: the runtime with this test's state root.
runc() { timeout 30 "$SKIFF_RUNC" --root "$ROOT" "$@"; }

# cfg JQ-FILTER: edit the bundle's config.json in place.
cfg() {
  jq "$@" "$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"
}

# args PROG ARG...: the container's process.args.
args() {
  local j
  j=$(jq -cn '$ARGS.positional' --args -- "$@")
  cfg --argjson a "$j" '.process.args = $a'
}

# sh_args SCRIPT: run SCRIPT with /bin/sh -c.
sh_args() { args /bin/sh -c "$1"; }

# wait_until 'CONDITION': evaluate the shell condition again and again for
# up to 5 s (single-quote it so that $(...) inside runs each time).
wait_until() {
  local i
  for i in $(seq 50); do eval "$1" && return 0; sleep 0.1; done
  eval "$1"
}

status_of() { runc state "$1" | jq -r .status; }

# The container's init pid.
pid_of() { runc state "$1" | jq -r .pid; }

# cgroup v1 directory of a controller for a container created with the
# default cgroupsPath (/skiff/<id>).
cg_dir() { echo "/sys/fs/cgroup/$1/skiff/$2"; }

fail() { echo "$@" >&2; return 1; }

# podman's default rlimits (1048576 files) need CAP_SYS_RESOURCE, which this
# kind of host does not grant: ask for what the host allows.
podman_ulimits() {
  local n u
  n=$(ulimit -Hn) u=$(ulimit -Hu)
  [[ $u == unlimited ]] && u=1048576
  # podman 4.3 lowers its own RLIMIT_NPROC hard limit to 32768 before it
  # starts conmon, so the runtime can never set more than that
  ((u > 32768)) && u=32768
  echo "--ulimit nofile=$n:$n --ulimit nproc=$u:$u"
}

# cg_file PID CONTROLLER V1-FILE V2-FILE: a process's cgroup file (v1 or v2)
cg_file() {
  local rel
  rel=$(awk -F: -v c="$2" '$2 ~ "(^|,)"c"(,|$)" {print $3}' "/proc/$1/cgroup")
  if [[ -n $rel ]]; then echo "/sys/fs/cgroup/$2$rel/$3"; return; fi
  rel=$(awk -F: '$1 == 0 {print $3}' "/proc/$1/cgroup")
  echo "/sys/fs/cgroup$rel/$4"
}

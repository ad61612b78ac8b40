#!/usr/bin/env bash
# ci.sh - the whole test suite on a fresh Debian 12 machine, as root.
#
# Installs what it needs, builds skiff four ways (gcc, clang, gcc with
# ASan+UBSan, clang with libFuzzer), runs the unit tests, the system tests
# (with the plain and the sanitizer build), and a short fuzzing run.  The last
# line is "N passed, N failed" over everything; the exit code is non-zero
# when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

# keep in step with README.md's first command
DEPS=(meson ninja-build gcc clang pkg-config libjansson-dev libseccomp-dev
      libarchive-dev zlib1g-dev libzstd-dev libssl-dev libcurl4-openssl-dev
      ca-certificates libmnl-dev libnftables-dev libcmocka-dev libclang-rt-14-dev bats jq curl python3 openssl iproute2 nftables socat zstd
      skopeo umoci docker-registry busybox-static util-linux procps podman
      containerd docker.io runc git docker-compose python3-docker)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

if [[ ${SKIFF_CI_NO_INSTALL:-0} != 1 ]]; then
  apt-get update -q >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${DEPS[@]}" >/dev/null ||
    { echo "ci: installing ${DEPS[*]} failed"; echo "0 passed, 1 failed"; exit 1; }
fi

# dockerode for the API tests: from the npm registry, as the lock file says
if command -v npm >/dev/null && [[ ${SKIFF_CI_NO_INSTALL:-0} != 1 ]]; then
  (cd tests/clients && timeout 300 npm ci --no-audit --no-fund >/dev/null 2>&1) ||
    echo "ci: npm ci in tests/clients failed: the dockerode test is skipped"
fi

pass=0 fail=0
log=$top/build-ci/logs
rm -rf "$log" && mkdir -p "$log"

# count LOGFILE: add the "N passed, N failed" of its last summary line
count() {
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [[ -z $line ]]; then fail=$((fail + 1)); return; fi
  p=${line%% passed*}
  f=${line#*passed, }; f=${f%% failed*}
  pass=$((pass + p)) fail=$((fail + f))
}

# step NAME CMD...: a step that is one check (a build, a fuzz run)
step() {
  local name=$1; shift
  if "$@" >"$log/$name.log" 2>&1; then
    echo "ok - $name"; pass=$((pass + 1)); return 0
  fi
  echo "not ok - $name (log: $log/$name.log)"; tail -n 30 "$log/$name.log" | sed 's/^/#   /'
  fail=$((fail + 1)); return 1
}

build() { # build DIR CC [meson args...]
  local dir=$1 cc=$2; shift 2
  rm -rf "$dir" && CC=$cc meson setup "$dir" "$@" && ninja -C "$dir"
}

suite() { # suite NAME CMD...: a suite that prints its own summary line
  local name=$1; shift
  echo "# $name"
  "$@" 2>&1 | tee "$log/$name.log" | grep -E '^(not ok|# )' | head -n 200
  tail -n 1 "$log/$name.log"
  count "$log/$name.log"
}

step build-gcc build build-ci/gcc gcc && gcc_ok=1 || gcc_ok=0
step build-clang build build-ci/clang clang && clang_ok=1 || clang_ok=0
step build-asan build build-ci/asan gcc -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug &&
  asan_ok=1 || asan_ok=0
step build-fuzz build build-ci/fuzz clang -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false &&
  fuzz_ok=1 || fuzz_ok=0

[[ $gcc_ok == 1 ]] && suite unit-gcc tests/run-unit.sh build-ci/gcc
[[ $clang_ok == 1 ]] && suite unit-clang tests/run-unit.sh build-ci/clang
[[ $asan_ok == 1 ]] && suite unit-asan tests/run-unit.sh build-ci/asan
[[ $gcc_ok == 1 ]] && suite system tests/run-system.sh build-ci/gcc
# sanitizer reports go to files: a monitor's stderr is /dev/null and a failing
# command's exit code hides its leaks, so any report at all fails the run
mkdir -p "$log/sanitizers"
[[ $asan_ok == 1 ]] && suite system-asan env \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0:log_path="$log/sanitizers/asan" \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path="$log/sanitizers/ubsan" \
  tests/run-system.sh build-ci/asan
[[ $asan_ok == 1 ]] && step sanitizer-reports bash -c \
  'shopt -s nullglob; f=("$1"/*); for x in "${f[@]}"; do echo "== $x"; head -60 "$x"; done; [[ ${#f[@]} -eq 0 ]]' _ "$log/sanitizers"
if [[ $fuzz_ok == 1 ]]; then
  for f in spec image net http; do
    corpus=$(mktemp -d /tmp/skiff-fuzz.XXXXXX)
    cp tests/fuzz/corpus-$f/* "$corpus/"
    step fuzz-$f build-ci/fuzz/tests/fuzz/fuzz_$f -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
      -artifact_prefix="$log/fuzz-$f-" "$corpus"
    rm -rf "$corpus"
  done
fi

echo "# logs: $log"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]

#!/usr/bin/env bash
# run-system.sh BUILD_DIR [BATS_FILES...] - the system tests (bats, as root,
# real containers).  Prints TAP and leaves "N passed, N failed, N skipped"
# as the last line.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run-system.sh BUILD_DIR [FILES]}" && pwd)
shift
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=("$here"/system/*.bats)
export SKIFF_BUILD=$build
export SKIFF_TEST_IMG=$build/test-image
if [[ ! -s $SKIFF_TEST_IMG/bundle/config.json ]]; then
  "$here/image/mk-rootfs.sh" "$SKIFF_TEST_IMG" "$build/skiff" >/dev/null || exit 1
fi
out=$(mktemp)
bats --tap --print-output-on-failure "${files[@]}" | tee "$out"
pass=$(grep -cE '^ok [0-9]+' "$out" | tr -d ' ')
skip=$(grep -cE '^ok [0-9]+ .*# skip' "$out" | tr -d ' ')
fail=$(grep -cE '^not ok [0-9]+' "$out" | tr -d ' ')
rm -f "$out"
echo "$((pass - skip)) passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]

#!/usr/bin/env bash
# run-unit.sh BUILD_DIR - the C unit tests of one build, as TAP; the last
# line is "N passed, N failed".
set -uo pipefail
build=${1:?usage: run-unit.sh BUILD_DIR}
pass=0 fail=0
for t in "$build"/tests/unit/test_*; do
  [[ -x $t && ! -d $t ]] || continue
  out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
  rc=$?
  echo "# $(basename "$t")"
  echo "$out"
  p=$(grep -cE '^ok [0-9]+' <<<"$out")
  f=$(grep -cE '^not ok [0-9]+' <<<"$out")
  # a crash before any TAP line still counts as a failure
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  pass=$((pass + p)) fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]

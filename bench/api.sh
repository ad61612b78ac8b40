#!/usr/bin/env bash
# api.sh [SKIFF_BUILD_DIR] - the Docker Engine API side by side, in one run
# (root; ~3 minutes): the same docker CLI against `skiff serve`, a private
# dockerd and `podman system service`:
#
#   docker ps                                   hyperfine median of RUNS
#   docker inspect CONTAINER                    (a running container)
#   docker run --rm --network none IMG true
#   docker --version                            the CLI alone (no request)
#   GET /containers/json, GET /containers/ID/json   the server alone: median
#                                   of 500 requests on fresh connections
#                                   (bench/api_latency.py), no CLI start-up
#
# Engines, stores and image as set up by bench/engines.bash.  The CLI is the
# docker CLI 28 (DOCKER_CLI, default /usr/local/bin/docker).
# Knobs: RUNS=30 WARMUP=3
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
RUNS=${RUNS:-30} WARMUP=${WARMUP:-3}
CLI=${DOCKER_CLI:-/usr/local/bin/docker}
NAME=api.sh TOOLS= DOCKERD_ARGS="--bridge none --iptables=false --ip6tables=false --ip-masq=false"
SPID= PPID_=
bench_cleanup() {
  [[ -n $SPID ]] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  [[ -n $PPID_ ]] && kill "$PPID_" 2>/dev/null && wait "$PPID_" 2>/dev/null
  return 0
}
# shellcheck source=bench/engines.bash
. "$here/engines.bash"
bench_setup "$@"
[[ -x $CLI ]] || { echo "$NAME: no docker CLI at $CLI" >&2; exit 1; }

"${SK[@]}" serve -H "unix://$R/skiff.sock" 2>"$T/serve.log" &
SPID=$!
"${PM[@]}" system service --time 0 "unix://$R/podman.sock" 2>"$T/podman-service.log" &
PPID_=$!
for s in skiff.sock podman.sock docker.sock; do
  for _ in $(seq 100); do "$CLI" -H "unix://$R/$s" version >/dev/null 2>&1 && break; sleep 0.1; done
done
declare -A H=([skiff]="unix://$R/skiff.sock" [docker]="unix://$R/docker.sock" [podman]="unix://$R/podman.sock")
# crun (podman's runtime) cannot raise these rlimits here: podman's runs say so
declare -A X=([skiff]="" [docker]="" [podman]="$(q "${PMRUN[@]}")")
for e in skiff docker podman; do
  # shellcheck disable=SC2086
  "$CLI" -H "${H[$e]}" run -d ${X[$e]} --name bench-target --network none localhost/bench:1 sleep 600 >/dev/null
done

bench() { # bench NAME ARGS...: hyperfine over the three engines ("RUN" -> run + engine flags)
  local n=$1 cmds=() e a
  shift
  for e in skiff docker podman; do
    a=$(q "$CLI" -H "${H[$e]}" "$@")
    cmds+=(-n "$e" "${a/RUN /run ${X[$e]} }")
  done
  hyperfine -N --style none --runs "$RUNS" --warmup "$WARMUP" --export-json "$T/$n.json" "${cmds[@]}" >/dev/null
}
bench ps ps
bench inspect inspect bench-target
# the CLI alone, no request: the floor under every "docker ..." row
hyperfine -N --style none --runs "$RUNS" --warmup "$WARMUP" --export-json "$T/cli.json" -n cli "$(q "$CLI") --version" >/dev/null
declare -A LPS LIN
for e in skiff docker podman; do
  s=${H[$e]#unix://}
  id=$("$CLI" -H "${H[$e]}" inspect -f '{{.Id}}' bench-target)
  LPS[$e]=$(python3 "$here/api_latency.py" "$s" /v1.41/containers/json 500 | cut -d' ' -f1)
  LIN[$e]=$(python3 "$here/api_latency.py" "$s" "/v1.41/containers/$id/json" 500 | cut -d' ' -f1)
done
bench run RUN --rm --network none localhost/bench:1 true
for e in skiff docker podman; do "$CLI" -H "${H[$e]}" rm -f bench-target >/dev/null; done

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$T/$1.json"; }
echo "## api ($(date -u +%F), $(uname -r), $(nproc) cores)"
echo
echo "docker CLI $("$CLI" --version | awk '{print $3}' | tr -d ,) against skiff serve $("$build/skiff" --version | awk '{print $3}' | tr -d ,), dockerd $("${DK[@]}" version -f '{{.Server.Version}}') and $(podman --version) (system service)."
echo "Medians of $RUNS runs; stores on a fresh ext4 (loop), runtime state on tmpfs."
echo
echo "| command | unit | skiff | dockerd | podman | skiff/dockerd | skiff/podman |"
echo "|---|---|---|---|---|---|---|"
for n in ps inspect run; do
  s=$(med "$n" skiff) d=$(med "$n" docker) p=$(med "$n" podman)
  label=$n
  [[ $n == inspect ]] && label="inspect CONTAINER"
  [[ $n == run ]] && label="run --rm --network none true"
  printf '| docker %s | ms | %.1f | %.1f | %.1f | %.2f | %.2f |\n' "$label" "$s" "$d" "$p" \
    "$(echo "$s/$d" | bc -l)" "$(echo "$s/$p" | bc -l)"
done
for k in LPS LIN; do
  declare -n L=$k
  label="GET /containers/json"
  [[ $k == LIN ]] && label="GET /containers/ID/json"
  printf '| API %s (server only) | ms | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$label" "${L[skiff]}" \
    "${L[docker]}" "${L[podman]}" "$(echo "${L[skiff]}/${L[docker]}" | bc -l)" \
    "$(echo "${L[skiff]}/${L[podman]}" | bc -l)"
done
cli=$(med cli cli) d=$(med ps docker)
echo
printf 'The docker CLI alone (`docker --version`, no request): %.1f ms; half of dockerd'"'"'s `docker ps` (the target) would be %.1f ms.\n' "$cli" "$(echo "$d/2" | bc -l)"

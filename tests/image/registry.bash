# registry.bash - a real registry for tests (Debian's docker-registry) on
# 127.0.0.1, and test images pushed into it.  Sourced by the bats files.
#
#   registry_config FILE ADDR STORAGE [CERT KEY]   write a config
#   registry_start DIR      start one; sets REG (127.0.0.1:PORT), REG_PID
#   registry_stop           stop it (by PID) and remove its storage
#   reg_push_blob REPO FILE prints the digest
#   reg_push_manifest REPO REF MEDIATYPE FILE   prints the digest
#   reg_image REPO TAG ARCH LAYER...   an OCI image from layer files
#                           (.tar, .tar.gz, .tar.zst); prints its manifest's
#                           descriptor as JSON
#   proxy_start DIR ARGS... regproxy.py in front of $REG; sets PROXY, PROXY_PID
#   proxy_stop

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# registry_config FILE ADDR STORAGE [CERT KEY]: a docker-registry config
registry_config() {
  cat >"$1" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $3
  delete:
    enabled: true
http:
  addr: $2
YML
  [[ -z ${4:-} ]] || printf '  tls:\n    certificate: %s\n    key: %s\n' "$4" "$5" >>"$1"
}

registry_start() {
  local dir=$1 port i
  mkdir -p "$dir/data"
  for i in 1 2 3 4 5; do
    port=$(free_port)
    registry_config "$dir/config.yml" "127.0.0.1:$port" "$dir/data"
    docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    REG_PID=$!
    REG=127.0.0.1:$port
    REG_DIR=$dir
    for _ in $(seq 50); do
      curl -sf "http://$REG/v2/" >/dev/null 2>&1 && return 0
      kill -0 "$REG_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null
  done
  echo "registry did not start: $(cat "$dir/registry.log")" >&2
  return 1
}

registry_stop() {
  [[ -n ${REG_PID:-} ]] || return 0
  kill "$REG_PID" 2>/dev/null || true
  wait "$REG_PID" 2>/dev/null || true
  REG_PID=
}

proxy_start() {
  local dir=$1; shift
  rm -f "$dir/proxy.port"
  python3 "$(dirname "${BASH_SOURCE[0]}")/regproxy.py" --upstream "$REG" \
    --port-file "$dir/proxy.port" --log "$dir/proxy.log" "$@" >"$dir/proxy.err" 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 100); do
    [[ -s $dir/proxy.port ]] && { PROXY=127.0.0.1:$(cat "$dir/proxy.port"); return 0; }
    kill -0 "$PROXY_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "proxy did not start: $(cat "$dir/proxy.err")" >&2
  return 1
}

proxy_stop() {
  [[ -n ${PROXY_PID:-} ]] || return 0
  kill "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
  PROXY_PID=
}

sha256_of() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

reg_push_blob() {
  local repo=$1 file=$2 d loc sep
  d=$(sha256_of "$file")
  loc=$(curl -sf -X POST -D - -o /dev/null "http://$REG/v2/$repo/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  [[ -n $loc ]] || { echo "reg_push_blob: no upload location" >&2; return 1; }
  [[ $loc == http* ]] || loc="http://$REG$loc"
  sep='?'; [[ $loc == *\?* ]] && sep='&'
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$file" \
    "$loc${sep}digest=$d" >/dev/null || { echo "reg_push_blob: upload of $file failed" >&2; return 1; }
  echo "$d"
}

reg_push_manifest() {
  local repo=$1 ref=$2 mt=$3 file=$4
  curl -sf -X PUT -H "Content-Type: $mt" --data-binary @"$file" \
    "http://$REG/v2/$repo/manifests/$ref" >/dev/null || { echo "reg_push_manifest: $repo:$ref failed" >&2; return 1; }
  sha256_of "$file"
}

layer_media_type() {
  case $1 in
    *.tar.gz) echo application/vnd.oci.image.layer.v1.tar+gzip ;;
    *.tar.zst) echo application/vnd.oci.image.layer.v1.tar+zstd ;;
    *) echo application/vnd.oci.image.layer.v1.tar ;;
  esac
}

diff_id_of() {
  case $1 in
    *.gz) echo "sha256:$(zcat "$1" | sha256sum | cut -d' ' -f1)" ;;
    *.zst) echo "sha256:$(zstd -dc "$1" | sha256sum | cut -d' ' -f1)" ;;
    *) sha256_of "$1" ;;
  esac
}

reg_image() {
  local repo=$1 tag=$2 arch=$3; shift 3
  local w; w=$(mktemp -d)
  local layers='[]' diffs='[]' f d
  for f in "$@"; do
    d=$(reg_push_blob "$repo" "$f") || return 1
    layers=$(jq -c --arg mt "$(layer_media_type "$f")" --arg d "$d" --argjson s "$(stat -c %s "$f")" \
      '. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layers")
    diffs=$(jq -c --arg d "$(diff_id_of "$f")" '. + [$d]' <<<"$diffs")
  done
  jq -n --arg arch "$arch" --argjson diffs "$diffs" '{architecture: $arch, os: "linux",
      created: "2026-01-02T03:04:05Z",
      config: {Cmd: ["/bin/sh"], Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
      rootfs: {type: "layers", diff_ids: $diffs}}' >"$w/config.json"
  d=$(reg_push_blob "$repo" "$w/config.json") || return 1
  jq -n --arg d "$d" --argjson s "$(stat -c %s "$w/config.json")" --argjson layers "$layers" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s},
      layers: $layers}' >"$w/manifest.json"
  d=$(reg_push_manifest "$repo" "$tag" application/vnd.oci.image.manifest.v1+json "$w/manifest.json") || return 1
  jq -n -c --arg d "$d" --argjson s "$(stat -c %s "$w/manifest.json")" --arg arch "$arch" \
    '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
      platform: {os: "linux", architecture: $arch}}'
  rm -rf "$w"
}

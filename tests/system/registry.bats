#!/usr/bin/env bats
# Pulling from a real registry (Debian's docker-registry on 127.0.0.1), with
# images pushed by skopeo and by hand: OCI and docker schema 2 manifests, a
# manifest list with two platforms, gzip/zstd/plain layers, whiteouts; the
# token and basic auth flows; broken connections; concurrent and killed
# pulls; the errors a user sees.

load helpers
source "$BATS_TEST_DIRNAME/../image/registry.bash"

setup_file() {
  RT=$(mktemp -d /tmp/skiff-reg.XXXXXX)
  export RT
  registry_start "$RT/reg"
  export REG REG_PID
  local F=$RT/fx
  mkdir -p "$F"
  cp "$SKIFF_TEST_IMG/rootfs.tar" "$F/base.tar"
  gzip -n -c "$F/base.tar" >"$F/base.tar.gz"
  zstd -q -c "$F/base.tar" >"$F/base.tar.zst"
  # test/busybox:1 - one layer, an OCI manifest, pushed by skopeo
  umoci init --layout "$F/oci" >/dev/null
  umoci new --image "$F/oci:bb" >/dev/null
  umoci raw add-layer --image "$F/oci:bb" "$F/base.tar" >/dev/null
  umoci config --image "$F/oci:bb" --config.cmd /bin/sh --config.env PATH=/bin:/sbin >/dev/null
  skopeo copy -q --dest-tls-verify=false "oci:$F/oci:bb" "docker://$REG/test/busybox:1" >/dev/null
  # test/multi:1 - three layers sharing the first with test/busybox, the
  # third deleting /etc/hostname and making /opaque opaque; docker schema 2
  mkdir -p "$F/l1/opaque" "$F/l1/data" "$F/l2/etc" "$F/l2/opaque"
  echo old >"$F/l1/opaque/old"; echo keep >"$F/l1/data/keep"
  : >"$F/l2/etc/.wh.hostname"; : >"$F/l2/opaque/.wh..wh..opq"; echo new >"$F/l2/opaque/new"
  tar --numeric-owner --owner=0 --group=0 -C "$F/l1" -cf "$F/l1.tar" .
  tar --numeric-owner --owner=0 --group=0 -C "$F/l2" -cf "$F/l2.tar" .
  umoci new --image "$F/oci:multi" >/dev/null
  for l in base l1 l2; do umoci raw add-layer --image "$F/oci:multi" "$F/$l.tar" >/dev/null; done
  umoci config --image "$F/oci:multi" --config.cmd /bin/sh --config.label org.test=multi >/dev/null
  skopeo copy -q --format v2s2 --dest-tls-verify=false "oci:$F/oci:multi" "docker://$REG/test/multi:1" >/dev/null
  # test/zstd:1 - a zstd layer and an uncompressed one
  mkdir -p "$F/z" && echo zstd-ok >"$F/z/zstd-ok"
  tar --numeric-owner --owner=0 --group=0 -C "$F/z" -cf "$F/z.tar" .
  reg_image test/zstd 1 amd64 "$F/base.tar.zst" "$F/z.tar" >/dev/null
  # test/list:1 - an OCI index: linux/amd64 and linux/arm64, told apart by /arch
  local a
  for a in amd64 arm64; do
    mkdir -p "$F/$a" && echo "$a" >"$F/$a/arch"
    tar --numeric-owner --owner=0 --group=0 -C "$F/$a" -czf "$F/$a.tar.gz" .
    reg_image test/list "$a" "$a" "$F/base.tar.gz" "$F/$a.tar.gz" >"$F/$a.desc"
  done
  jq -n --slurpfile a "$F/amd64.desc" --slurpfile b "$F/arm64.desc" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: ($b + $a)}' >"$F/index.json"
  reg_push_manifest test/list 1 application/vnd.oci.image.index.v1+json "$F/index.json" >"$F/index.digest"
  # test/dlist:1 - a docker manifest list: linux/arm/v7 and linux/amd64, both
  # the schema 2 image of test/multi (the registry wants entries it has)
  skopeo copy -q --format v2s2 --dest-tls-verify=false "oci:$F/oci:multi" "docker://$REG/test/dlist:amd64" >/dev/null
  local mt=application/vnd.docker.distribution.manifest.v2+json
  curl -sf -H "Accept: $mt" "http://$REG/v2/test/dlist/manifests/amd64" >"$F/dlist-amd64.json"
  jq -n --arg mt "$mt" --arg d "$(sha256_of "$F/dlist-amd64.json")" --argjson s "$(stat -c %s "$F/dlist-amd64.json")" \
    '{schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
      manifests: [{mediaType: $mt, digest: $d, size: $s,
                   platform: {architecture: "arm", os: "linux", variant: "v7"}},
                  {mediaType: $mt, digest: $d, size: $s, platform: {architecture: "amd64", os: "linux"}}]}' >"$F/dlist.json"
  reg_push_manifest test/dlist 1 application/vnd.docker.distribution.manifest.list.v2+json "$F/dlist.json" >"$F/dlist.digest"
  # test/bad:1 - the config's diff id does not match the layer
  reg_image test/bad 1 amd64 "$F/z.tar" >/dev/null
  local m c
  m=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/test/bad/manifests/1")
  curl -sf "http://$REG/v2/test/bad/blobs/$(jq -r .config.digest <<<"$m")" |
    jq --arg d "$(sha256_of "$F/base.tar")" '.rootfs.diff_ids = [$d]' >"$F/badcfg.json"
  c=$(reg_push_blob test/bad "$F/badcfg.json")
  jq --arg c "$c" --argjson s "$(stat -c %s "$F/badcfg.json")" '.config.digest = $c | .config.size = $s' \
    <<<"$m" >"$F/bad.json"
  reg_push_manifest test/bad 1 application/vnd.oci.image.manifest.v1+json "$F/bad.json" >/dev/null
  # test/big:1 - 8 MiB that do not compress, for pulls that take a while
  head -c $((8 << 20)) /dev/urandom >"$F/big.bin"
  mkdir -p "$F/big" && mv "$F/big.bin" "$F/big/"
  tar --numeric-owner --owner=0 --group=0 -C "$F/big" -czf "$F/big.tar.gz" .
  reg_image test/big 1 amd64 "$F/base.tar.gz" "$F/big.tar.gz" >/dev/null
}

teardown_file() {
  registry_stop
  rm -rf "$RT"
}

setup() {
  common_setup
  SK=("$SKIFF" --root "$T/root" --runroot "$T/run")
  export DOCKER_CONFIG=$T/docker-config
  PROXY_PID= NS= VH= NS_PIDS=()
}

teardown() {
  proxy_stop
  netns_teardown
  common_teardown
}

skiff() { timeout 120 "${SK[@]}" "$@"; }

layer_dir() { echo "$T/root/image/layers/${1#sha256:}/diff"; }

# The store holds no image, name, layer or blob, and no work in progress.
store_empty() {
  [ -z "$(skiff images -aq)" ] || fail "images: $(skiff images -a)"
  [ -z "$(ls "$T/root/image/layers" 2>/dev/null)" ] || fail "layers: $(ls "$T/root/image/layers")"
  [ -z "$(find "$T/root/image/blobs" -type f 2>/dev/null)" ] || fail "blobs: $(find "$T/root/image/blobs" -type f)"
  [ -z "$(ls "$T/root/image/tmp" 2>/dev/null)" ] || fail "tmp: $(ls "$T/root/image/tmp")"
}

# Run sh -c "$1" in a container whose root is an overlay of the image's layers.
run_in_image() {
  local img=$1 cmd=$2 lowers=$T/empty l
  mkdir -p "$T/empty"   # overlay wants two lowerdirs at least
  for l in $(skiff image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$img"); do
    lowers="$(layer_dir "$l"):$lowers"
  done
  mkdir -p "$T/ctr/rootfs"
  mount -t overlay overlay -o "lowerdir=$lowers" "$T/ctr/rootfs"
  jq --arg c "$cmd" '.process.args = ["sh", "-c", $c] | .root.path = "rootfs"' "$B/config.json" >"$T/ctr/config.json"
  run runc run --bundle "$T/ctr" "$ID"
  umount "$T/ctr/rootfs"
}

@test "pull: an OCI image; docker's output; a second pull is up to date" {
  run skiff pull "$REG/test/busybox:1"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1: Pulling from test/busybox" ]
  [[ ${lines[1]} =~ ^[0-9a-f]{12}:\ Pulling\ fs\ layer$ ]]
  [[ ${lines[2]} =~ ^[0-9a-f]{12}:\ Pull\ complete$ ]]
  d=$(curl -sf -o /dev/null -w '%header{docker-content-digest}' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/test/busybox/manifests/1")
  [ "${lines[3]}" = "Digest: $d" ]
  [ "${lines[4]}" = "Status: Downloaded newer image for $REG/test/busybox:1" ]
  [ "${lines[5]}" = "$REG/test/busybox:1" ]
  run skiff image inspect -f '{{json .RepoTags}} {{json .RepoDigests}} {{json .Config.Cmd}} {{json .Config.Env}} {{.Os}}/{{.Architecture}}' "$REG/test/busybox:1"
  [ "$output" = "[\"$REG/test/busybox:1\"] [\"$REG/test/busybox@$d\"] [\"/bin/sh\"] [\"PATH=/bin:/sbin\"] linux/amd64" ]
  run_in_image "$REG/test/busybox:1" 'ls /bin/busybox'
  [ "$output" = /bin/busybox ]
  run skiff pull "$REG/test/busybox:1"
  [ "$status" -eq 0 ]
  [ "${lines[-2]}" = "Status: Image is up to date for $REG/test/busybox:1" ]
  run skiff pull -q "$REG/test/busybox"
  [ "$status" -ne 0 ]
  [ "$output" = "Error: manifest for $REG/test/busybox:latest not found: manifest unknown" ]
}

@test "pull: docker schema 2, three layers with whiteouts; a shared layer already exists" {
  skiff pull -q "$REG/test/busybox:1"
  run skiff pull "$REG/test/multi:1"
  [ "$status" -eq 0 ]
  [[ ${lines[1]} == *": Already exists" ]]
  [ "$(grep -c 'Pull complete' <<<"$output")" -eq 2 ]
  run skiff image inspect -f '{{len .RootFS.Layers}} {{index .Config.Labels "org.test"}}' "$REG/test/multi:1"
  [ "$output" = "3 multi" ]
  base=$(skiff image inspect -f '{{index .RootFS.Layers 0}}' "$REG/test/busybox:1")
  [ "$(skiff image inspect -f '{{index .RootFS.Layers 0}}' "$REG/test/multi:1")" = "$base" ]
  [ "$(ls "$T/root/image/layers" | wc -l)" -eq 3 ]
  run_in_image "$REG/test/multi:1" 'ls /etc/hostname 2>&1; ls /opaque; cat /data/keep'
  [[ ${lines[0]} == *"No such file or directory"* ]]
  [ "${lines[1]}" = new ]
  [ "${lines[2]}" = keep ]
  # podman pulls the same image to the same id
  P=(podman --root "$T/podman/root" --runroot "$T/podman/run" --tmpdir "$T/podman/tmp"
     --storage-driver vfs --cgroup-manager=cgroupfs --events-backend=file)
  pid=$(DOCKER_CONFIG= timeout 120 "${P[@]}" pull -q --tls-verify=false "$REG/test/multi:1")
  "${P[@]}" system reset -f >/dev/null 2>&1 || true
  [ "sha256:$pid" = "$(skiff image inspect -f '{{.Id}}' "$REG/test/multi:1")" ]
}

@test "pull: a zstd layer and an uncompressed one" {
  run skiff pull "$REG/test/zstd:1"
  [ "$status" -eq 0 ]
  run_in_image "$REG/test/zstd:1" 'cat /zstd-ok; ls /bin/sh'
  [ "$output" = "$(printf 'zstd-ok\n/bin/sh')" ]
}

@test "pull: a manifest list picks the platform; --platform; no matching platform" {
  idx=$(cat "$RT/fx/index.digest")
  run skiff pull "$REG/test/list:1"
  [ "$status" -eq 0 ]
  [ "${lines[-3]}" = "Digest: $idx" ]
  run skiff image inspect -f '{{.Architecture}} {{json .RepoDigests}}' "$REG/test/list:1"
  [ "$output" = "amd64 [\"$REG/test/list@$idx\"]" ]
  run_in_image "$REG/test/list:1" 'cat /arch'
  [ "$output" = amd64 ]
  run skiff pull --platform linux/arm64 "$REG/test/list:1"
  [ "$status" -eq 0 ]
  [ "$(skiff image inspect -f '{{.Architecture}}' "$REG/test/list:1")" = arm64 ]
  [ "$(skiff images -q | wc -l)" -eq 2 ]   # the amd64 one lost its tag, not its digest name
  run skiff pull --platform linux/s390x "$REG/test/list:1"
  [ "$status" -ne 0 ]
  [ "${lines[-1]}" = "Error: no matching manifest for linux/s390x in the manifest list entries" ]
  # a docker manifest list too
  run skiff pull -q "$REG/test/dlist:1"
  [ "$status" -eq 0 ]
  run skiff image inspect -f '{{index .Config.Labels "org.test"}} {{json .RepoDigests}}' "$REG/test/dlist:1"
  [ "$output" = "multi [\"$REG/test/dlist@$(cat "$RT/fx/dlist.digest")\"]" ]
  run skiff pull --platform linux/arm64 "$REG/test/busybox:1"
  [ "$status" -ne 0 ]
  [[ $output == *"does not match the specified platform: wanted linux/arm64, actual: linux/amd64" ]]
}

@test "pull: by digest names the image by digest only" {
  d=$(curl -sf -o /dev/null -w '%header{docker-content-digest}' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/test/busybox/manifests/1")
  run skiff pull "$REG/test/busybox@$d"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$REG/test/busybox@$d" ]
  run skiff image inspect -f '{{json .RepoTags}} {{json .RepoDigests}}' "$REG/test/busybox@$d"
  [ "$output" = "[] [\"$REG/test/busybox@$d\"]" ]
  bad=sha256:$(printf '%064d' 0)
  run skiff pull "$REG/test/busybox@$bad"
  [ "$status" -ne 0 ]
  [[ $output == *"manifest unknown"* ]]
}

@test "pull errors: unreachable, unknown, digest mismatch, diff id mismatch; the store stays empty" {
  port=$(free_port)
  run skiff pull "127.0.0.1:$port/test/busybox:1"
  [ "$status" -ne 0 ]
  [[ $output == "Error: registry unreachable: "*"127.0.0.1 port $port"* ]]
  run skiff pull "$REG/nosuch/repo:1"
  [ "$status" -ne 0 ]
  [ "$output" = "Error: manifest for $REG/nosuch/repo:1 not found: manifest unknown" ]
  store_empty
  proxy_start "$T" --corrupt-blobs 0   # the config
  run skiff pull "$PROXY/test/multi:1"
  [ "$status" -ne 0 ]
  [[ ${lines[-1]} == "Error: blob sha256:"*": digest mismatch: the registry sent content hashing to sha256:"* ]]
  store_empty
  proxy_stop
  proxy_start "$T" --corrupt-blobs 100000   # the layers
  run skiff pull "$PROXY/test/multi:1"
  [ "$status" -ne 0 ]
  [[ ${lines[-1]} == "Error: layer sha256:"*"layer digest mismatch: expected sha256:"* ]]
  store_empty
  run skiff pull "$REG/test/bad:1"
  [ "$status" -ne 0 ]
  [[ $output == *"diff id mismatch"* ]]
  store_empty
}

@test "auth: the token flow with skiff login; logout; basic auth" {
  proxy_start "$T" --token alice:s3cret
  run skiff pull "$PROXY/test/busybox:1"
  [ "$status" -ne 0 ]
  [ "$output" = "Error: pull access denied for $PROXY/test/busybox:1, repository does not exist or may require 'skiff login': unauthorized: authentication required" ]
  run skiff login -u alice --password-stdin "$PROXY" <<<"wrong"
  [ "$status" -ne 0 ]
  [[ $output == *"unauthorized: incorrect username or password"* ]]
  [ ! -e "$DOCKER_CONFIG/config.json" ]
  run skiff login -u alice --password-stdin "http://$PROXY/" <<<"s3cret"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "Login Succeeded" ]
  [ "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600 ]
  [ "$(jq -r --arg k "$PROXY" '.auths[$k].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" = "alice:s3cret" ]
  run skiff pull -q "$PROXY/test/busybox:1"
  [ "$status" -eq 0 ]
  grep -q '^GET /token?service=test-registry&scope=repository%3Atest%2Fbusybox%3Apull - 200' "$T/proxy.log"
  run skiff logout "$PROXY"
  [ "$output" = "Removing login credentials for $PROXY" ]
  [ "$(jq '.auths | length' "$DOCKER_CONFIG/config.json")" -eq 0 ]
  run skiff logout "$PROXY"
  [ "$output" = "Not logged in to $PROXY" ]
  proxy_stop
  # basic auth, with credentials docker wrote (an "auths" key with a scheme)
  proxy_start "$T" --basic bob:pw
  run skiff pull "$PROXY/test/zstd:1"
  [ "$status" -ne 0 ]
  jq -n --arg k "http://$PROXY" --arg a "$(printf bob:pw | base64)" '{auths: {($k): {auth: $a}}}' >"$DOCKER_CONFIG/config.json"
  run skiff pull -q "$PROXY/test/zstd:1"
  [ "$status" -eq 0 ]
}

@test "a broken connection resumes with a Range request; a server that ignores Range works too" {
  proxy_start "$T" --break-blobs
  run skiff pull -q "$PROXY/test/big:1"
  [ "$status" -eq 0 ]
  grep -E -q '^GET /v2/test/big/blobs/sha256:[0-9a-f]+ - 200 cut$' "$T/proxy.log"
  grep -E -q '^GET /v2/test/big/blobs/sha256:[0-9a-f]+ bytes=[0-9]+- 206$' "$T/proxy.log"
  run_in_image "$PROXY/test/big:1" 'wc -c </big.bin'
  [ "$output" = $((8 << 20)) ]
  proxy_stop
  skiff rmi -f "$PROXY/test/big:1" >/dev/null
  skiff image prune -af >/dev/null
  proxy_start "$T" --break-blobs --ignore-range
  run skiff pull -q "$PROXY/test/big:1"
  [ "$status" -eq 0 ]
  cmp <(run_in_image "$PROXY/test/big:1" 'md5sum </big.bin'; echo "$output") \
      <(tar -xzOf "$RT/fx/big.tar.gz" ./big.bin | md5sum)
}

@test "concurrent pulls of images sharing a layer fetch and unpack it once" {
  # four images whose first layer is the same tar: gzip by umoci, gzip by
  # gzip -n, zstd; one diff id, three blobs
  proxy_start "$T" --slow-blobs 1000000
  local refs=(test/list:1 test/list:arm64 test/zstd:1 test/multi:1) pids=() r
  for r in "${refs[@]}"; do
    skiff pull -q "$PROXY/$r" >"$T/${r//[:\/]/_}.out" 2>&1 &
    pids+=($!)
  done
  BG_PIDS+=("${pids[@]}")
  for p in "${pids[@]}"; do wait "$p"; done
  umoci_base=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REG/v2/test/multi/manifests/1" | jq -r '.layers[0].digest')
  n=$(grep -c -E "GET /v2/test/[a-z]+/blobs/($(sha256_of "$RT/fx/base.tar.gz")|$(sha256_of "$RT/fx/base.tar.zst")|$umoci_base) " "$T/proxy.log")
  [ "$n" -eq 1 ]
  [ "$(skiff images -q | sort -u | wc -l)" -eq 4 ]
  # base, amd64, arm64, z, l1, l2
  [ "$(ls "$T/root/image/layers" | wc -l)" -eq 6 ]
  [ -z "$(ls "$T/root/image/tmp")" ]
}

@test "a pull killed midway leaves no image and no partial layer; the next pull completes" {
  proxy_start "$T" --slow-blobs 2000000
  "${SK[@]}" pull -q "$PROXY/test/big:1" >"$T/pull.out" 2>&1 &
  p=$!
  BG_PIDS+=($p)
  wait_until 'grep -q "blobs/$(sha256_of "$RT/fx/big.tar.gz")" "$T/proxy.log"'
  sleep 0.5
  [ -n "$(ls "$T/root/image/tmp")" ]   # mid-unpack
  kill -9 $p
  wait $p || true
  [ -z "$(skiff images -aq)" ]
  run skiff image inspect "$PROXY/test/big:1"
  [ "$status" -ne 0 ]
  big=$(diff_id_of "$RT/fx/big.tar.gz")
  [ ! -e "$T/root/image/layers/${big#sha256:}" ]
  proxy_stop
  run skiff pull -q "$REG/test/big:1"
  [ "$status" -eq 0 ]
  [ -z "$(ls "$T/root/image/tmp")" ]
  run_in_image "$REG/test/big:1" 'wc -c </big.bin'
  [ "$output" = $((8 << 20)) ]
}

@test "on a terminal: a bar per layer and a total; -q prints the name only" {
  proxy_start "$T" --slow-blobs 8000000
  run timeout 120 script -qec "${SK[*]} pull $PROXY/test/big:1" /dev/null
  [ "$status" -eq 0 ]
  [[ $output == *"Downloading ["*"=>"*"MB/"* ]]
  [[ $output == *"Total: "*"MB/"*"MB"* ]]
  [[ $output == *$'\e[3A'* ]]   # two layers and the total are redrawn in place
  [[ ${lines[-1]} == "$PROXY/test/big:1"* ]]
  skiff rmi -f "$PROXY/test/big:1" >/dev/null
  run timeout 120 script -qec "${SK[*]} pull -q $PROXY/test/big:1" /dev/null
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ ${lines[0]} == "$PROXY/test/big:1"* ]]
}

# Registries on 198.18.0.2 in a network namespace of this test (not
# loopback, so HTTPS is the default): one plain HTTP, one TLS with a
# self-signed certificate, both serving the shared registry's storage.
netns_registries() {
  NS=skiff-reg-$$-$BATS_TEST_NUMBER VH=skrh$$ VN=skrn$$
  ip netns add "$NS"
  ip link add "$VH" type veth peer name "$VN"
  ip link set "$VN" netns "$NS"
  ip addr add 198.18.0.1/24 dev "$VH" && ip link set "$VH" up
  ip -n "$NS" addr add 198.18.0.2/24 dev "$VN"
  ip -n "$NS" link set "$VN" up && ip -n "$NS" link set lo up
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=198.18.0.2 \
    -addext subjectAltName=IP:198.18.0.2 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
  local p
  for p in 5000 5443; do
    if [[ $p == 5443 ]]; then
      registry_config "$T/reg-$p.yml" "198.18.0.2:$p" "$RT/reg/data" "$T/cert.pem" "$T/key.pem"
    else
      registry_config "$T/reg-$p.yml" "198.18.0.2:$p" "$RT/reg/data"
    fi
    ip netns exec "$NS" docker-registry serve "$T/reg-$p.yml" >"$T/reg-$p.log" 2>&1 &
    NS_PIDS+=($!)
  done
  wait_until 'curl -sf http://198.18.0.2:5000/v2/ >/dev/null && curl -sfk https://198.18.0.2:5443/v2/ >/dev/null'
}

netns_teardown() {
  local p
  for p in "${NS_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${NS_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n ${NS:-} ]]; then netns_del "$NS"; fi
  if [[ -n ${VH:-} ]]; then ip link del "$VH" 2>/dev/null || true; fi
  NS= VH=
  return 0
}

@test "HTTPS by default, TLS verified; --insecure-registry: no verification, HTTP when HTTPS fails" {
  NS_PIDS=()
  netns_registries
  run skiff pull -q 198.18.0.2:5000/test/busybox:1
  [ "$status" -ne 0 ]
  [[ $output == "Error: https://198.18.0.2:5000/v2/"*"TLS handshake failed"*"--insecure-registry)" ]]
  run skiff pull -q 198.18.0.2:5443/test/busybox:1
  [ "$status" -ne 0 ]
  [[ $output == *"the registry's TLS certificate is not trusted"* ]]
  store_empty
  run skiff --insecure-registry 198.18.0.2:5000 pull -q 198.18.0.2:5000/test/busybox:1
  [ "$status" -eq 0 ]
  [ "$output" = 198.18.0.2:5000/test/busybox:1 ]
  run env SKIFF_INSECURE_REGISTRIES=198.18.0.2:5443 "${SK[@]}" pull -q 198.18.0.2:5443/test/zstd:1
  [ "$status" -eq 0 ]
  [ "$output" = 198.18.0.2:5443/test/zstd:1 ]
  netns_teardown
}

@test "pull --all-tags: every tag the registry lists (paginated), one after the other" {
  for t in 1 2; do
    skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
      "docker://$REG/test/busybox:1" "docker://$REG/test/tags:$t" >/dev/null
  done
  run skiff pull -a "$REG/test/tags"
  [ "$status" -eq 0 ]
  [[ $output == *"1: Pulling from test/tags"* && $output == *"2: Pulling from test/tags"* ]]
  [ "$(grep -cx "$REG/test/tags:[12]" <<<"$output")" -eq 2 ]
  [ "$(skiff images --format '{{.Tag}}' "$REG/test/tags" | sort | tr '\n' ' ')" = "1 2 " ]  # host:port names too
  run skiff pull -a "$REG/test/tags:1"
  [ "$status" -ne 0 ]
  [[ $output == *"tag can't be used with --all-tags/-a"* ]]
  run skiff pull -a "$REG/test/nosuchrepo"
  [ "$status" -ne 0 ]
}

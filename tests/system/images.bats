#!/usr/bin/env bats
# Images: import, load (docker-archive and OCI layout), save, tag, rmi,
# prune, inspect; round trips with podman and docker; hostile archives.

load helpers

setup() {
  common_setup
  SK=("$SKIFF" --root "$T/root" --runroot "$T/run")
}

skiff() { timeout 120 "${SK[@]}" "$@"; }

import_busybox() {
  skiff import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    "$SKIFF_TEST_IMG/rootfs.tar" "${1:-localhost/busybox:latest}"
}

# An OCI layout with two layers; the second deletes /etc/hostname (a whiteout)
# and makes /opaque opaque.
make_oci_layout() {
  local L=$T/oci
  umoci init --layout "$L" >/dev/null
  umoci new --image "$L:latest" >/dev/null
  mkdir -p "$T/l1/opaque" && cp -a "$SKIFF_TEST_IMG/rootfs/." "$T/l1/" && echo old >"$T/l1/opaque/old"
  tar --numeric-owner -C "$T/l1" -cf "$T/l1.tar" .
  mkdir -p "$T/l2/etc" "$T/l2/opaque" && : >"$T/l2/etc/.wh.hostname" && : >"$T/l2/opaque/.wh..wh..opq"
  echo new >"$T/l2/opaque/new"
  tar --numeric-owner -C "$T/l2" -cf "$T/l2.tar" .
  umoci raw add-layer --image "$L:latest" "$T/l1.tar" >/dev/null
  umoci raw add-layer --image "$L:latest" "$T/l2.tar" >/dev/null
  umoci config --image "$L:latest" --config.cmd /bin/sh --config.label org.test=yes >/dev/null
  tar -C "$L" -cf "$T/oci.tar" .
}

@test "import, images, inspect, tag, rmi" {
  run import_busybox
  [ "$status" -eq 0 ]
  id=$output
  [[ $id =~ ^sha256:[0-9a-f]{64}$ ]]
  run skiff images
  [[ ${lines[0]} == "REPOSITORY"*"TAG"*"IMAGE ID"*"CREATED"*"SIZE" ]]
  [[ ${lines[1]} == "localhost/busybox"*"latest"*"${id:7:12}"* ]]
  skiff tag localhost/busybox:latest busybox
  skiff tag "${id:7:8}" other/name:v1
  run skiff images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  [ "${#lines[@]}" -eq 3 ]
  [[ $output == *"busybox:latest ${id:7:12}"* && $output == *"other/name:v1 ${id:7:12}"* ]]
  run skiff image inspect -f '{{.Id}}|{{json .Config.Cmd}}|{{index .Config.Env 0}}|{{.Os}}|{{len .RootFS.Layers}}' busybox
  [ "$output" = "$id|[\"/bin/sh\"]|PATH=/usr/sbin:/usr/bin:/sbin:/bin|linux|1" ]
  run skiff image inspect busybox
  echo "$output" | jq -e --arg id "$id" '.[0].Id == $id and (.[0].RepoTags | length == 3) and .[0].Size > 1000000 and .[0].RootFS.Type == "layers"'
  # a name that is one of several: untag only
  run skiff rmi busybox
  [ "$output" = "Untagged: busybox:latest" ]
  # an id with several names needs -f
  run skiff rmi "${id:7:12}"
  [ "$status" -ne 0 ]
  [[ $output == *"must be forced"* ]]
  run skiff rmi -f "${id:7:12}"
  [[ $output == *"Untagged: localhost/busybox:latest"* && $output == *"Deleted: $id"* ]]
  run skiff images -q
  [ -z "$output" ]
  [ -z "$(ls "$T/root/image/layers")" ]
  [ -z "$(ls "$T/root/image/blobs/sha256")" ]
  run skiff rmi nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "Error: No such image: nosuch" ]
}

@test "images: -q, --digests, --no-trunc, filters, formats" {
  import_busybox localhost/a:1 >/dev/null
  id=$(skiff import -c 'LABEL team=blue' "$SKIFF_TEST_IMG/rootfs.tar" localhost/b:2)
  run skiff images -q
  [ "${#lines[@]}" -eq 2 ]
  run skiff images --no-trunc --format '{{.ID}}' --filter label=team=blue
  [ "$output" = "$id" ]
  run skiff images --filter reference='localhost/a*' --format '{{.Repository}}'
  [ "$output" = localhost/a ]
  run skiff images --filter dangling=true -q
  [ -z "$output" ]
  run skiff images localhost/b --format 'table {{.Repository}}\t{{.Tag}}'
  [[ ${lines[0]} == "REPOSITORY"*"TAG" ]]
  [[ ${lines[1]} == "localhost/b"*"2" ]]
  run skiff images --filter bogus=1
  [ "$status" -ne 0 ]
  [[ $output == *"invalid filter 'bogus'"* ]]
}

@test "save and load round trip keeps ids and names; prune removes dangling images" {
  id=$(import_busybox)
  skiff tag localhost/busybox other:1
  skiff save -o "$T/out.tar" localhost/busybox:latest other:1
  tar -tf "$T/out.tar" | grep -q '^manifest.json$'
  tar -tf "$T/out.tar" | grep -q "^${id:7}.json$"
  skiff rmi -f localhost/busybox
  run skiff load -i "$T/out.tar"
  [[ $output == *"Loaded image: localhost/busybox:latest"* && $output == *"Loaded image: other:1"* ]]
  [ "$(skiff image inspect -f '{{.Id}}' other:1)" = "$id" ]
  # the same bytes again: nothing new is stored
  n=$(ls "$T/root/image/blobs/sha256" | wc -l)
  skiff save localhost/busybox >"$T/again.tar"
  skiff load <"$T/again.tar" >/dev/null
  [ "$(ls "$T/root/image/blobs/sha256" | wc -l)" -eq "$n" ]
  skiff rmi localhost/busybox other:1
  import_busybox >/dev/null
  skiff import "$SKIFF_TEST_IMG/rootfs.tar" >/dev/null  # an untagged (dangling) image
  run skiff image prune -f
  [[ $output == *"deleted: sha256:"* && $output == *"Total reclaimed space:"* ]]
  [ "$(skiff images -q | wc -l)" -eq 1 ]
  # prune filters: label (from the image's config), label!, until (its creation)
  skiff import -c 'LABEL keep=yes' "$SKIFF_TEST_IMG/rootfs.tar" lab:keep >/dev/null
  skiff import -c 'LABEL keep=no' "$SKIFF_TEST_IMG/rootfs.tar" lab:go >/dev/null
  run skiff image prune -af --filter until=1h     # all are newer
  [[ $output != *"deleted:"* ]]
  run skiff image prune -af --filter label=keep=no
  [[ $output == *"untagged: lab:go"* && $output != *"lab:keep"* ]]
  run skiff image prune -af --filter 'label!=keep=yes'
  [[ $output == *"untagged: localhost/busybox:latest"* && $output != *"lab:keep"* ]]
  [ "$(skiff images --format '{{.Repository}}:{{.Tag}}')" = lab:keep ]
  run skiff image prune -f --filter dangling=true
  [ "$status" -eq 1 ]
  [[ $output == *"invalid filter 'dangling'"* ]]
  skiff rmi lab:keep >/dev/null
  import_busybox >/dev/null
  run skiff save -o "$T/x.tar" nosuch
  [ "$status" -ne 0 ]
  [ ! -e "$T/x.tar" ]
}

@test "an OCI layout loads; whiteouts become overlay whiteouts that hide lower files" {
  make_oci_layout
  run skiff load -i "$T/oci.tar"
  [ "$status" -eq 0 ]
  [[ $output == "Loaded image ID: sha256:"* ]]
  id=${output#Loaded image ID: }
  skiff tag "$id" localhost/layered
  run skiff image inspect -f '{{len .RootFS.Layers}} {{index .Config.Labels "org.test"}}' localhost/layered
  [ "$output" = "2 yes" ]
  l1=$(skiff image inspect -f '{{index .RootFS.Layers 0}}' localhost/layered)
  l2=$(skiff image inspect -f '{{index .RootFS.Layers 1}}' localhost/layered)
  d1=$T/root/image/layers/${l1#sha256:}/diff d2=$T/root/image/layers/${l2#sha256:}/diff
  [ "$(stat -c '%F %t:%T' "$d2/etc/hostname")" = "character special file 0:0" ]
  # the layers are real overlay lowerdirs: run a container on them
  mkdir -p "$T/ctr/rootfs"
  mount -t overlay overlay -o "lowerdir=$d2:$d1" "$T/ctr/rootfs"
  cp "$B/config.json" "$T/ctr/config.json"
  jq '.process.args = ["sh", "-c", "ls /etc/hostname 2>&1; ls /opaque"] | .root.path = "rootfs"' "$B/config.json" >"$T/ctr/config.json"
  run runc run --bundle "$T/ctr" "$ID"
  umount "$T/ctr/rootfs"
  [[ ${lines[0]} == *"No such file or directory"* ]]
  [ "${lines[1]}" = new ]
}

@test "image history: an entry per history item, the layers' sizes, -q, --no-trunc, --human=false, --format" {
  local L=$T/hoci
  umoci init --layout "$L" >/dev/null
  umoci new --image "$L:latest" >/dev/null
  mkdir -p "$T/h1" "$T/h2" && echo a >"$T/h1/a" && head -c 5000 /dev/zero >"$T/h2/b"
  tar -C "$T/h1" -cf "$T/h1.tar" . && tar -C "$T/h2" -cf "$T/h2.tar" .
  umoci raw add-layer --image "$L:latest" --history.created_by "ADD a /" --history.comment first "$T/h1.tar"
  umoci raw add-layer --image "$L:latest" --history.created_by "$(printf 'RUN /bin/sh -c set -e;\tdd if=/dev/zero of=/b bs=1 count=5000 && echo done')" "$T/h2.tar"
  umoci config --image "$L:latest" --config.cmd /bin/sh --history.created_by 'CMD ["/bin/sh"]' >/dev/null
  tar -C "$L" -cf "$T/hoci.tar" .
  id=$(skiff load -i "$T/hoci.tar" | sed 's/^Loaded image ID: //')
  skiff tag "$id" localhost/hist:1
  run skiff image history localhost/hist:1
  [[ ${lines[0]} == "IMAGE"*"CREATED"*"CREATED BY"*"SIZE"*"COMMENT" ]]
  [[ ${lines[1]} == "${id:7:12}   "*'CMD ["/bin/sh"]'*" 0B"* ]]
  # a tab becomes a space; cut at 45 characters
  [[ ${lines[2]} == "<missing>   "*"RUN /bin/sh -c set -e; dd if=/dev/zero of=/b…   5kB"* ]]
  [[ ${lines[3]} == "<missing>   "*"ADD a /"*"2B"*"first" ]]
  [ "${#lines[@]}" -eq 4 ]
  run skiff image history -q localhost/hist:1
  [ "$output" = "$(printf '%s\n<missing>\n<missing>' "${id:7:12}")" ]
  run skiff image history --no-trunc --human=false --format '{{.ID}}|{{.CreatedSince}}|{{.Size}}|{{.CreatedBy}}' localhost/hist:1
  [[ ${lines[0]} =~ ^$id\|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2})\|0\|CMD ]]
  [[ ${lines[1]} == *"|5000|RUN /bin/sh -c set -e; dd if=/dev/zero of=/b bs=1 count=5000 && echo done" ]]
  [[ ${lines[2]} == *"|2|ADD a /" ]]
  run skiff image history -H=maybe localhost/hist:1
  [ "$status" -ne 0 ]
  run skiff image history localhost/nosuch
  [ "$status" -ne 0 ]
  [[ $output == *"No such image: localhost/nosuch"* ]]
}

@test "podman saves, skiff loads; skiff saves, podman loads and runs it" {
  P=(podman --root "$T/podman/root" --runroot "$T/podman/run" --tmpdir "$T/podman/tmp"
     --storage-driver overlay --cgroup-manager=cgroupfs --events-backend=file --runtime "$SKIFF_RUNC")
  "${P[@]}" import -q "$SKIFF_TEST_IMG/rootfs.tar" localhost/frompodman:1 >/dev/null
  "${P[@]}" save --format docker-archive -o "$T/p.tar" localhost/frompodman:1
  "${P[@]}" save --format oci-archive -o "$T/p-oci.tar" localhost/frompodman:1
  run skiff load -i "$T/p.tar"
  [[ $output == *"Loaded image: localhost/frompodman:1"* ]]
  run skiff load -i "$T/p-oci.tar"
  [ "$status" -eq 0 ]
  import_busybox localhost/fromskiff:2 >/dev/null
  skiff save -o "$T/s.tar" localhost/fromskiff:2
  "${P[@]}" load -i "$T/s.tar"
  run timeout 120 "${P[@]}" run --rm --network none $(podman_ulimits) \
    localhost/fromskiff:2 sh -c 'echo ran from a skiff image'
  "${P[@]}" rmi -af >/dev/null 2>&1 || true
  "${P[@]}" system reset -f >/dev/null 2>&1 || true
  [ "${lines[-1]}" = "ran from a skiff image" ]
}

@test "docker loads what skiff saves, and skiff loads what docker saves" {
  dockerd -H "unix://$T/docker.sock" --data-root "$T/docker" --exec-root "$T/dexec" --pidfile "$T/dockerd.pid" \
    --bridge none --iptables=false --ip6tables=false --ip-masq=false >"$T/dockerd.log" 2>&1 &
  BG_PIDS+=($!)
  D=(docker -H "unix://$T/docker.sock")
  wait_until '"${D[@]}" version >/dev/null 2>&1' || wait_until '"${D[@]}" version >/dev/null 2>&1'
  import_busybox localhost/fromskiff:3 >/dev/null
  skiff save -o "$T/s.tar" localhost/fromskiff:3
  run "${D[@]}" load -i "$T/s.tar"
  [[ $output == *"Loaded image: localhost/fromskiff:3"* ]]
  [ "$("${D[@]}" image inspect -f '{{.Id}}' localhost/fromskiff:3)" = "$(skiff image inspect -f '{{.Id}}' localhost/fromskiff:3)" ]
  "${D[@]}" tag localhost/fromskiff:3 fromdocker:4
  "${D[@]}" save -o "$T/d.tar" fromdocker:4
  skiff rmi localhost/fromskiff:3
  run skiff load -i "$T/d.tar"
  [[ $output == *"Loaded image: fromdocker:4"* ]]
  kill "$(cat "$T/dockerd.pid")"
  wait_until '! kill -0 $(cat "$T/dockerd.pid" 2>/dev/null) 2>/dev/null'
}

@test "hostile archives: escapes are refused, a wrong diff id stores nothing" {
  mkdir -p "$T/h"
  echo '[{"Config":"c.json","RepoTags":["evil:1"],"Layers":["l.tar"]}]' >"$T/h/manifest.json"
  # a layer that writes outside through ../
  mkdir -p "$T/payload"
  echo pwned >"$T/payload/x"
  tar -C "$T/payload" -cf "$T/h/l.tar" --transform 's,^x$,../../../../../tmp/skiff-escape-'$$',' x
  diff_id=sha256:$(sha256sum "$T/h/l.tar" | cut -d' ' -f1)
  jq -n --arg d "$diff_id" '{architecture:"amd64", os:"linux", rootfs:{type:"layers", diff_ids:[$d]}, config:{}}' >"$T/h/c.json"
  tar -C "$T/h" -cf "$T/evil.tar" manifest.json c.json l.tar
  run skiff load -i "$T/evil.tar"
  [ "$status" -ne 0 ]
  [[ $output == *"leaves the layer"* ]]
  [ ! -e /tmp/skiff-escape-$$ ]
  # the archive itself with an escaping member
  tar -C "$T/payload" -cf "$T/evil2.tar" --transform 's,^x$,../escape,' x
  run skiff load -i "$T/evil2.tar"
  [ "$status" -ne 0 ]
  [ ! -e "$T/root/image/escape" ] && [ ! -e "$T/root/escape" ]
  # a layer whose content does not match the config's diff id
  echo changed >"$T/payload/x"
  tar -C "$T/payload" -cf "$T/h/l.tar" x
  tar -C "$T/h" -cf "$T/bad.tar" manifest.json c.json l.tar
  run skiff load -i "$T/bad.tar"
  [ "$status" -ne 0 ]
  [[ $output == *"diff id mismatch"* ]]
  [ -z "$(ls "$T/root/image/layers")" ]
  [ -z "$(ls "$T/root/image/images")" ]
  [ -z "$(ls "$T/root/image/tmp")" ]
  # neither an archive nor an image
  echo "not a tar" >"$T/junk"
  run skiff load -i "$T/junk"
  [ "$status" -ne 0 ]
  # the data root is private
  [ "$(stat -c %a "$T/root")" = 700 ]
}

@test "help for the image commands" {
  for c in images "image inspect" "image ls" "image rm" "image prune" "image history" "image pull" tag rmi save load import "system df" info "system info" pull login logout; do
    run "$SKIFF" $c --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage:  skiff"* ]]
  done
  run "$SKIFF" frob
  [ "$status" -eq 125 ]
}

@test "image events: tag, untag, delete, save, load, import" {
  import_busybox >/dev/null
  t0=$(date +%s.%N)
  skiff tag localhost/busybox:latest ev/one:1
  skiff tag localhost/busybox:latest ev/two:2
  id=$(skiff image inspect -f '{{.Id}}' ev/one:1)
  skiff rmi ev/one:1 >/dev/null
  skiff rmi localhost/busybox:latest ev/two:2 >/dev/null
  t1=$(date +%s.%N)
  run skiff events --since "$t0" --until "$t1" --filter type=image --format '{{.Action}} {{.Actor.Attributes.name}}'
  [ "$output" = "$(printf 'tag docker.io/ev/one:1\ntag docker.io/ev/two:2\nuntag ev/one:1\nuntag localhost/busybox:latest\nuntag ev/two:2\ndelete %s' "$id")" ]
  run skiff events --since "$t0" --until "$t1" --filter event=delete --format '{{.Actor.ID}}'
  [ "$output" = "$id" ]
  # save, load, import
  bid=$(import_busybox)
  t2=$(date +%s.%N)
  skiff save -o "$T/s.tar" localhost/busybox:latest
  skiff rmi localhost/busybox:latest >/dev/null
  skiff load -i "$T/s.tar" >/dev/null
  iid=$(import_busybox ev/imp:1)
  t3=$(date +%s.%N)
  run skiff events --since "$t2" --until "$t3" --filter type=image --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'
  [ "$output" = "$(printf 'save localhost/busybox:latest localhost/busybox:latest\nuntag %s localhost/busybox:latest\ndelete %s %s\nload localhost/busybox:latest localhost/busybox:latest\nimport %s ev/imp:1' "$bid" "$bid" "$bid" "$iid")" ]
}

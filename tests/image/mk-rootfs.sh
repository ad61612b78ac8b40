#!/usr/bin/env bash
# mk-rootfs.sh OUTDIR [SKIFF] - the test image, made from Debian's
# busybox-static and nothing downloaded:
#   OUTDIR/rootfs/        a minimal busybox root filesystem
#   OUTDIR/rootfs.tar     the same as a tar (numeric owners 0:0)
#   OUTDIR/bundle/        an OCI bundle: config.json from `skiff-runc spec`
#                         (args /bin/true, terminal off) + rootfs/
#   OUTDIR/hello/         the same, saying hello (the README's first container)
set -euo pipefail
out=${1:?usage: mk-rootfs.sh OUTDIR [path/to/skiff]}
skiff=${2:-skiff}
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || { echo "mk-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
  echo "mk-rootfs: $busybox is not statically linked" >&2; exit 1
fi
mkdir -p "$out"
r=$out/rootfs
rm -rf "$r" "$out/bundle" "$out/hello"
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run,var/tmp,home}
chmod 1777 "$r/tmp" "$r/var/tmp"
chmod 0700 "$r/root"
install -m 0755 "$busybox" "$r/bin/busybox"
while read -r applet; do
  [[ -z $applet || $applet == bin/busybox ]] && continue
  mkdir -p "$r/$(dirname "$applet")"
  [[ -e $r/$applet || -L $r/$applet ]] || ln -s /bin/busybox "$r/$applet"
done < <("$r/bin/busybox" --list-full)
cat >"$r/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat >"$r/etc/group" <<'G'
root:x:0:
daemon:x:1:
tty:x:5:
nogroup:x:65534:
G
printf '127.0.0.1 localhost\n::1 localhost\n' >"$r/etc/hosts"
: >"$r/etc/resolv.conf"
echo skiff-test >"$r/etc/hostname"
tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$out/rootfs.tar" .
b=$out/bundle
mkdir -p "$b"
cp -a "$r" "$b/rootfs"
"$skiff" oci spec --bundle "$b"
jq '.process.terminal = false | .process.args = ["/bin/true"] | .hostname = "skiff-test"' \
  "$b/config.json" >"$b/config.json.new"
mv "$b/config.json.new" "$b/config.json"
h=$out/hello
rm -rf "$h"
mkdir -p "$h"
ln -s ../rootfs "$h/rootfs"
jq '.process.args = ["sh", "-c", "echo Hello from a skiff container: hostname $(hostname), pid $$, $(id)"]' \
  "$b/config.json" >"$h/config.json"
echo "mk-rootfs: $r, $out/rootfs.tar, $b, $h" >&2

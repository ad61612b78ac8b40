#!/usr/bin/env bats
# The security baseline: each test fails without its defence.

load helpers

@test "CVE-2019-5736: the container's first process runs from a read-only view of the runtime" {
  cat >"$T/hook.sh" <<EOF
#!/bin/sh
pid=\$(jq -r .pid)
"$HELPERS/exe-check" \$pid >"$T/exe"
EOF
  chmod +x "$T/hook.sh"
  cfg --arg h "$T/hook.sh" '.hooks.createRuntime = [{"path": $h}]'
  before=$(sha256sum "$SKIFF_BUILD/skiff" | cut -d" " -f1)
  runc create --bundle "$B" "$ID"
  # a writable file here is what CVE-2019-5736 wrote to once the runtime had
  # exited (while it runs, the write only fails with ETXTBSY)
  run cat "$T/exe"
  [[ $output == read-only-mount || $output == memfd-sealed ]]
  [ "$(sha256sum "$SKIFF_BUILD/skiff" | cut -d" " -f1)" = "$before" ]
}

@test "CVE-2019-5736: a container exec'ing /proc/self/exe runs the runtime's sealed copy" {
  # the runtime is linked dynamically: lend the container the host's libraries
  ln -s usr/lib "$B/rootfs/lib"
  cfg '.mounts += [{"destination": "/usr/lib", "type": "bind", "source": "/usr/lib", "options": ["rbind", "ro"]},
                   {"destination": "/lib64", "type": "bind", "source": "/lib64", "options": ["rbind", "ro"]}]'
  args /proc/self/exe version
  before=$(sha256sum "$SKIFF_BUILD/skiff" | cut -d" " -f1)
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ $output == "skiff version"* ]]
  [ "$(sha256sum "$SKIFF_BUILD/skiff" | cut -d" " -f1)" = "$before" ]
}

@test "CVE-2024-21626: no descriptor of the caller leaks into the container" {
  exec 7<"$T" 8>"$T/leak"
  args ls /proc/self/fd
  run runc run --bundle "$B" "$ID"
  exec 7<&- 8>&-
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "0 1 2 3" ]
}

@test "CVE-2024-21626: a cwd through a leaked fd (/proc/self/fd/N) is refused" {
  exec 7<"$T"
  cfg '.process.cwd = "/proc/self/fd/7"'
  args true
  run runc run --bundle "$B" "$ID"
  exec 7<&-
  [ "$status" -ne 0 ]
  [[ $output == *"outside the container"* || $output == *"No such file"* ]]
}

@test "CVE-2021-30465: a mount target that is a symlink out of the rootfs stays inside" {
  mkdir "$T/outside"
  ln -s "$T/outside" "$B/rootfs/evil"
  cfg '.mounts += [{"destination": "/evil/x", "type": "tmpfs", "source": "tmpfs"}]'
  args ls -d /evil/x
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ ! -e "$T/outside/x" ]
  [ -d "$B/rootfs$T/outside/x" ]
  ! grep -q " $T/outside" /proc/self/mountinfo
}

@test "CVE-2021-30465: mount targets stay inside under a concurrent symlink swap" {
  mkdir "$T/outside"
  cfg '.mounts += [{"destination": "/target/sub", "type": "tmpfs", "source": "tmpfs"}]'
  args true
  r=$B/rootfs
  ( set +e; while :; do
      rm -rf "$r/target"; mkdir "$r/target"; rm -rf "$r/target"; ln -s "$T/outside" "$r/target"
    done ) 2>/dev/null &
  BG_PIDS+=($!)
  for i in $(seq 40); do
    runc run --bundle "$B" "$ID-$i" >/dev/null 2>&1 || true
    runc delete --force "$ID-$i" >/dev/null 2>&1 || true
  done
  kill "${BG_PIDS[0]}"
  [ ! -e "$T/outside/sub" ]
  ! grep -q " $T/outside" /proc/self/mountinfo
}

@test "mount targets inside /proc are refused (CVE-2019-16884, CVE-2023-27561)" {
  echo x >"$T/pattern"
  cfg --arg f "$T/pattern" '.mounts += [{"destination": "/proc/sys/kernel/core_pattern", "type": "bind", "source": $f, "options": ["bind"]}]'
  args true
  run runc run --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"/proc/sys/kernel/core_pattern: the target is inside /proc"* ]]
  [ ! -e "$ROOT/$ID" ]
  # lxcfs-style files are the exception
  cfg '.mounts[-1].destination = "/proc/uptime"'
  args cat /proc/uptime
  run runc run --bundle "$B" "$ID-b"
  [ "$status" -eq 0 ]
  [ "$output" = x ]
}

@test "CVE-2025-31133: a /dev/null that is not the null device never masks a path" {
  echo fake >"$T/fake-null"
  cfg --arg f "$T/fake-null" '.mounts += [{"destination": "/dev/null", "type": "bind", "source": $f, "options": ["bind"]}]'
  args true
  run runc run --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"/dev/null in the container is not the null device"* ]]
}

@test "CVE-2022-0492: cgroupfs is read-only in the container" {
  sh_args 'echo /x 2>/dev/null >/sys/fs/cgroup/memory/release_agent || echo refused;
           mkdir /sys/fs/cgroup/memory/x 2>/dev/null || echo refused'
  run runc run --bundle "$B" "$ID"
  [ "$output" = "$(printf 'refused\nrefused')" ]
}

@test "the host's supplementary groups never reach the container" {
  args grep ^Groups /proc/self/status
  run setpriv --groups 1234,5678 -- "$SKIFF_RUNC" --root "$ROOT" run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ $output != *1234* ]]
  cfg '.process.user.additionalGids = [42]'
  run setpriv --groups 1234 -- "$SKIFF_RUNC" --root "$ROOT" run --bundle "$B" "$ID-b"
  [[ $output == "Groups:	42"* ]]
}

@test "the init process cannot be inspected by others before exec (dumpable 0)" {
  cat >"$T/hook.sh" <<EOF
#!/bin/sh
pid=\$(jq -r .pid)
stat -c %U /proc/\$pid/environ >"$T/owner"
EOF
  chmod +x "$T/hook.sh"
  cfg --arg h "$T/hook.sh" '.hooks.createRuntime = [{"path": $h}] | .process.user = {"uid": 1000, "gid": 1000}'
  args true
  runc create --bundle "$B" "$ID"
  [ "$(cat "$T/owner")" = root ]
}

@test "bad input: missing, malformed or mistyped config.json leaves no state" {
  mv "$B/config.json" "$B/c.json"
  run runc create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ $output == *"config.json: No such file or directory"* ]]
  echo '{"ociVersion": "1.1.0", "process": ' >"$B/config.json"
  run runc create --bundle "$B" "$ID"
  [ "${#lines[@]}" -eq 1 ]
  [[ $output == *"config.json: invalid JSON at line"* ]]
  jq '.process.args = ["sh", 7]' "$B/c.json" >"$B/config.json"
  run runc create --bundle "$B" "$ID"
  [ "${#lines[@]}" -eq 1 ]
  [[ $output == *"config.json: process.args[1]: expected a string"* ]]
  jq '.linux.resources.memory.limit = "lots"' "$B/c.json" >"$B/config.json"
  run runc create --bundle "$B" "$ID"
  [[ $output == *"linux.resources.memory.limit: expected an integer"* ]]
  jq '.process.args = ["/no/such/program"]' "$B/c.json" >"$B/config.json"
  run runc create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *'exec: "/no/such/program": stat /no/such/program: No such file or directory'* ]]
  [ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
  [ ! -e "$(cg_dir memory "$ID")" ]
}

@test "a create killed half-way is reported and cleaned by delete --force" {
  args true
  mkdir -p "$ROOT/$ID"   # what a create killed before writing its record leaves
  run runc state "$ID"
  [ "$status" -ne 0 ]
  [[ $output == *"never completely created"* ]]
  runc delete --force "$ID"
  [ ! -e "$ROOT/$ID" ]
}

@test "a create killed after it recorded its intent leaves a stopped container that delete cleans" {
  cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
kill -9 $PPID
EOF
  chmod +x "$T/hook.sh"
  cfg --arg h "$T/hook.sh" '.hooks.createRuntime = [{"path": $h}]'
  args sleep 100
  run runc create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [ -d "$(cg_dir memory "$ID")" ]
  [ "$(status_of "$ID")" = stopped ]
  # the container's first process died with its creator (parent death signal)
  wait_until '[ -z "$(cat "$(cg_dir memory "$ID")/cgroup.procs")" ]'
  runc delete "$ID"
  [ ! -e "$ROOT/$ID" ]
  [ ! -e "$(cg_dir memory "$ID")" ]
}

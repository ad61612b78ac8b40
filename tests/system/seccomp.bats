#!/usr/bin/env bats
# linux.seccomp: the OCI schema through libseccomp.

load helpers

@test "seccomp: SCMP_ACT_ERRNO with errnoRet, and unknown syscall names are skipped" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
       "syscalls": [{"names": ["mkdir", "mkdirat", "no_such_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  cfg '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}]'
  sh_args 'mkdir /scratch/x 2>&1; touch /scratch/f && echo touch-ok'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == *"Operation not permitted"* ]]
  [ "${lines[1]}" = touch-ok ]
}

@test "seccomp: a default ERRNO action with an allow list" {
  # allow what busybox echo needs to start and print, nothing else
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
       "syscalls": [{"names": ["execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
                              "prlimit64", "getuid", "geteuid", "getpid", "write", "exit_group", "exit",
                              "mmap", "munmap", "mprotect", "uname", "readlink", "getrandom", "fcntl",
                              "rt_sigaction", "rt_sigprocmask", "ioctl", "close", "capset", "capget",
                              "setgroups", "setresuid", "setresgid", "chdir", "getcwd", "prctl",
                              "close_range", "fstat", "newfstatat", "stat", "statx", "umask",
                              "personality", "access", "faccessat", "faccessat2", "openat", "read"],
                    "action": "SCMP_ACT_ALLOW"}]}'
  cfg '.process.noNewPrivileges = true'
  args echo allowed
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = allowed ]
  args mkdir /x
  run runc run --bundle "$B" "$ID-b"
  [ "$status" -ne 0 ]
  [[ $output == *"Function not implemented"* ]]
}

@test "seccomp: argument comparisons" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
       "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]},
                    {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 2, "value": 511, "op": "SCMP_CMP_EQ"}]}]}'
  cfg '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}]'
  sh_args 'touch /scratch/f; chmod 755 /scratch/f && echo 755-ok; chmod 777 /scratch/f 2>/dev/null || echo 777-denied'
  run runc run --bundle "$B" "$ID"
  [ "$output" = "$(printf '755-ok\n777-denied')" ]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS ends the container with SIGSYS" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
  cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
  args uname
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq $((128 + 31)) ]
}

@test "seccomp: flags and the filter without no_new_privs" {
  cfg '.process.noNewPrivileges = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
       "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  sh_args 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ $output == *"NoNewPrivs:	0"* ]]
  [[ $output == *"Seccomp:	2"* ]]
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener to listenerPath with the state" {
  "$HELPERS/seccomp-agent" "$T/agent.sock" 42 >"$T/agent.out" &
  BG_PIDS+=($!)
  wait_until '[ -S "$T/agent.sock" ]'
  cfg --arg l "$T/agent.sock" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $l, "listenerMetadata": "meta-1",
       "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
  cfg '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}]'
  sh_args 'mkdir /scratch/x 2>&1; echo done'
  run runc run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == *"No message of desired type"* ]]
  grep -q '"metadata":"meta-1"' "$T/agent.out"
  grep -q "\"id\":\"$ID\"" "$T/agent.out"
  grep -q '^syscall: ' "$T/agent.out"
}

@test "seccomp: a bad profile is a one-line error at create" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_EXPLODE"}]}'
  args true
  run runc run --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ $output == *'linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_EXPLODE"'* ]]
  [ ! -e "$ROOT/$ID" ]
}

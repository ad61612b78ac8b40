#!/usr/bin/env bats
# The same bundle through skiff-runc and runc: what the container sees must
# match, except where skiff is stricter on purpose.

load helpers

@test "differential: the container sees what it sees under runc" {
  ref=$(type -P runc) || fail "runc is not installed (apt-get install runc)"
  cfg '.linux.resources.memory = {"limit": 67108864} | .linux.sysctl = {"kernel.shmmni": "2048"}
       | .process.rlimits += [{"type": "RLIMIT_CORE", "soft": 1, "hard": 2}]
       | .process.user.additionalGids = [7] | .process.oomScoreAdj = 10'
  # mount point and file system type (the field after "-")
  sh_args 'awk "{for (i = 7; i <= NF; i++) if (\$i == \"-\") { print \$5, \$(i + 1); break }}" /proc/self/mountinfo |
             grep -v "^/sys/fs/cgroup/unified " | sort;
           grep -E "^(Cap|NoNewPrivs|Seccomp|Groups)" /proc/self/status;
           ls -la /dev | awk "{print \$1, \$3, \$4, \$5, \$6, \$NF}"; ls -la /dev/pts | awk "{print \$1, \$NF}";
           id; ulimit -a; hostname; cat /proc/self/oom_score_adj /proc/sys/kernel/shmmni; umask; pwd;
           cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ls /proc/1/ns; echo $$'
  runc run --bundle "$B" "$ID" >"$T/skiff.out" 2>&1
  timeout 30 "$ref" --root "$T/runc-state" run --bundle "$B" "$ID" >"$T/runc.out" 2>&1
  diff -u "$T/runc.out" "$T/skiff.out"
}

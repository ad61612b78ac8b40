/* Unit tests: cgroup layout parsing, path resolution, and the v1/v2
 * writers run against a fake cgroupfs made of plain files. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/runtime.h"
#include "util/fs.h"

static const char *hybrid_mountinfo =
    "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "30 22 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw\n"
    "32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "33 30 0:29 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory\n"
    "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "35 30 0:31 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "36 22 0:31 /nested /mnt/pids-bind rw - cgroup cgroup rw,pids\n"
    "37 30 0:32 / /sys/fs/cgroup/my\\040dir rw - cgroup cgroup rw,freezer\n";
static const char *hybrid_proc =
    "5:freezer:/\n4:pids:/\n3:cpu,cpuacct:/user.slice\n2:memory:/process_api/abc\n"
    "1:name=systemd:/init.scope\n0::/init.scope\n";

static void test_host_hybrid(void **state)
{
    (void)state;
    struct cg_host h;
    sk_error e;
    assert_int_equal(cg_host_parse(hybrid_mountinfo, hybrid_proc, false, &h, &e), 0);
    assert_int_equal(h.mode, CG_MODE_HYBRID);
    assert_string_equal(h.unified, "/sys/fs/cgroup/unified");
    assert_string_equal(h.unified_own, "/init.scope");
    assert_int_equal(h.n_hiers, 5);
    assert_string_equal(h.hiers[0].controllers, "name=systemd");
    assert_string_equal(h.hiers[1].controllers, "memory");
    assert_string_equal(h.hiers[1].own, "/process_api/abc");
    assert_string_equal(h.hiers[2].controllers, "cpu,cpuacct");
    assert_string_equal(h.hiers[2].mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(h.hiers[4].mountpoint, "/sys/fs/cgroup/my dir");
    cg_host_clear(&h);
}

static void test_host_v2(void **state)
{
    (void)state;
    struct cg_host h;
    sk_error e;
    const char *mi = "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                     "30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
    assert_int_equal(cg_host_parse(mi, "0::/user.slice/session-1.scope\n", true, &h, &e), 0);
    assert_int_equal(h.mode, CG_MODE_V2);
    assert_int_equal(h.n_hiers, 0);
    assert_string_equal(h.unified_own, "/user.slice/session-1.scope");
    cg_host_clear(&h);
    assert_int_equal(cg_host_parse("22 1 254:0 / / rw - ext4 /dev/vda rw\n", "", false, &h, &e), -1);
    assert_string_equal(e.msg, "no cgroup hierarchy is mounted");
    cg_host_clear(&h);
}

static void check_path(const char *in, bool systemd, const char *want)
{
    char *out = NULL;
    sk_error e;
    if (cg_resolve_path(in, "ctr1", systemd, "/own/cg", &out, &e) < 0)
        fail_msg("%s: %s", in, e.msg);
    assert_string_equal(out, want);
    free(out);
}

static void test_resolve_path(void **state)
{
    (void)state;
    check_path("/a/b", false, "/a/b");
    check_path("a/b", false, "/own/cg/a/b");
    check_path("", false, "/skiff/ctr1");
    check_path(NULL, true, "/system.slice/skiff-ctr1.scope");
    check_path("system.slice:libpod:abc", false, "/system.slice/libpod-abc.scope");
    check_path("machine-a-b.slice:cri:xyz", true,
               "/machine.slice/machine-a.slice/machine-a-b.slice/cri-xyz.scope");
    check_path("-.slice:p:n", true, "/p-n.scope");
    check_path("user.slice::sub.slice", true, "/user.slice/sub.slice");
    char *out;
    sk_error e;
    assert_int_equal(cg_resolve_path("/a/../../etc", "x", false, "/", &out, &e), -1);
    assert_int_equal(cg_resolve_path("a:b", "x", false, "/", &out, &e), -1);
    assert_int_equal(cg_resolve_path("bad:p:n", "x", true, "/", &out, &e), -1);
    assert_int_equal(cg_resolve_path("/", "x", false, "/", &out, &e), -1);
}

static void test_conversions(void **state)
{
    (void)state;
    assert_int_equal(cg_shares_to_weight(2), 1);
    assert_int_equal(cg_shares_to_weight(1024), 39);
    assert_int_equal(cg_shares_to_weight(262144), 10000);
    assert_int_equal(cg_shares_to_weight(0), 0);
    assert_int_equal(cg_blkio_to_io_weight(10), 1);
    assert_int_equal(cg_blkio_to_io_weight(1000), 10000);
    assert_int_equal(cg_blkio_to_io_weight(500), 4950);
}

static char fake[PATH_MAX];

static void touch(const char *dir, const char *file, const char *content)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    if (content)
        assert_true(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
}

static void expect_file(const char *dir, const char *file, const char *want)
{
    char p[PATH_MAX * 2];
    char *buf;
    sk_error e;
    snprintf(p, sizeof p, "%s/%s", dir, file);
    if (sk_read_file(p, 4096, &buf, NULL, &e) < 0)
        fail_msg("%s", e.msg);
    assert_string_equal(buf, want);
    free(buf);
}

static int setup_fake(void **state)
{
    (void)state;
    snprintf(fake, sizeof fake, "/tmp/skiff-cg-XXXXXX");
    assert_non_null(mkdtemp(fake));
    return 0;
}

static int teardown_fake(void **state)
{
    (void)state;
    sk_rm_rf(fake, NULL);
    return 0;
}

static struct oci_resources sample(void)
{
    struct oci_resources r = {0};
    r.memory.limit = (struct opt_i64){true, 64 << 20};
    r.memory.swap = (struct opt_i64){true, 96 << 20};
    r.memory.reservation = (struct opt_i64){true, 32 << 20};
    r.cpu.shares = (struct opt_u64){true, 1024};
    r.cpu.quota = (struct opt_i64){true, 50000};
    r.cpu.period = (struct opt_u64){true, 100000};
    r.cpu.cpus = "0";
    r.pids_limit = (struct opt_i64){true, 42};
    r.blkio.weight = (struct opt_u64){true, 500};
    return r;
}

static void test_v2_writer(void **state)
{
    (void)state;
    struct cg_host h = {.mode = CG_MODE_V2, .unified = fake};
    touch(fake, "cgroup.controllers", "cpuset cpu io memory pids\n");
    touch(fake, "cgroup.subtree_control", "");
    struct cgroup *cg;
    sk_error e;
    assert_int_equal(cg_new(&h, "/skiff/c1", &cg, &e), 0);
    char mid[PATH_MAX + 8];
    snprintf(mid, sizeof mid, "%s/skiff", fake);
    mkdir(mid, 0755);
    touch(mid, "cgroup.controllers", "cpu memory\n");
    touch(mid, "cgroup.subtree_control", "");
    assert_int_equal(cg_create(cg, &e), 0);
    /* the last controller enabled in the middle level */
    expect_file(mid, "cgroup.subtree_control", "+memory");
    const char *leaf = cg->unified_dir;
    const char *files[] = {"memory.max", "memory.swap.max", "memory.low", "cpu.weight", "cpu.max",
                           "cpuset.cpus", "pids.max", "io.weight"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        touch(leaf, files[i], "");
    struct oci_resources r = sample();
    /* no device rules: no BPF program needed, so this runs unprivileged */
    if (cg_apply(cg, &r, &e) < 0)
        fail_msg("%s", e.msg);
    expect_file(leaf, "memory.max", "67108864");
    expect_file(leaf, "memory.swap.max", "33554432");
    expect_file(leaf, "memory.low", "33554432");
    expect_file(leaf, "cpu.weight", "39");
    expect_file(leaf, "cpu.max", "50000 100000");
    expect_file(leaf, "cpuset.cpus", "0");
    expect_file(leaf, "pids.max", "42");
    expect_file(leaf, "io.weight", "default 4950");
    /* swap without a memory limit is refused on v2 */
    struct oci_resources r2 = {0};
    r2.memory.swap = (struct opt_i64){true, 1 << 20};
    assert_int_equal(cg_apply(cg, &r2, &e), -1);
    assert_non_null(strstr(e.msg, "needs a memory limit"));
    cg_free(cg);
}

static void test_v1_writer(void **state)
{
    (void)state;
    static const char *names[] = {"memory", "cpu,cpuacct", "cpuset", "pids", "blkio", "devices"};
    struct cg_hier hiers[6];
    char mps[6][PATH_MAX];
    for (int i = 0; i < 6; i++) {
        snprintf(mps[i], sizeof mps[i], "%s/%s", fake, names[i]);
        mkdir(mps[i], 0755);
        hiers[i] = (struct cg_hier){mps[i], (char *)names[i], "/"};
    }
    touch(mps[2], "cpuset.cpus", "0-1\n");
    touch(mps[2], "cpuset.mems", "0\n");
    struct cg_host h = {.mode = CG_MODE_V1, .hiers = hiers, .n_hiers = 6};
    struct cgroup *cg;
    sk_error e;
    assert_int_equal(cg_new(&h, "/skiff/c1", &cg, &e), 0);
    /* a real cpuset dir starts with empty files; create them as the kernel would */
    char d[PATH_MAX * 2];
    snprintf(d, sizeof d, "%s/skiff", mps[2]);
    mkdir(d, 0755);
    touch(d, "cpuset.cpus", "\n");
    touch(d, "cpuset.mems", "\n");
    snprintf(d, sizeof d, "%s/skiff/c1", mps[2]);
    mkdir(d, 0755);
    touch(d, "cpuset.cpus", "\n");
    touch(d, "cpuset.mems", "\n");
    assert_int_equal(cg_create(cg, &e), 0);
    expect_file(d, "cpuset.mems", "0\n");
    const char *mem = cg_v1_dir(cg, "memory");
    const char *cpu = cg_v1_dir(cg, "cpu");
    assert_non_null(mem);
    assert_ptr_equal(cpu, cg_v1_dir(cg, "cpuacct"));
    touch(mem, "memory.limit_in_bytes", "");
    touch(mem, "memory.memsw.limit_in_bytes", "9223372036854771712");
    touch(mem, "memory.soft_limit_in_bytes", "");
    touch(cpu, "cpu.shares", "");
    touch(cpu, "cpu.cfs_quota_us", "");
    touch(cpu, "cpu.cfs_period_us", "");
    touch(cg_v1_dir(cg, "pids"), "pids.max", "");
    touch(cg_v1_dir(cg, "blkio"), "blkio.weight", "");
    touch(cg_v1_dir(cg, "devices"), "devices.allow", "");
    touch(cg_v1_dir(cg, "devices"), "devices.deny", "");
    struct oci_resources r = sample();
    struct oci_device_rule rules[] = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rw"}};
    r.devices = rules;
    r.n_devices = 2;
    if (cg_apply(cg, &r, &e) < 0)
        fail_msg("%s", e.msg);
    expect_file(mem, "memory.limit_in_bytes", "67108864");
    expect_file(mem, "memory.soft_limit_in_bytes", "33554432");
    expect_file(cpu, "cpu.shares", "1024");
    expect_file(cpu, "cpu.cfs_period_us", "100000");
    expect_file(cpu, "cpu.cfs_quota_us", "50000");
    expect_file(d, "cpuset.cpus", "0");
    expect_file(cg_v1_dir(cg, "pids"), "pids.max", "42");
    expect_file(cg_v1_dir(cg, "blkio"), "blkio.weight", "500");
    expect_file(cg_v1_dir(cg, "devices"), "devices.deny", "a *:* rwm");
    /* the config's rules after its deny-all come after the defaults: the
     * file holds the last write */
    expect_file(cg_v1_dir(cg, "devices"), "devices.allow", "c 1:3 rw");
    /* unified keys need v2 */
    char *k[] = {"memory.high", NULL}, *v[] = {"1", NULL};
    struct oci_resources r3 = {0};
    r3.unified_keys = k;
    r3.unified_values = v;
    assert_int_equal(cg_apply(cg, &r3, &e), -1);
    assert_non_null(strstr(e.msg, "needs cgroup v2"));
    /* the record survives a JSON round trip */
    json_t *j = cg_to_json(cg);
    struct cgroup *back;
    assert_int_equal(cg_from_json(j, &back, &e), 0);
    assert_string_equal(cg_v1_dir(back, "memory"), mem);
    assert_int_equal(back->host.mode, CG_MODE_V1);
    cg_free(back);
    json_decref(j);
    cg_free(cg);
}

static void test_device_program(void **state)
{
    (void)state;
    struct oci_device_rule rules[] = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rw"},
                                      {true, 'b', 8, -1, "r"}};
    struct bpf_insn *p;
    size_t n;
    sk_error e;
    assert_int_equal(cg_v2_devices_program(rules, 3, &p, &n, &e), 0);
    /* the deny-all rule matches everything: the program ends with it (the
     * verifier refuses unreachable code), every block ends in exit */
    assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
    assert_int_equal(p[n - 2].imm, 0);
    size_t exits = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].code == (BPF_JMP | BPF_EXIT))
            exits++;
        if (p[i].code == (BPF_JMP | BPF_JNE | BPF_K))
            assert_true(i + 1 + (size_t)p[i].off < n);
    }
    size_t ndef;
    cg_default_device_rules(&ndef);
    assert_int_equal(exits, 3 + ndef);
    /* the effective order: deny-all, defaults, then the config's own rules */
    struct oci_device_rule *all;
    size_t na;
    assert_int_equal(cg_effective_device_rules(rules, 3, &all, &na, &e), 0);
    assert_int_equal(na, 3 + ndef);
    assert_false(all[0].allow);
    assert_int_equal(all[1].major, 1);
    assert_int_equal(all[ndef + 1].major, 1);
    assert_int_equal(all[ndef + 2].major, 8);
    free(all);
    free(p);
    /* without an unconditional rule, the fall-through allows */
    assert_int_equal(cg_v2_devices_program(rules + 1, 2, &p, &n, &e), 0);
    assert_int_equal(p[n - 2].imm, 1);
    free(p);
}

/* The warmer (cgroup/warm.c): one per host at a time, and its moves leave
 * the process where it was. */
static void test_warm(void **state)
{
    (void)state;
    if (cg_is_cgroup2("/sys/fs/cgroup")) {
        assert_null(rt_cgroup_warm_begin()); /* nothing moves on pure v2 */
        return;
    }
    if (geteuid() != 0)
        skip();
    char *before = NULL, *after = NULL;
    assert_int_equal(sk_read_file("/proc/self/cgroup", 1 << 16, &before, NULL, NULL), 0);
    struct rt_warm *w = NULL;
    for (int i = 0; i < 200 && w == NULL; i++) /* a start elsewhere may warm for a moment */
        if ((w = rt_cgroup_warm_begin()) == NULL)
            usleep(10000);
    assert_non_null(w);
    assert_null(rt_cgroup_warm_begin()); /* a second start shares it */
    usleep(30000);                        /* the first move, and more */
    rt_cgroup_warm_end(w);
    w = rt_cgroup_warm_begin(); /* free again */
    assert_non_null(w);
    rt_cgroup_warm_end(w);
    rt_cgroup_warm_end(NULL);
    assert_int_equal(sk_read_file("/proc/self/cgroup", 1 << 16, &after, NULL, NULL), 0);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_hybrid),
        cmocka_unit_test(test_host_v2),
        cmocka_unit_test(test_resolve_path),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test_setup_teardown(test_v2_writer, setup_fake, teardown_fake),
        cmocka_unit_test_setup_teardown(test_v1_writer, setup_fake, teardown_fake),
        cmocka_unit_test(test_device_program),
        cmocka_unit_test(test_warm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

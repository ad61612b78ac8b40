/* cgroup_v1.c - the cgroup v1 writer (also used on the v1/v2 hybrid). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

/* A new cpuset cgroup starts with empty cpus/mems and refuses tasks until
 * they are filled: copy each level's from its parent. */
static int cpuset_fill(const char *mountpoint, const char *path, sk_error *err)
{
    char dir[PATH_MAX], parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", mountpoint);
    size_t n = (size_t)snprintf(dir, sizeof dir, "%s", mountpoint);
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *e = strchrnul(p, '/');
        n += (size_t)snprintf(dir + n, sizeof dir - n, "/%.*s", (int)(e - p), p);
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (size_t i = 0; i < 2; i++) {
            char f[PATH_MAX + 16];
            _cleanup_free_ char *cur = NULL, *up = NULL;
            snprintf(f, sizeof f, "%s/%s", dir, files[i]);
            if (sk_read_file(f, 4096, &cur, NULL, err) < 0)
                return -1;
            if (cur[0] != '\n' && cur[0] != '\0')
                continue;
            snprintf(f, sizeof f, "%s/%s", parent, files[i]);
            if (sk_read_file(f, 4096, &up, NULL, err) < 0)
                return -1;
            if (cg_write(dir, files[i], up, err) < 0)
                return -1;
        }
        snprintf(parent, sizeof parent, "%s", dir);
        p = e;
    }
    return 0;
}

static int v1_create(struct cgroup *cg, sk_error *err)
{
    for (size_t i = 0; i < cg->host.n_hiers; i++) {
        if (cg->dirs[i] == NULL)
            continue;
        if (sk_mkdir_p(cg->dirs[i], 0755, err) < 0)
            return sk_err_prefix(err, "cgroup");
        if (strstr(cg->host.hiers[i].controllers, "cpuset") != NULL &&
            cpuset_fill(cg->host.hiers[i].mountpoint, cg->path, err) < 0)
            return -1;
    }
    if (cg->unified_dir != NULL && sk_mkdir_p(cg->unified_dir, 0755, err) < 0)
        return sk_err_prefix(err, "cgroup");
    return 0;
}

static int v1_enter(struct cgroup *cg, pid_t pid, sk_error *err)
{
    for (size_t i = 0; i < cg->host.n_hiers; i++)
        if (cg->dirs[i] != NULL && cg_writef(cg->dirs[i], "cgroup.procs", err, "%d", pid) < 0)
            return -1;
    if (cg->unified_dir != NULL && cg_writef(cg->unified_dir, "cgroup.procs", err, "%d", pid) < 0)
        return -1;
    return 0;
}

static const char *need_dir(const struct cgroup *cg, const char *ctrl, const char *what,
                            sk_error *err)
{
    const char *d = cg_v1_dir(cg, ctrl);
    if (d == NULL)
        sk_err(err, 0, "cgroup: %s needs the %s controller, which is not mounted", what, ctrl);
    return d;
}

static int apply_memory(struct cgroup *cg, const struct oci_resources *r, sk_error *err)
{
    const struct opt_i64 *limit = &r->memory.limit, *swap = &r->memory.swap;
    if (!limit->set && !swap->set && !r->memory.reservation.set && !r->memory.swappiness.set &&
        !r->memory.disable_oom_killer)
        return 0;
    const char *d = need_dir(cg, "memory", "a memory limit", err);
    if (d == NULL)
        return -1;
    bool memsw = cg_has_file(d, "memory.memsw.limit_in_bytes");
    int64_t sw = swap->set ? swap->v : 0;
    if (limit->set && limit->v == -1 && !swap->set)
        sw = -1; /* unlimited memory: unlimited swap too */
    bool want_swap = swap->set || (limit->set && limit->v == -1);
    if (want_swap && !memsw) {
        if (swap->set && swap->v > 0 && (!limit->set || swap->v != limit->v))
            return sk_err(err, 0, "cgroup: a swap limit needs swap accounting "
                                  "(memory.memsw.limit_in_bytes is missing)");
        want_swap = false;
    }
    bool swap_first = false;
    if (want_swap) {
        uint64_t cur = 0;
        if (cg_read_u64(d, "memory.memsw.limit_in_bytes", &cur) == 0)
            swap_first = sw == -1 || (uint64_t)sw > cur;
    }
    if (want_swap && swap_first &&
        cg_writef(d, "memory.memsw.limit_in_bytes", err, "%lld", (long long)sw) < 0)
        return -1;
    if (limit->set && limit->v != 0 &&
        cg_writef(d, "memory.limit_in_bytes", err, "%lld", (long long)limit->v) < 0)
        return -1;
    if (want_swap && !swap_first &&
        cg_writef(d, "memory.memsw.limit_in_bytes", err, "%lld", (long long)sw) < 0)
        return -1;
    if (r->memory.reservation.set && r->memory.reservation.v != 0 &&
        cg_writef(d, "memory.soft_limit_in_bytes", err, "%lld",
                  (long long)r->memory.reservation.v) < 0)
        return -1;
    if (r->memory.swappiness.set && r->memory.swappiness.v <= 100 &&
        cg_writef(d, "memory.swappiness", err, "%llu",
                  (unsigned long long)r->memory.swappiness.v) < 0)
        return -1;
    if (r->memory.disable_oom_killer && cg_write(d, "memory.oom_control", "1", err) < 0)
        return -1;
    return 0;
}

static int apply_cpu(struct cgroup *cg, const struct oci_resources *r, sk_error *err)
{
    bool any = r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set || r->cpu.burst.set ||
               r->cpu.realtime_period.set || r->cpu.realtime_runtime.set || r->cpu.idle.set;
    if (any) {
        const char *d = need_dir(cg, "cpu", "a cpu limit", err);
        if (d == NULL)
            return -1;
        if (r->cpu.shares.set && r->cpu.shares.v != 0 &&
            cg_writef(d, "cpu.shares", err, "%llu", (unsigned long long)r->cpu.shares.v) < 0)
            return -1;
        if (r->cpu.period.set && r->cpu.period.v != 0) {
            sk_error e2;
            if (cg_writef(d, "cpu.cfs_period_us", &e2, "%llu",
                          (unsigned long long)r->cpu.period.v) < 0) {
                /* a smaller period can conflict with the current quota: quota first */
                if (!r->cpu.quota.set)
                    return sk_err(err, e2.errnum, "%s", e2.msg);
                if (cg_writef(d, "cpu.cfs_quota_us", err, "%lld", (long long)r->cpu.quota.v) < 0 ||
                    cg_writef(d, "cpu.cfs_period_us", err, "%llu",
                              (unsigned long long)r->cpu.period.v) < 0)
                    return -1;
            }
        }
        if (r->cpu.quota.set && r->cpu.quota.v != 0 &&
            cg_writef(d, "cpu.cfs_quota_us", err, "%lld", (long long)r->cpu.quota.v) < 0)
            return -1;
        if (r->cpu.burst.set &&
            cg_writef(d, "cpu.cfs_burst_us", err, "%llu", (unsigned long long)r->cpu.burst.v) < 0)
            return -1;
        if (r->cpu.realtime_period.set &&
            cg_writef(d, "cpu.rt_period_us", err, "%llu",
                      (unsigned long long)r->cpu.realtime_period.v) < 0)
            return -1;
        if (r->cpu.realtime_runtime.set &&
            cg_writef(d, "cpu.rt_runtime_us", err, "%lld", (long long)r->cpu.realtime_runtime.v) < 0)
            return -1;
        if (r->cpu.idle.set && cg_writef(d, "cpu.idle", err, "%lld", (long long)r->cpu.idle.v) < 0)
            return -1;
    }
    if ((r->cpu.cpus && *r->cpu.cpus) || (r->cpu.mems && *r->cpu.mems)) {
        const char *d = need_dir(cg, "cpuset", "cpus/mems", err);
        if (d == NULL)
            return -1;
        if (r->cpu.cpus && *r->cpu.cpus && cg_write(d, "cpuset.cpus", r->cpu.cpus, err) < 0)
            return -1;
        if (r->cpu.mems && *r->cpu.mems && cg_write(d, "cpuset.mems", r->cpu.mems, err) < 0)
            return -1;
    }
    return 0;
}

static int apply_blkio(struct cgroup *cg, const struct oci_resources *r, sk_error *err)
{
    bool any = r->blkio.weight.set || r->blkio.leaf_weight.set || r->blkio.n_weight_devices > 0;
    for (int t = 0; t < 4; t++)
        any = any || r->blkio.n_throttle[t] > 0;
    if (!any)
        return 0;
    const char *d = need_dir(cg, "blkio", "a block I/O limit", err);
    if (d == NULL)
        return -1;
    bool bfq = cg_has_file(d, "blkio.bfq.weight");
    const char *wfile = bfq ? "blkio.bfq.weight" : "blkio.weight";
    const char *wdfile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
    if ((r->blkio.weight.set && r->blkio.weight.v != 0) || r->blkio.n_weight_devices > 0) {
        if (!bfq && !cg_has_file(d, "blkio.weight"))
            return sk_err(err, 0, "cgroup: blkio weight is not supported here (neither "
                                  "blkio.weight nor blkio.bfq.weight exists: no CFQ/BFQ scheduler)");
    }
    if (r->blkio.weight.set && r->blkio.weight.v != 0 &&
        cg_writef(d, wfile, err, "%llu", (unsigned long long)r->blkio.weight.v) < 0)
        return -1;
    if (r->blkio.leaf_weight.set && r->blkio.leaf_weight.v != 0 &&
        cg_writef(d, "blkio.leaf_weight", err, "%llu", (unsigned long long)r->blkio.leaf_weight.v) < 0)
        return -1;
    for (size_t i = 0; i < r->blkio.n_weight_devices; i++) {
        const struct oci_weight_device *w = &r->blkio.weight_devices[i];
        if (w->weight.set && cg_writef(d, wdfile, err, "%lld:%lld %llu", (long long)w->major,
                                       (long long)w->minor, (unsigned long long)w->weight.v) < 0)
            return -1;
    }
    static const char *const tfiles[4] = {
        "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
    for (int t = 0; t < 4; t++)
        for (size_t i = 0; i < r->blkio.n_throttle[t]; i++) {
            const struct oci_throttle_device *x = &r->blkio.throttle[t][i];
            if (cg_writef(d, tfiles[t], err, "%lld:%lld %llu", (long long)x->major,
                          (long long)x->minor, (unsigned long long)x->rate) < 0)
                return -1;
        }
    return 0;
}

static void format_rule(const struct oci_device_rule *d, char *buf, size_t cap)
{
    char maj[16], min[16];
    if (d->major < 0)
        strcpy(maj, "*");
    else
        snprintf(maj, sizeof maj, "%lld", (long long)d->major);
    if (d->minor < 0)
        strcpy(min, "*");
    else
        snprintf(min, sizeof min, "%lld", (long long)d->minor);
    snprintf(buf, cap, "%c %s:%s %s", d->type, maj, min, d->access);
}

static int apply_devices(struct cgroup *cg, const struct oci_resources *r, sk_error *err)
{
    if (r->n_devices == 0)
        return 0; /* nothing to restrict */
    const char *d = cg_v1_dir(cg, "devices");
    if (d == NULL)
        return sk_err(err, 0, "cgroup: device rules need the devices controller");
    struct oci_device_rule *all;
    size_t n;
    if (cg_effective_device_rules(r->devices, r->n_devices, &all, &n, err) < 0)
        return -1;
    char buf[64];
    int ret = 0;
    for (size_t i = 0; i < n && ret == 0; i++) {
        format_rule(&all[i], buf, sizeof buf);
        ret = cg_write(d, all[i].allow ? "devices.allow" : "devices.deny", buf, err);
    }
    free(all);
    return ret;
}

static int v1_apply(struct cgroup *cg, const struct oci_resources *r, sk_error *err)
{
    if (apply_devices(cg, r, err) < 0 || apply_memory(cg, r, err) < 0 ||
        apply_cpu(cg, r, err) < 0 || apply_blkio(cg, r, err) < 0)
        return -1;
    if (r->pids_limit.set) {
        const char *d = need_dir(cg, "pids", "a pids limit", err);
        if (d == NULL)
            return -1;
        int w = r->pids_limit.v > 0
                    ? cg_writef(d, "pids.max", err, "%lld", (long long)r->pids_limit.v)
                    : cg_write(d, "pids.max", "max", err);
        if (w < 0)
            return -1;
    }
    for (size_t i = 0; i < r->hugepages.n; i++) {
        const char *d = need_dir(cg, "hugetlb", "a hugepage limit", err);
        char file[64];
        if (d == NULL)
            return -1;
        snprintf(file, sizeof file, "hugetlb.%s.limit_in_bytes", r->hugepages.page_sizes[i]);
        if (cg_writef(d, file, err, "%llu", (unsigned long long)r->hugepages.limits[i]) < 0)
            return -1;
    }
    if (r->unified_keys != NULL && r->unified_keys[0] != NULL)
        return sk_err(err, 0, "cgroup: linux.resources.unified needs cgroup v2 (this host uses v1 "
                              "controllers)");
    return 0;
}

static int v1_freeze(struct cgroup *cg, bool freeze, sk_error *err)
{
    const char *d = need_dir(cg, "freezer", freeze ? "pause" : "resume", err);
    if (d == NULL)
        return -1;
    const char *want = freeze ? "FROZEN" : "THAWED";
    for (int i = 0; i < 1000; i++) {
        if (i % 50 == 0 && cg_write(d, "freezer.state", want, err) < 0)
            return -1;
        char path[PATH_MAX];
        _cleanup_free_ char *st = NULL;
        snprintf(path, sizeof path, "%s/freezer.state", d);
        if (sk_read_file(path, 64, &st, NULL, err) < 0)
            return -1;
        if (strncmp(st, want, strlen(want)) == 0)
            return 0;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return sk_err(err, ETIMEDOUT, "cgroup: freezer did not reach %s", want);
}

static int v1_is_frozen(struct cgroup *cg)
{
    const char *d = cg_v1_dir(cg, "freezer");
    char path[PATH_MAX];
    _cleanup_free_ char *st = NULL;
    if (d == NULL)
        return 0;
    snprintf(path, sizeof path, "%s/freezer.state", d);
    if (sk_read_file(path, 64, &st, NULL, NULL) < 0)
        return -1;
    return strncmp(st, "THAWED", 6) != 0;
}

static const char *any_dir(const struct cgroup *cg)
{
    const char *d = cg_v1_dir(cg, "pids");
    if (d == NULL)
        d = cg_v1_dir(cg, "memory");
    for (size_t i = 0; d == NULL && i < cg->host.n_hiers; i++)
        d = cg->dirs[i];
    return d;
}

static int v1_pids(struct cgroup *cg, pid_t **out, size_t *n, sk_error *err)
{
    const char *d = any_dir(cg);
    if (d == NULL)
        return sk_err(err, 0, "cgroup: no hierarchy to read processes from");
    return cg_read_pids(d, out, n, err);
}

static int v1_destroy(struct cgroup *cg, sk_error *err)
{
    int ret = 0;
    for (size_t i = 0; i < cg->host.n_hiers; i++)
        if (cg->dirs[i] != NULL && cg_rmdir(cg->dirs[i], err) < 0)
            ret = -1;
    if (cg->unified_dir != NULL && cg_rmdir(cg->unified_dir, err) < 0)
        ret = -1;
    return ret;
}

static int v1_stats(struct cgroup *cg, struct cg_stats *st, sk_error *err)
{
    (void)err;
    const char *d;
    if ((d = cg_v1_dir(cg, "memory")) != NULL) {
        cg_read_u64(d, "memory.usage_in_bytes", &st->memory_usage);
        cg_read_u64(d, "memory.limit_in_bytes", &st->memory_limit);
        cg_read_u64(d, "memory.max_usage_in_bytes", &st->memory_max_usage);
        st->memory_cache = cg_stat_field(d, "memory.stat", "total_cache");
        st->oom_kills = cg_stat_field(d, "memory.oom_control", "oom_kill");
    }
    if ((d = cg_v1_dir(cg, "cpuacct")) != NULL) {
        long hz = sysconf(_SC_CLK_TCK);
        cg_read_u64(d, "cpuacct.usage", &st->cpu_usage_ns);
        st->cpu_user_ns = cg_stat_field(d, "cpuacct.stat", "user") * (1000000000ULL / (uint64_t)hz);
        st->cpu_system_ns = cg_stat_field(d, "cpuacct.stat", "system") * (1000000000ULL / (uint64_t)hz);
    }
    if ((d = cg_v1_dir(cg, "pids")) != NULL) {
        cg_read_u64(d, "pids.current", &st->pids_current);
        cg_read_u64(d, "pids.max", &st->pids_limit);
    }
    if ((d = cg_v1_dir(cg, "blkio")) != NULL)
        cg_read_io(d, cg_has_file(d, "blkio.throttle.io_service_bytes_recursive") ? "blkio.throttle.io_service_bytes_recursive" : "blkio.throttle.io_service_bytes", false, st);
    return 0;
}

const struct cg_ops cg_ops_v1 = {
    .name = "v1",
    .create = v1_create,
    .enter = v1_enter,
    .apply = v1_apply,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .pids = v1_pids,
    .destroy = v1_destroy,
    .stats = v1_stats,
};

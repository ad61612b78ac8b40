/* cgroup_v2.c - the cgroup v2 (unified hierarchy) writer. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

/* Enable in dir's subtree_control every controller dir offers that we use. */
static int enable_controllers(const char *dir, sk_error *err)
{
    static const char *const want[] = {"cpu", "cpuset", "io", "memory", "pids", "hugetlb", "misc"};
    char path[PATH_MAX];
    _cleanup_free_ char *avail = NULL, *enabled = NULL;
    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    if (sk_read_file(path, 4096, &avail, NULL, err) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
    if (sk_read_file(path, 4096, &enabled, NULL, NULL) < 0)
        enabled = NULL;
    for (size_t i = 0; i < SK_ARRAY_SIZE(want); i++) {
        char word[32];
        snprintf(word, sizeof word, " %s ", want[i]);
        char padded[4100], padded_en[4100];
        snprintf(padded, sizeof padded, " %.*s ", (int)strcspn(avail, "\n"), avail);
        snprintf(padded_en, sizeof padded_en, " %.*s ", enabled ? (int)strcspn(enabled, "\n") : 0,
                 enabled ? enabled : "");
        if (strstr(padded, word) == NULL || strstr(padded_en, word) != NULL)
            continue;
        sk_error e2;
        if (cg_writef(dir, "cgroup.subtree_control", &e2, "+%s", want[i]) < 0) {
            /* EBUSY: dir holds processes (the no-internal-process rule) */
            return sk_err(err, e2.errnum, "%s", e2.msg);
        }
    }
    return 0;
}

static int v2_create(struct cgroup *cg, sk_error *err)
{
    char dir[PATH_MAX];
    size_t n = (size_t)snprintf(dir, sizeof dir, "%s", cg->host.unified);
    const char *p = cg->path;
    while (*p) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        if (enable_controllers(dir, err) < 0)
            return sk_err_prefix(err, "cgroup");
        const char *e = strchrnul(p, '/');
        n += (size_t)snprintf(dir + n, sizeof dir - n, "/%.*s", (int)(e - p), p);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return sk_err(err, errno, "cgroup: mkdir %s", dir);
        p = e;
    }
    return 0;
}

static int v2_enter(struct cgroup *cg, pid_t pid, sk_error *err)
{
    return cg_writef(cg->unified_dir, "cgroup.procs", err, "%d", pid);
}

static int apply_memory(const char *d, const struct oci_resources *r, sk_error *err)
{
    const struct opt_i64 *limit = &r->memory.limit, *swap = &r->memory.swap;
    if (limit->set && limit->v != 0) {
        int w = limit->v < 0 ? cg_write(d, "memory.max", "max", err)
                             : cg_writef(d, "memory.max", err, "%lld", (long long)limit->v);
        if (w < 0)
            return -1;
    }
    if (swap->set && swap->v != 0) {
        /* OCI's swap is memory+swap; v2's swap.max is swap alone */
        if (swap->v == -1) {
            if (cg_has_file(d, "memory.swap.max") && cg_write(d, "memory.swap.max", "max", err) < 0)
                return -1;
        } else {
            if (!limit->set || limit->v <= 0)
                return sk_err(err, 0, "cgroup: a swap limit needs a memory limit");
            if (!cg_has_file(d, "memory.swap.max"))
                return sk_err(err, 0, "cgroup: a swap limit needs swap accounting "
                                      "(memory.swap.max is missing)");
            if (cg_writef(d, "memory.swap.max", err, "%lld",
                          (long long)(swap->v - limit->v)) < 0)
                return -1;
        }
    }
    if (r->memory.reservation.set && r->memory.reservation.v != 0) {
        int w = r->memory.reservation.v < 0
                    ? cg_write(d, "memory.low", "max", err)
                    : cg_writef(d, "memory.low", err, "%lld", (long long)r->memory.reservation.v);
        if (w < 0)
            return -1;
    }
    if (r->memory.swappiness.set && r->memory.swappiness.v <= 100)
        sk_warn("cgroup v2 has no memory swappiness; linux.resources.memory.swappiness ignored");
    if (r->memory.disable_oom_killer)
        sk_warn("cgroup v2 cannot disable the OOM killer; disableOOMKiller ignored");
    return 0;
}

static int apply_cpu(const char *d, const struct oci_resources *r, sk_error *err)
{
    if (r->cpu.shares.set && r->cpu.shares.v != 0 &&
        cg_writef(d, "cpu.weight", err, "%llu",
                  (unsigned long long)cg_shares_to_weight(r->cpu.shares.v)) < 0)
        return -1;
    if ((r->cpu.quota.set && r->cpu.quota.v != 0) || (r->cpu.period.set && r->cpu.period.v != 0)) {
        uint64_t period = r->cpu.period.set && r->cpu.period.v ? r->cpu.period.v : 100000;
        int w;
        if (r->cpu.quota.set && r->cpu.quota.v > 0)
            w = cg_writef(d, "cpu.max", err, "%lld %llu", (long long)r->cpu.quota.v,
                          (unsigned long long)period);
        else
            w = cg_writef(d, "cpu.max", err, "max %llu", (unsigned long long)period);
        if (w < 0)
            return -1;
    }
    if (r->cpu.burst.set &&
        cg_writef(d, "cpu.max.burst", err, "%llu", (unsigned long long)r->cpu.burst.v) < 0)
        return -1;
    if (r->cpu.idle.set && cg_writef(d, "cpu.idle", err, "%lld", (long long)r->cpu.idle.v) < 0)
        return -1;
    if ((r->cpu.realtime_period.set && r->cpu.realtime_period.v) ||
        (r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v))
        return sk_err(err, 0, "cgroup: realtime cpu limits are not supported on cgroup v2");
    if (r->cpu.cpus && *r->cpu.cpus && cg_write(d, "cpuset.cpus", r->cpu.cpus, err) < 0)
        return -1;
    if (r->cpu.mems && *r->cpu.mems && cg_write(d, "cpuset.mems", r->cpu.mems, err) < 0)
        return -1;
    return 0;
}

static int apply_io(const char *d, const struct oci_resources *r, sk_error *err)
{
    bool bfq = cg_has_file(d, "io.bfq.weight");
    if (r->blkio.weight.set && r->blkio.weight.v != 0) {
        int w = bfq ? cg_writef(d, "io.bfq.weight", err, "%llu",
                                (unsigned long long)r->blkio.weight.v)
                    : cg_writef(d, "io.weight", err, "default %llu",
                                (unsigned long long)cg_blkio_to_io_weight(r->blkio.weight.v));
        if (w < 0)
            return -1;
    }
    for (size_t i = 0; i < r->blkio.n_weight_devices; i++) {
        const struct oci_weight_device *wd = &r->blkio.weight_devices[i];
        if (!wd->weight.set)
            continue;
        int w = bfq ? cg_writef(d, "io.bfq.weight", err, "%lld:%lld %llu", (long long)wd->major,
                                (long long)wd->minor, (unsigned long long)wd->weight.v)
                    : cg_writef(d, "io.weight", err, "%lld:%lld %llu", (long long)wd->major,
                                (long long)wd->minor,
                                (unsigned long long)cg_blkio_to_io_weight(wd->weight.v));
        if (w < 0)
            return -1;
    }
    static const char *const keys[4] = {"rbps", "wbps", "riops", "wiops"};
    for (int t = 0; t < 4; t++)
        for (size_t i = 0; i < r->blkio.n_throttle[t]; i++) {
            const struct oci_throttle_device *x = &r->blkio.throttle[t][i];
            if (cg_writef(d, "io.max", err, "%lld:%lld %s=%llu", (long long)x->major,
                          (long long)x->minor, keys[t], (unsigned long long)x->rate) < 0)
                return -1;
        }
    return 0;
}

static int v2_apply(struct cgroup *cg, const struct oci_resources *r, sk_error *err)
{
    const char *d = cg->unified_dir;
    if (apply_memory(d, r, err) < 0 || apply_cpu(d, r, err) < 0 || apply_io(d, r, err) < 0)
        return -1;
    if (r->pids_limit.set) {
        int w = r->pids_limit.v > 0
                    ? cg_writef(d, "pids.max", err, "%lld", (long long)r->pids_limit.v)
                    : cg_write(d, "pids.max", "max", err);
        if (w < 0)
            return -1;
    }
    for (size_t i = 0; i < r->hugepages.n; i++) {
        char file[64];
        snprintf(file, sizeof file, "hugetlb.%s.max", r->hugepages.page_sizes[i]);
        if (cg_writef(d, file, err, "%llu", (unsigned long long)r->hugepages.limits[i]) < 0)
            return -1;
    }
    for (size_t i = 0; r->unified_keys != NULL && r->unified_keys[i] != NULL; i++)
        if (cg_write(d, r->unified_keys[i], r->unified_values[i], err) < 0)
            return -1;
    /* without rules there is nothing to restrict: no program at all */
    if (r->n_devices > 0 && cg_v2_devices_attach(d, r->devices, r->n_devices, err) < 0)
        return -1;
    return 0;
}

static int wait_events(const char *d, const char *key, const char *want, sk_error *err)
{
    char path[PATH_MAX], needle[64];
    snprintf(path, sizeof path, "%s/cgroup.events", d);
    snprintf(needle, sizeof needle, "%s %s\n", key, want);
    for (int i = 0; i < 2000; i++) {
        _cleanup_free_ char *ev = NULL;
        if (sk_read_file(path, 4096, &ev, NULL, err) < 0)
            return -1;
        if (strstr(ev, needle) != NULL)
            return 0;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return sk_err(err, ETIMEDOUT, "cgroup: %s did not become %s", key, want);
}

static int v2_freeze(struct cgroup *cg, bool freeze, sk_error *err)
{
    if (!cg_has_file(cg->unified_dir, "cgroup.freeze"))
        return sk_err(err, 0, "cgroup: this kernel has no cgroup v2 freezer (needs Linux 5.2)");
    if (cg_write(cg->unified_dir, "cgroup.freeze", freeze ? "1" : "0", err) < 0)
        return -1;
    return wait_events(cg->unified_dir, "frozen", freeze ? "1" : "0", err);
}

static int v2_is_frozen(struct cgroup *cg)
{
    uint64_t v;
    if (cg_read_u64(cg->unified_dir, "cgroup.freeze", &v) < 0)
        return 0;
    return v == 1;
}

static int v2_pids(struct cgroup *cg, pid_t **out, size_t *n, sk_error *err)
{
    return cg_read_pids(cg->unified_dir, out, n, err);
}

/* Remove dir and any cgroups the container made below it, deepest first. */
static int rmdir_tree(const char *dir, int depth, sk_error *err)
{
    DIR *d = depth < 32 ? opendir(dir) : NULL;
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_type != DT_DIR || de->d_name[0] == '.')
                continue;
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name) >= (int)sizeof sub)
                continue;
            rmdir_tree(sub, depth + 1, NULL);
        }
        closedir(d);
    }
    return cg_rmdir(dir, err);
}

static int v2_destroy(struct cgroup *cg, sk_error *err)
{
    return rmdir_tree(cg->unified_dir, 0, err);
}

static int v2_stats(struct cgroup *cg, struct cg_stats *st, sk_error *err)
{
    (void)err;
    const char *d = cg->unified_dir;
    cg_read_u64(d, "memory.current", &st->memory_usage);
    cg_read_u64(d, "memory.max", &st->memory_limit);
    cg_read_u64(d, "memory.peak", &st->memory_max_usage);
    st->memory_cache = cg_stat_field(d, "memory.stat", "file");
    st->oom_kills = cg_stat_field(d, "memory.events", "oom_kill");
    st->cpu_usage_ns = cg_stat_field(d, "cpu.stat", "usage_usec") * 1000;
    st->cpu_user_ns = cg_stat_field(d, "cpu.stat", "user_usec") * 1000;
    st->cpu_system_ns = cg_stat_field(d, "cpu.stat", "system_usec") * 1000;
    cg_read_u64(d, "pids.current", &st->pids_current);
    cg_read_u64(d, "pids.max", &st->pids_limit);
    cg_read_io(d, "io.stat", true, st);
    return 0;
}

const struct cg_ops cg_ops_v2 = {
    .name = "v2",
    .create = v2_create,
    .enter = v2_enter,
    .apply = v2_apply,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .pids = v2_pids,
    .destroy = v2_destroy,
    .stats = v2_stats,
};

/* cgroup.c - host layout, path resolution, state round trip, dispatch. */
#define _GNU_SOURCE
#include "runtime/cgroup/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ---- helpers shared by the writers ---------------------------------- */

int cg_write(const char *dir, const char *file, const char *value, sk_error *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
        return sk_err(err, ENAMETOOLONG, "cgroup %s", dir);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return sk_err(err, errno, "cgroup: open %s", path);
    size_t len = strlen(value);
    if (write(fd, value, len) != (ssize_t)len)
        return sk_err(err, errno ? errno : EIO, "cgroup: write \"%s\" to %s", value, path);
    return 0;
}

int cg_writef(const char *dir, const char *file, sk_error *err, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return sk_err(err, EINVAL, "cgroup: value for %s too long", file);
    return cg_write(dir, file, buf, err);
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
    char path[PATH_MAX], buf[64] = {0};
    snprintf(path, sizeof path, "%s/%s", dir, file);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (strcmp(buf, "max") == 0) {
        *out = UINT64_MAX;
        return 0;
    }
    return sk_parse_u64(buf, out);
}

int cg_read_pids(const char *dir, pid_t **out, size_t *n, sk_error *err)
{
    char path[PATH_MAX];
    _cleanup_free_ char *buf = NULL;
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    if (sk_read_file(path, 64u << 20, &buf, NULL, err) < 0)
        return -1;
    size_t cap = 16, cnt = 0;
    pid_t *pids = malloc(cap * sizeof *pids);
    if (pids == NULL)
        return sk_err(err, ENOMEM, "cgroup pids");
    for (char *save = NULL, *tok = strtok_r(buf, "\n", &save); tok != NULL;
         tok = strtok_r(NULL, "\n", &save)) {
        int p;
        if (sk_parse_int(tok, &p) < 0 || p <= 0)
            continue;
        if (cnt == cap) {
            pid_t *np = realloc(pids, (cap *= 2) * sizeof *np);
            if (np == NULL) {
                free(pids);
                return sk_err(err, ENOMEM, "cgroup pids");
            }
            pids = np;
        }
        pids[cnt++] = p;
    }
    *out = pids;
    *n = cnt;
    return 0;
}

bool cg_has_file(const char *dir, const char *file)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    return access(p, F_OK) == 0;
}

uint64_t cg_stat_field(const char *dir, const char *file, const char *key)
{
    char path[PATH_MAX];
    _cleanup_free_ char *buf = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (sk_read_file(path, 1 << 20, &buf, NULL, NULL) < 0)
        return 0;
    size_t kl = strlen(key);
    for (char *l = buf; l != NULL && *l;) {
        if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
            return strtoull(l + kl + 1, NULL, 10);
        l = strchr(l, '\n');
        if (l != NULL)
            l++;
    }
    return 0;
}

static struct cg_io *io_device(struct cg_stats *st, unsigned major, unsigned minor)
{
    for (size_t i = 0; i < st->n_io; i++)
        if (st->io[i].major == major && st->io[i].minor == minor)
            return &st->io[i];
    if (st->n_io == CG_IO_DEVICES)
        return NULL;
    st->io[st->n_io] = (struct cg_io){.major = major, .minor = minor};
    return &st->io[st->n_io++];
}

void cg_read_io(const char *dir, const char *file, bool v2, struct cg_stats *st)
{
    char path[PATH_MAX];
    _cleanup_free_ char *buf = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (sk_read_file(path, 1 << 20, &buf, NULL, NULL) < 0)
        return;
    for (char *l = buf, *next; l != NULL && *l; l = next) {
        next = strchr(l, '\n');
        if (next != NULL)
            *next++ = '\0';
        unsigned major, minor;
        char op[16];
        unsigned long long v;
        struct cg_io *io;
        if (sscanf(l, "%u:%u", &major, &minor) != 2 || (io = io_device(st, major, minor)) == NULL)
            continue;
        if (v2) {
            const char *r = strstr(l, " rbytes="), *w = strstr(l, " wbytes=");
            io->read_bytes += r ? strtoull(r + 8, NULL, 10) : 0;
            io->write_bytes += w ? strtoull(w + 8, NULL, 10) : 0;
        } else if (sscanf(l, "%*u:%*u %15s %llu", op, &v) == 2) {
            if (strcmp(op, "Read") == 0)
                io->read_bytes += v;
            else if (strcmp(op, "Write") == 0)
                io->write_bytes += v;
        }
    }
}

/* ---- host layout ----------------------------------------------------- */

static const char *const known_controllers[] = {
    "cpu",       "cpuacct",    "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
    "blkio",     "perf_event", "hugetlb", "pids",  "rdma",    "misc",
};

static bool is_controller(const char *opt)
{
    if (sk_str_has_prefix(opt, "name="))
        return true;
    for (size_t i = 0; i < SK_ARRAY_SIZE(known_controllers); i++)
        if (strcmp(opt, known_controllers[i]) == 0)
            return true;
    return false;
}

/* Undo mountinfo's octal escapes (\040 for space) in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Controllers of one v1 mount from its super options, "rw,cpu,cpuacct" -> "cpu,cpuacct". */
static char *controllers_of(const char *superopts)
{
    _cleanup_free_ char *copy = strdup(superopts);
    char *out = calloc(1, strlen(superopts) + 1);
    if (copy == NULL || out == NULL) {
        free(out);
        return NULL;
    }
    for (char *save = NULL, *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
        if (is_controller(o)) {
            if (*out)
                strcat(out, ",");
            strcat(out, o);
        }
    return out;
}

static const char *own_cgroup(const char *proc_cgroup, const char *controllers, char *buf,
                              size_t cap)
{
    /* lines "ID:CONTROLLERS:PATH" */
    const char *p = proc_cgroup;
    while (p != NULL && *p) {
        const char *nl = strchrnul(p, '\n');
        const char *c1 = memchr(p, ':', (size_t)(nl - p));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
        if (c2 != NULL) {
            size_t cl = (size_t)(c2 - c1 - 1);
            if (cl == strlen(controllers) && strncmp(c1 + 1, controllers, cl) == 0) {
                snprintf(buf, cap, "%.*s", (int)(nl - c2 - 1), c2 + 1);
                return buf;
            }
        }
        p = *nl ? nl + 1 : NULL;
    }
    return "/";
}

int cg_host_parse(const char *mountinfo, const char *proc_cgroup, bool root_is_cgroup2,
                  struct cg_host *h, sk_error *err)
{
    memset(h, 0, sizeof *h);
    _cleanup_free_ char *mi = strdup(mountinfo);
    if (mi == NULL)
        return sk_err(err, ENOMEM, "cgroup layout");
    char own[PATH_MAX];
    for (char *save = NULL, *line = strtok_r(mi, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[6] = {0};
        char *s2 = NULL;
        int nf = 0;
        char *tok = strtok_r(line, " ", &s2);
        while (tok != NULL) {
            f[nf++] = tok;
            if (nf == 6)
                break;
            tok = strtok_r(NULL, " ", &s2);
        }
        if (nf < 6)
            continue;
        /* skip optional fields up to the "-" separator */
        char *t;
        while ((t = strtok_r(NULL, " ", &s2)) != NULL && strcmp(t, "-") != 0)
            ;
        char *fstype = strtok_r(NULL, " ", &s2);
        char *source = strtok_r(NULL, " ", &s2);
        char *superopts = strtok_r(NULL, " ", &s2);
        (void)source;
        if (fstype == NULL || superopts == NULL || strcmp(f[3], "/") != 0)
            continue;
        unescape(f[4]);
        if (strcmp(fstype, "cgroup2") == 0) {
            if (h->unified == NULL) {
                if ((h->unified = strdup(f[4])) == NULL ||
                    (h->unified_own = strdup(own_cgroup(proc_cgroup, "", own, sizeof own))) == NULL)
                    return sk_err(err, ENOMEM, "cgroup layout");
            }
            continue;
        }
        if (strcmp(fstype, "cgroup") != 0)
            continue;
        _cleanup_free_ char *ctrl = controllers_of(superopts);
        if (ctrl == NULL)
            return sk_err(err, ENOMEM, "cgroup layout");
        if (*ctrl == '\0')
            continue;
        bool dup = false;
        for (size_t i = 0; i < h->n_hiers; i++)
            if (strcmp(h->hiers[i].controllers, ctrl) == 0)
                dup = true;
        if (dup)
            continue;
        struct cg_hier *nh = realloc(h->hiers, (h->n_hiers + 1) * sizeof *nh);
        if (nh == NULL)
            return sk_err(err, ENOMEM, "cgroup layout");
        h->hiers = nh;
        struct cg_hier *x = &h->hiers[h->n_hiers++];
        x->mountpoint = strdup(f[4]);
        x->own = strdup(own_cgroup(proc_cgroup, ctrl, own, sizeof own));
        x->controllers = steal_ptr(&ctrl);
        if (x->mountpoint == NULL || x->own == NULL)
            return sk_err(err, ENOMEM, "cgroup layout");
    }
    bool v1_controllers = false;
    for (size_t i = 0; i < h->n_hiers; i++)
        if (!sk_str_has_prefix(h->hiers[i].controllers, "name="))
            v1_controllers = true;
    if (root_is_cgroup2 || (!v1_controllers && h->unified != NULL))
        h->mode = CG_MODE_V2;
    else if (h->unified != NULL)
        h->mode = CG_MODE_HYBRID;
    else
        h->mode = CG_MODE_V1;
    if (h->mode != CG_MODE_V2 && !v1_controllers)
        return sk_err(err, 0, "no cgroup hierarchy is mounted");
    return 0;
}

bool cg_is_cgroup2(const char *path)
{
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

int cg_host_detect(struct cg_host *h, sk_error *err)
{
    /* Testing the v2 writer on a v1/v2 hybrid host: treat the given cgroup2
     * mount as the only hierarchy (documented in docs/skiff-runc.1.md). */
    const char *forced = getenv("SKIFF_CGROUP2_ROOT");
    if (forced != NULL && *forced == '/') {
        if (!cg_is_cgroup2(forced))
            return sk_err(err, 0, "SKIFF_CGROUP2_ROOT=%s is not a cgroup2 mount", forced);
        memset(h, 0, sizeof *h);
        h->mode = CG_MODE_V2;
        h->unified = strdup(forced);
        h->unified_own = strdup("/");
        return h->unified && h->unified_own ? 0 : sk_err(err, ENOMEM, "cgroup layout");
    }
    _cleanup_free_ char *mi = NULL, *pc = NULL;
    bool v2 = cg_is_cgroup2("/sys/fs/cgroup");
    if (sk_read_file("/proc/self/mountinfo", 16u << 20, &mi, NULL, err) < 0 ||
        sk_read_file("/proc/self/cgroup", 1u << 20, &pc, NULL, err) < 0)
        return -1;
    return cg_host_parse(mi, pc, v2, h, err);
}

void cg_host_clear(struct cg_host *h)
{
    for (size_t i = 0; i < h->n_hiers; i++) {
        free(h->hiers[i].mountpoint);
        free(h->hiers[i].controllers);
        free(h->hiers[i].own);
    }
    free(h->hiers);
    free(h->unified);
    free(h->unified_own);
    memset(h, 0, sizeof *h);
}

/* ---- paths ------------------------------------------------------------ */

static int check_components(const char *p, sk_error *err)
{
    for (const char *c = p; *c;) {
        while (*c == '/')
            c++;
        const char *e = strchrnul(c, '/');
        if ((e - c == 2 && c[0] == '.' && c[1] == '.') || (e - c == 1 && c[0] == '.'))
            return sk_err(err, 0, "cgroupsPath \"%s\": \".\" and \"..\" are not allowed", p);
        c = e;
    }
    return 0;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". */
static int expand_slice(const char *slice, char *out, size_t cap, sk_error *err)
{
    size_t l = strlen(slice);
    out[0] = '\0';
    if (strcmp(slice, "-.slice") == 0)
        return 0;
    if (l < 7 || strcmp(slice + l - 6, ".slice") != 0 || strchr(slice, '/') != NULL)
        return sk_err(err, 0, "cgroupsPath: \"%s\" is not a systemd slice", slice);
    size_t base = l - 6, n = 0;
    for (size_t i = 0; i <= base; i++) {
        if (i == base || slice[i] == '-') {
            if (i == 0 || slice[i - 1] == '-')
                return sk_err(err, 0, "cgroupsPath: \"%s\" is not a valid slice name", slice);
            int w = snprintf(out + n, cap - n, "/%.*s.slice", (int)i, slice);
            if (w < 0 || (size_t)w >= cap - n)
                return sk_err(err, ENAMETOOLONG, "cgroupsPath");
            n += (size_t)w;
        }
    }
    return 0;
}

int cg_resolve_path(const char *cgroups_path, const char *id, bool systemd, const char *own,
                    char **out, sk_error *err)
{
    char buf[PATH_MAX];
    const char *p = cgroups_path ? cgroups_path : "";
    if (*p == '\0') {
        if (systemd) {
            snprintf(buf, sizeof buf, "system.slice:skiff:%s", id);
            return cg_resolve_path(buf, id, true, own, out, err);
        }
        *out = sk_strdup_printf("/skiff/%s", id);
        return *out ? 0 : sk_err(err, ENOMEM, "cgroupsPath");
    }
    const char *c1 = strchr(p, ':');
    if (c1 != NULL) {
        const char *c2 = strchr(c1 + 1, ':');
        if (c2 == NULL || strchr(c2 + 1, ':') != NULL || p[0] == '/')
            return sk_err(err, 0, "cgroupsPath \"%s\": expected \"slice:prefix:name\"", p);
        char slice[256], prefix[256], name[256];
        if ((size_t)(c1 - p) >= sizeof slice || (size_t)(c2 - c1 - 1) >= sizeof prefix ||
            strlen(c2 + 1) >= sizeof name)
            return sk_err(err, ENAMETOOLONG, "cgroupsPath");
        snprintf(slice, sizeof slice, "%.*s", (int)(c1 - p), p);
        snprintf(prefix, sizeof prefix, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        snprintf(name, sizeof name, "%s", c2 + 1);
        if (*name == '\0' || strchr(name, '/') || strchr(prefix, '/'))
            return sk_err(err, 0, "cgroupsPath \"%s\": invalid unit name", p);
        if (expand_slice(*slice ? slice : "system.slice", buf, sizeof buf, err) < 0)
            return -1;
        size_t n = strlen(buf);
        size_t nl = strlen(name);
        int w;
        if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
            w = snprintf(buf + n, sizeof buf - n, "/%s", name);
        else if (*prefix)
            w = snprintf(buf + n, sizeof buf - n, "/%s-%s.scope", prefix, name);
        else
            w = snprintf(buf + n, sizeof buf - n, "/%s.scope", name);
        if (w < 0 || (size_t)w >= sizeof buf - n)
            return sk_err(err, ENAMETOOLONG, "cgroupsPath");
        *out = strdup(buf);
        return *out ? 0 : sk_err(err, ENOMEM, "cgroupsPath");
    }
    if (check_components(p, err) < 0)
        return -1;
    if (p[0] == '/')
        snprintf(buf, sizeof buf, "%s", p);
    else
        snprintf(buf, sizeof buf, "%s/%s", strcmp(own, "/") == 0 ? "" : own, p);
    char clean[PATH_MAX];
    if (sk_path_clean(buf, clean, sizeof clean) < 0)
        return sk_err(err, ENAMETOOLONG, "cgroupsPath");
    if (strcmp(clean, "/") == 0)
        return sk_err(err, 0, "cgroupsPath \"%s\": the root cgroup cannot hold a container", p);
    *out = strdup(clean);
    return *out ? 0 : sk_err(err, ENOMEM, "cgroupsPath");
}

/* ---- objects ---------------------------------------------------------- */

static bool hier_used(const struct cg_hier *h)
{
    return !sk_str_has_prefix(h->controllers, "name=");
}

static int fill_dirs(struct cgroup *cg, sk_error *err)
{
    if (cg->host.mode != CG_MODE_V2) {
        cg->dirs = calloc(cg->host.n_hiers + 1, sizeof(char *));
        if (cg->dirs == NULL)
            return sk_err(err, ENOMEM, "cgroup");
        for (size_t i = 0; i < cg->host.n_hiers; i++) {
            if (!hier_used(&cg->host.hiers[i]))
                continue;
            cg->dirs[i] = sk_strdup_printf("%s%s", cg->host.hiers[i].mountpoint, cg->path);
            if (cg->dirs[i] == NULL)
                return sk_err(err, ENOMEM, "cgroup");
        }
        cg->ops = &cg_ops_v1;
    } else {
        cg->ops = &cg_ops_v2;
    }
    if (cg->host.unified != NULL) {
        cg->unified_dir = sk_strdup_printf("%s%s", cg->host.unified, cg->path);
        if (cg->unified_dir == NULL)
            return sk_err(err, ENOMEM, "cgroup");
    }
    return 0;
}

static int copy_host(const struct cg_host *src, struct cg_host *dst, sk_error *err)
{
    memset(dst, 0, sizeof *dst);
    dst->mode = src->mode;
    dst->hiers = calloc(src->n_hiers + 1, sizeof *dst->hiers);
    if (dst->hiers == NULL)
        return sk_err(err, ENOMEM, "cgroup");
    dst->n_hiers = src->n_hiers;
    for (size_t i = 0; i < src->n_hiers; i++) {
        dst->hiers[i].mountpoint = strdup(src->hiers[i].mountpoint);
        dst->hiers[i].controllers = strdup(src->hiers[i].controllers);
        dst->hiers[i].own = strdup(src->hiers[i].own ? src->hiers[i].own : "/");
        if (!dst->hiers[i].mountpoint || !dst->hiers[i].controllers || !dst->hiers[i].own)
            return sk_err(err, ENOMEM, "cgroup");
    }
    if (src->unified != NULL && (dst->unified = strdup(src->unified)) == NULL)
        return sk_err(err, ENOMEM, "cgroup");
    return 0;
}

int cg_new(const struct cg_host *host, const char *path, struct cgroup **out, sk_error *err)
{
    struct cgroup *cg = calloc(1, sizeof *cg);
    if (cg == NULL)
        return sk_err(err, ENOMEM, "cgroup");
    if (copy_host(host, &cg->host, err) < 0 || (cg->path = strdup(path)) == NULL ||
        fill_dirs(cg, err) < 0) {
        if (cg->path == NULL)
            sk_err(err, ENOMEM, "cgroup");
        cg_free(cg);
        return -1;
    }
    *out = cg;
    return 0;
}

void cg_free(struct cgroup *cg)
{
    if (cg == NULL)
        return;
    if (cg->dirs != NULL)
        for (size_t i = 0; i < cg->host.n_hiers; i++)
            free(cg->dirs[i]);
    free(cg->dirs);
    cg_host_clear(&cg->host);
    free(cg->path);
    free(cg->unified_dir);
    free(cg);
}

static const char *const mode_names[] = {"v1", "hybrid", "v2"};

json_t *cg_to_json(const struct cgroup *cg)
{
    json_t *hiers = json_array();
    for (size_t i = 0; i < cg->host.n_hiers; i++)
        json_array_append_new(hiers, json_pack("{s:s, s:s}", "mountpoint",
                                               cg->host.hiers[i].mountpoint, "controllers",
                                               cg->host.hiers[i].controllers));
    json_t *j = json_pack("{s:s, s:s, s:o}", "mode", mode_names[cg->host.mode], "path", cg->path,
                          "hierarchies", hiers);
    if (cg->host.unified != NULL)
        json_object_set_new(j, "unified", json_string(cg->host.unified));
    return j;
}

int cg_from_json(json_t *j, struct cgroup **out, sk_error *err)
{
    struct cg_host h = {0};
    const char *mode = NULL, *path = NULL, *unified = NULL;
    json_t *hiers = NULL;
    int ret = -1;
    if (!json_is_object(j) || sk_json_string(j, "mode", "cgroup", &mode, err) <= 0 ||
        sk_json_string(j, "path", "cgroup", &path, err) <= 0 ||
        sk_json_array(j, "hierarchies", "cgroup", &hiers, err) < 0 ||
        sk_json_string(j, "unified", "cgroup", &unified, err) < 0)
        return sk_err(err, 0, "state: cgroup record is damaged");
    for (int m = 0; m < 3; m++)
        if (strcmp(mode, mode_names[m]) == 0)
            h.mode = (enum cg_mode)m;
    size_t n = hiers ? json_array_size(hiers) : 0;
    h.hiers = calloc(n + 1, sizeof *h.hiers);
    if (h.hiers == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const char *mp = NULL, *ct = NULL;
        json_t *e = json_array_get(hiers, i);
        if (sk_json_string(e, "mountpoint", "cgroup", &mp, err) <= 0 ||
            sk_json_string(e, "controllers", "cgroup", &ct, err) <= 0) {
            sk_err(err, 0, "state: cgroup record is damaged");
            goto out;
        }
        h.hiers[i].mountpoint = strdup(mp);
        h.hiers[i].controllers = strdup(ct);
        h.hiers[i].own = strdup("/");
        h.n_hiers = i + 1;
    }
    if (unified != NULL)
        h.unified = strdup(unified);
    ret = cg_new(&h, path, out, err);
out:
    cg_host_clear(&h);
    return ret;
}

/* ---- dispatch --------------------------------------------------------- */

int cg_create(struct cgroup *cg, sk_error *err)
{
    return cg->ops->create(cg, err);
}
int cg_clone_fd(const struct cgroup *cg)
{
    if (cg == NULL || cg->host.mode != CG_MODE_V2 || cg->unified_dir == NULL)
        return -1;
    return open(cg->unified_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int cg_enter(struct cgroup *cg, pid_t pid, sk_error *err)
{
    return cg->ops->enter(cg, pid, err);
}
int cg_apply(struct cgroup *cg, const struct oci_resources *r, sk_error *err)
{
    return cg->ops->apply(cg, r, err);
}
int cg_freeze(struct cgroup *cg, bool freeze, sk_error *err)
{
    return cg->ops->freeze(cg, freeze, err);
}
int cg_is_frozen(struct cgroup *cg)
{
    return cg->ops->is_frozen(cg);
}
int cg_pids(struct cgroup *cg, pid_t **out, size_t *n, sk_error *err)
{
    return cg->ops->pids(cg, out, n, err);
}

/* rmdir, waiting briefly for exiting tasks to leave. */
int cg_rmdir(const char *dir, sk_error *err)
{
    for (int i = 0; i < 200; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            break;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return sk_err(err, errno, "cgroup: remove %s", dir);
}

int cg_destroy(struct cgroup *cg, sk_error *err)
{
    return cg->ops->destroy(cg, err);
}
int cg_stats(struct cgroup *cg, struct cg_stats *st, sk_error *err)
{
    memset(st, 0, sizeof *st);
    return cg->ops->stats(cg, st, err);
}

const char *cg_v1_dir(const struct cgroup *cg, const char *controller)
{
    size_t l = strlen(controller);
    for (size_t i = 0; cg->dirs != NULL && i < cg->host.n_hiers; i++) {
        const char *c = cg->host.hiers[i].controllers;
        for (const char *p = c; p && *p;) {
            const char *e = strchrnul(p, ',');
            if ((size_t)(e - p) == l && strncmp(p, controller, l) == 0)
                return cg->dirs[i];
            p = *e ? e + 1 : NULL;
        }
    }
    return NULL;
}

/* ---- shared values ----------------------------------------------------- */

static const struct oci_device_rule default_rules[] = {
    {true, 'c', 1, 3, "rwm"},   /* /dev/null */
    {true, 'c', 1, 5, "rwm"},   /* /dev/zero */
    {true, 'c', 1, 7, "rwm"},   /* /dev/full */
    {true, 'c', 1, 8, "rwm"},   /* /dev/random */
    {true, 'c', 1, 9, "rwm"},   /* /dev/urandom */
    {true, 'c', 5, 0, "rwm"},   /* /dev/tty */
    {true, 'c', 5, 1, "rwm"},   /* /dev/console */
    {true, 'c', 5, 2, "rwm"},   /* /dev/ptmx */
    {true, 'c', 136, -1, "rwm"}, /* /dev/pts/N */
    {true, 'c', 10, 200, "rwm"}, /* /dev/net/tun */
};

const struct oci_device_rule *cg_default_device_rules(size_t *n)
{
    *n = SK_ARRAY_SIZE(default_rules);
    return default_rules;
}

int cg_effective_device_rules(const struct oci_device_rule *rules, size_t n,
                              struct oci_device_rule **out, size_t *n_out, sk_error *err)
{
    size_t nd = SK_ARRAY_SIZE(default_rules), split = 0;
    for (size_t i = 0; i < n; i++)
        if (!rules[i].allow && rules[i].type == 'a' && rules[i].major < 0 && rules[i].minor < 0 &&
            strlen(rules[i].access) == 3)
            split = i + 1;
    struct oci_device_rule *r = malloc((n + nd) * sizeof *r);
    if (r == NULL)
        return sk_err(err, ENOMEM, "device rules");
    memcpy(r, rules, split * sizeof *r);
    memcpy(r + split, default_rules, nd * sizeof *r);
    memcpy(r + split + nd, rules + split, (n - split) * sizeof *r);
    *out = r;
    *n_out = n + nd;
    return 0;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_blkio_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    if (weight < 10)
        weight = 10;
    if (weight > 1000)
        weight = 1000;
    return 1 + (weight - 10) * 9999 / 990;
}

/* spec.c - the OCI config.json the monitor hands the runtime, from a
 * container's record: docker's defaults (capabilities, masked paths,
 * devices, mounts), the image config merged at create, HostConfig. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

static const char *const default_caps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",          "CAP_FOWNER",     "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",          "CAP_SETFCAP",    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",    "CAP_AUDIT_WRITE", NULL};

static const char *const all_caps[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE", NULL};

static const char *const masked_paths[] = {
    "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap", NULL};
static const char *const readonly_paths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                             "/proc/sysrq-trigger", NULL};

/* Every capability we may hand out: all_caps (indexed by number) within our
 * own bounding set, as docker's --privileged gives what the daemon has. */
static json_t *bounded_all_caps(void)
{
    json_t *a = json_array();
    for (int i = 0; all_caps[i]; i++)
        if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
            json_array_append_new(a, json_string(all_caps[i]));
    return a;
}

static json_t *strv(const char *const *v)
{
    json_t *a = json_array();
    for (; *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static json_t *obj(json_t *o, const char *k)
{
    return json_object_get(o, k);
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* "NET_ADMIN", "cap_net_admin" -> "CAP_NET_ADMIN" */
static void cap_name(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    if (strncasecmp(in, "CAP_", 4) != 0)
        o = (size_t)snprintf(out, cap, "CAP_");
    for (const char *p = in; *p && o + 1 < cap; p++)
        out[o++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
    out[o] = '\0';
}

static bool in_strv(json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (sk_streq(json_string_value(v), s)) return true;
    return false;
}

/* The capability set: docker's defaults, CapAdd, CapDrop ("ALL" allowed in both). */
static json_t *capabilities(json_t *hc, bool privileged, sk_error *err)
{
    json_t *set = privileged ? bounded_all_caps() : strv(default_caps);
    json_t *add = obj(hc, "CapAdd"), *drop = obj(hc, "CapDrop");
    size_t i;
    json_t *v;
    char name[64];
    json_array_foreach(drop, i, v)
    {
        const char *d = json_string_value(v);
        if (d && strcasecmp(d, "ALL") == 0) {
            json_array_clear(set);
            continue;
        }
        cap_name(d ? d : "", name, sizeof name);
        for (size_t k = json_array_size(set); k-- > 0;)
            if (sk_streq(json_string_value(json_array_get(set, k)), name))
                json_array_remove(set, k);
    }
    json_array_foreach(add, i, v)
    {
        const char *a = json_string_value(v);
        if (a && strcasecmp(a, "ALL") == 0) {
            json_decref(set);
            set = bounded_all_caps();
            continue;
        }
        cap_name(a ? a : "", name, sizeof name);
        bool known = false;
        for (const char *const *c = all_caps; *c; c++)
            known = known || strcmp(*c, name) == 0;
        if (!known) {
            json_decref(set);
            sk_err(err, 0, "invalid capability \"%s\"", a ? a : "");
            return NULL;
        }
        if (!in_strv(set, name))
            json_array_append_new(set, json_string(name));
    }
    json_t *caps = json_pack("{s:O, s:O, s:O, s:[]}", "bounding", set, "effective", set,
                             "permitted", set, "inheritable");
    json_decref(set);
    return caps;
}

/* ---- the user ----------------------------------------------------------------- */

/* Find name or id in a passwd/group file of the rootfs: fields[0..] of the line. */
static bool lookup(int rootfd, const char *file, const char *key, char fields[7][256])
{
    _cleanup_close_ int fd = sk_open_in_root(rootfd, file, O_RDONLY | O_CLOEXEC, 0, NULL);
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (fd < 0 || sk_read_fd(fd, file, 4u << 20, &buf, &len, NULL) < 0)
        return false;
    bool numeric = key[0] && strspn(key, "0123456789") == strlen(key);
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int n = 0;
        char *p = line;
        for (; n < 7; n++) {
            size_t k = strcspn(p, ":");
            snprintf(fields[n], 256, "%.*s", (int)k, p);
            if (p[k] == '\0') {
                n++;
                break;
            }
            p += k + 1;
        }
        for (int k = n; k < 7; k++)
            fields[k][0] = '\0';
        if (strcmp(fields[0], key) == 0 || (numeric && strcmp(fields[2], key) == 0))
            return true;
    }
    return false;
}

static int parse_id(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > 0xfffffffeUL)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* "user", "uid", "user:group", "uid:gid" against the image's /etc/passwd and
 * /etc/group, as docker resolves them; supplementary groups from /etc/group. */
int ctr_resolve_user(int rootfd, const char *spec, json_t *group_add, json_t **out, sk_error *err)
{
    char u[256] = "", g[256] = "", f[7][256];
    if (spec != NULL)
        sscanf(spec, "%255[^:]:%255s", u, g);
    uint32_t uid = 0, gid = 0;
    const char *uname = "root";
    char namebuf[256] = "root";
    if (u[0]) {
        if (lookup(rootfd, "etc/passwd", u, f)) {
            if (parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0)
                return sk_err(err, 0, "user \"%s\": a bad line in /etc/passwd", u);
            snprintf(namebuf, sizeof namebuf, "%s", f[0]);
        } else if (parse_id(u, &uid) == 0) {
            namebuf[0] = '\0';
        } else {
            return sk_err(err, 0, "unable to find user %s: no matching entries in passwd file", u);
        }
        uname = namebuf;
    }
    if (g[0]) {
        if (lookup(rootfd, "etc/group", g, f)) {
            if (parse_id(f[2], &gid) < 0)
                return sk_err(err, 0, "group \"%s\": a bad line in /etc/group", g);
        } else if (parse_id(g, &gid) < 0) {
            return sk_err(err, 0, "unable to find group %s: no matching entries in group file", g);
        }
    }
    /* supplementary groups, as docker has them: the primary group, then every
     * group of /etc/group listing the user, then --group-add */
    json_t *gids = json_pack("[I]", (json_int_t)gid);
    _cleanup_close_ int fd = uname[0] ? sk_open_in_root(rootfd, "etc/group", O_RDONLY | O_CLOEXEC, 0, NULL) : -1;
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (fd >= 0 && sk_read_fd(fd, "/etc/group", 4u << 20, &buf, &len, NULL) == 0) {
        for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char name[256], pw[256], id[32], members[2048];
            members[0] = '\0';
            if (sscanf(line, "%255[^:]:%255[^:]:%31[^:]:%2047s", name, pw, id, members) < 3)
                continue;
            uint32_t v;
            if (parse_id(id, &v) < 0 || v == gid)
                continue;
            for (char *s2 = NULL, *m = strtok_r(members, ",", &s2); m; m = strtok_r(NULL, ",", &s2))
                if (strcmp(m, uname) == 0)
                    json_array_append_new(gids, json_integer(v));
        }
    }
    size_t i;
    json_t *v;
    json_array_foreach(group_add, i, v)
    {
        const char *s = json_string_value(v);
        uint32_t id;
        if (s != NULL && lookup(rootfd, "etc/group", s, f) && parse_id(f[2], &id) == 0)
            json_array_append_new(gids, json_integer(id));
        else if (s != NULL && parse_id(s, &id) == 0)
            json_array_append_new(gids, json_integer(id));
        else {
            json_decref(gids);
            return sk_err(err, 0, "unable to find group %s", s ? s : "");
        }
    }
    *out = json_pack("{s:I, s:I, s:o}", "uid", (json_int_t)uid, "gid", (json_int_t)gid,
                     "additionalGids", gids);
    return 0;
}

/* ---- mounts --------------------------------------------------------------------- */

static json_t *mnt(const char *dst, const char *type, const char *src, const char *opts)
{
    json_t *o = json_array();
    if (opts != NULL) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", opts);
        for (char *s = NULL, *t = strtok_r(buf, ",", &s); t; t = strtok_r(NULL, ",", &s))
            json_array_append_new(o, json_string(t));
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
                     "options", o);
}

static bool has_dest(json_t *mounts, const char *dst)
{
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m) if (sk_streq(str(m, "destination"), dst)) return true;
    return false;
}

/* The user's mounts (resolved at create into HostConfig's "Mounts" form). */
static int user_mounts(json_t *mounts, json_t *list, sk_error *err)
{
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m)
    {
        const char *type = str(m, "Type"), *src = str(m, "Source"), *dst = str(m, "Target");
        bool ro = json_is_true(obj(m, "ReadOnly"));
        if (type == NULL || dst == NULL)
            return sk_err(err, 0, "mount %zu: Type and Target are required", i);
        if (strcmp(type, "tmpfs") == 0) {
            char opts[256] = "nosuid,nodev";
            const char *o = str(m, "Options");
            if (o != NULL && *o)
                snprintf(opts + strlen(opts), sizeof opts - strlen(opts), ",%s", o);
            if (ro)
                strcat(opts, ",ro");
            json_array_append_new(mounts, mnt(dst, "tmpfs", "tmpfs", opts));
        } else { /* a bind, or a volume (its directory, bound) */
            json_array_append_new(mounts, mnt(dst, "bind", src ? src : "", ro ? "rbind,ro" : "rbind,rw"));
        }
    }
    return 0;
}

/* A namespace by its mode (PidMode, IpcMode, UTSMode): "" or private (its
 * own), host (none: the host's), container:<x> (that container's). */
static int ns_entry(struct sk_engine *e, const char *type, const char *mode, json_t *ns, sk_error *err)
{
    if (sk_streq(mode, "host"))
        return 0;
    char path[64] = "";
    if (mode != NULL && strncmp(mode, "container:", 10) == 0) {
        _cleanup_(ctr_freep) struct ctr *other = NULL;
        char what[32];
        snprintf(what, sizeof what, "%s namespace", type);
        if (ctr_find_running(e, mode + 10, what, &other, err) < 0)
            return -1;
        snprintf(path, sizeof path, "/proc/%lld/ns/%s", (long long)json_integer_value(obj(other->state, "Pid")),
                 type);
    }
    json_t *n = json_pack("{s:s}", "type", type);
    if (*path)
        json_object_set_new(n, "path", json_string(path));
    json_array_append_new(ns, n);
    return 0;
}

static json_t *base_mounts(json_t *hc, struct ctr *c, bool host_ipc)
{
    json_t *m = json_array();
    json_int_t shm = json_integer_value(obj(hc, "ShmSize"));
    char shmopts[128];
    snprintf(shmopts, sizeof shmopts, "nosuid,noexec,nodev,mode=1777,size=%lld",
             (long long)(shm > 0 ? shm : 64 << 20));
    json_array_append_new(m, mnt("/proc", "proc", "proc", "nosuid,noexec,nodev"));
    json_array_append_new(m, mnt("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
    json_array_append_new(m, mnt("/dev/pts", "devpts", "devpts",
                                 "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
    json_array_append_new(m, mnt("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"));
    json_array_append_new(m, mnt("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro"));
    json_array_append_new(m, mnt("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
    /* --ipc host: the host's /dev/shm, without what is mounted below it */
    json_array_append_new(m, host_ipc ? mnt("/dev/shm", "bind", "/dev/shm", "bind,nosuid,noexec,nodev")
                                      : mnt("/dev/shm", "tmpfs", "shm", shmopts));
    static const char *const files[] = {"resolv.conf", "hostname", "hosts"};
    for (size_t i = 0; i < 3; i++) {
        char src[PATH_MAX + 16], dst[32];
        snprintf(src, sizeof src, "%s/%s", c->dir, files[i]);
        snprintf(dst, sizeof dst, "/etc/%s", files[i]);
        json_array_append_new(m, mnt(dst, "bind", src, "rbind,rprivate"));
    }
    return m;
}

/* ---- devices --------------------------------------------------------------------- */

/* --device /dev/x[:/dev/y[:rwm]]: the node in the container, and the
 * device cgroup's permission for it. */
static int add_devices(json_t *hc, json_t *out, json_t *cgroup_rules, sk_error *err)
{
    size_t i;
    json_t *d;
    json_array_foreach(obj(hc, "Devices"), i, d)
    {
        const char *host = str(d, "PathOnHost"), *in = str(d, "PathInContainer");
        const char *perms = str(d, "CgroupPermissions");
        struct stat st;
        if (host == NULL || stat(host, &st) < 0)
            return sk_err(err, errno ? errno : ENOENT, "error gathering device information while adding custom device \"%s\"",
                          host ? host : "");
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
            return sk_err(err, 0, "\"%s\" is not a device node", host);
        const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
        json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path",
                                             in && *in ? in : host, "type", type, "major",
                                             (json_int_t)major(st.st_rdev), "minor",
                                             (json_int_t)minor(st.st_rdev), "fileMode",
                                             (int)(st.st_mode & 0777), "uid", 0, "gid", 0));
        json_array_append_new(cgroup_rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
                                                      type, "major", (json_int_t)major(st.st_rdev),
                                                      "minor", (json_int_t)minor(st.st_rdev), "access",
                                                      perms && *perms ? perms : "rwm"));
    }
    return 0;
}

/* ---- resources ------------------------------------------------------------------ */

json_t *ctr_resources(json_t *hc, bool privileged)
{
    json_t *r = json_object();
    json_t *dev = json_array();
    json_array_append_new(dev, json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"));
    if (privileged) {
        json_array_append_new(dev, json_pack("{s:b, s:s}", "allow", 1, "access", "rwm"));
    } else {
        /* mknod of anything; use of the standard devices (docker's list) */
        json_array_append_new(dev, json_pack("{s:b, s:s, s:s}", "allow", 1, "type", "c", "access", "m"));
        json_array_append_new(dev, json_pack("{s:b, s:s, s:s}", "allow", 1, "type", "b", "access", "m"));
        static const int std[][2] = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {10, 200}};
        for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
            json_array_append_new(dev, json_pack("{s:b, s:s, s:i, s:i, s:s}", "allow", 1, "type", "c",
                                                 "major", std[i][0], "minor", std[i][1], "access", "rwm"));
        json_array_append_new(dev, json_pack("{s:b, s:s, s:i, s:s}", "allow", 1, "type", "c", "major",
                                             136, "access", "rwm"));
    }
    json_object_set_new(r, "devices", dev);
    json_int_t mem = json_integer_value(obj(hc, "Memory"));
    json_int_t swap = json_integer_value(obj(hc, "MemorySwap"));
    json_int_t memres = json_integer_value(obj(hc, "MemoryReservation"));
    /* MemorySwappiness: 0-100, unset as null or -1 */
    json_t *swappiness = json_is_integer(obj(hc, "MemorySwappiness")) &&
                                 json_integer_value(obj(hc, "MemorySwappiness")) >= 0
                             ? obj(hc, "MemorySwappiness")
                             : NULL;
    bool no_oom_kill = json_is_true(obj(hc, "OomKillDisable"));
    if (mem > 0 || memres > 0 || swappiness != NULL || no_oom_kill) {
        json_t *m = json_object();
        if (swappiness != NULL)
            json_object_set(m, "swappiness", swappiness);
        if (no_oom_kill)
            json_object_set_new(m, "disableOOMKiller", json_true());
        if (mem > 0)
            json_object_set_new(m, "limit", json_integer(mem));
        if (mem > 0 && swap != 0)
            json_object_set_new(m, "swap", json_integer(swap < 0 ? -1 : swap));
        else if (mem > 0)
            json_object_set_new(m, "swap", json_integer(mem * 2)); /* docker: swap = 2 x memory */
        if (memres > 0)
            json_object_set_new(m, "reservation", json_integer(memres));
        json_object_set_new(r, "memory", m);
    }
    json_int_t nano = json_integer_value(obj(hc, "NanoCpus"));
    json_int_t shares = json_integer_value(obj(hc, "CpuShares"));
    json_int_t quota = json_integer_value(obj(hc, "CpuQuota"));
    json_int_t period = json_integer_value(obj(hc, "CpuPeriod"));
    const char *cpuset = str(hc, "CpusetCpus"), *mems = str(hc, "CpusetMems");
    if (nano > 0 || shares > 0 || quota > 0 || (cpuset && *cpuset) || (mems && *mems)) {
        json_t *cpu = json_object();
        if (nano > 0) {
            json_object_set_new(cpu, "period", json_integer(100000));
            json_object_set_new(cpu, "quota", json_integer(nano / 10000));
        } else if (quota > 0) {
            json_object_set_new(cpu, "quota", json_integer(quota));
            json_object_set_new(cpu, "period", json_integer(period > 0 ? period : 100000));
        }
        if (shares > 0)
            json_object_set_new(cpu, "shares", json_integer(shares));
        if (cpuset && *cpuset)
            json_object_set_new(cpu, "cpus", json_string(cpuset));
        if (mems && *mems)
            json_object_set_new(cpu, "mems", json_string(mems));
        json_object_set_new(r, "cpu", cpu);
    }
    json_int_t pids = json_integer_value(obj(hc, "PidsLimit"));
    if (pids > 0)
        json_object_set_new(r, "pids", json_pack("{s:I}", "limit", pids));
    json_int_t blkio = json_integer_value(obj(hc, "BlkioWeight"));
    if (blkio > 0)
        json_object_set_new(r, "blockIO", json_pack("{s:I}", "weight", blkio));
    return r;
}

static json_t *rlimits(json_t *hc, sk_error *err)
{
    json_t *out = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(obj(hc, "Ulimits"), i, u)
    {
        const char *name = str(u, "Name");
        if (name == NULL) {
            json_decref(out);
            sk_err(err, 0, "ulimit %zu without a name", i);
            return NULL;
        }
        char type[64];
        snprintf(type, sizeof type, "RLIMIT_%s", name);
        for (char *p = type; *p; p++)
            *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "type", type, "soft",
                                             obj(u, "Soft"), "hard", obj(u, "Hard")));
    }
    return out;
}

int ctr_build_spec(struct sk_engine *e, struct ctr *c, const char *rootfs, json_t **out,
                   sk_error *err)
{
    json_t *cfg = obj(c->cfg, "Config"), *hc = obj(c->cfg, "HostConfig");
    bool privileged = json_is_true(obj(hc, "Privileged"));
    const char *netmode = str(hc, "NetworkMode");
    bool host_net = sk_streq(netmode, "host");
    _cleanup_close_ int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return sk_err(err, errno, "rootfs %s", rootfs);
    /* what is built so far, all released at fail (json_decref takes NULL);
     * what the spec has taken is set to NULL */
    json_t *user = NULL, *args = NULL, *caps = NULL, *rl = NULL, *seccomp = NULL;
    json_t *process = NULL, *lx_pre = NULL, *mounts = NULL, *devices = NULL, *ns = NULL;
    if (ctr_resolve_user(rootfd, str(cfg, "User"), obj(hc, "GroupAdd"), &user, err) < 0)
        return -1;
    args = json_array();
    json_array_append(args, obj(c->cfg, "Path"));
    json_array_extend(args, obj(c->cfg, "Args"));
    caps = capabilities(hc, privileged, err);
    rl = caps ? rlimits(hc, err) : NULL;
    if (caps == NULL || rl == NULL)
        goto fail;
    bool nnp = false;
    bool unconfined = privileged;
    size_t i;
    json_t *v;
    json_array_foreach(obj(hc, "SecurityOpt"), i, v)
    {
        const char *s = json_string_value(v);
        if (sk_streq(s, "no-new-privileges") || sk_streq(s, "no-new-privileges:true") ||
            sk_streq(s, "no-new-privileges=true"))
            nnp = true;
        else if (sk_streq(s, "seccomp=unconfined") || sk_streq(s, "seccomp:unconfined"))
            unconfined = true;
        else if (s && (!strncmp(s, "seccomp=", 8) || !strncmp(s, "seccomp:", 8))) {
            /* the profile itself (the CLI read the file, as docker's does) */
            json_decref(seccomp);
            seccomp = json_loads(s + 8, 0, NULL);
            if (!json_is_object(seccomp)) {
                sk_err(err, 0, "security-opt seccomp: the profile is not a JSON object");
                goto fail;
            }
        }
    }
    if (unconfined) {
        json_decref(seccomp);
        seccomp = NULL;
    } else if (seccomp == NULL) {
        seccomp = ctr_default_seccomp(json_object_get(caps, "bounding"));
    }
    const char *wd = str(cfg, "WorkingDir");
    process = json_pack("{s:b, s:o, s:o, s:O, s:s, s:o, s:b, s:o}", "terminal",
                                json_is_true(obj(cfg, "Tty")), "user", user, "args", args, "env",
                                obj(cfg, "Env") ? obj(cfg, "Env") : json_array(), "cwd",
                                wd && *wd ? wd : "/", "capabilities", caps, "noNewPrivileges", nnp,
                                "rlimits", rl);
    user = args = caps = rl = NULL; /* the process's now */
    /* always set: the monitor that creates it is kept from the OOM killer */
    json_object_set_new(process, "oomScoreAdj", json_integer(json_integer_value(obj(hc, "OomScoreAdj"))));
    lx_pre = json_pack("{s:o}", "resources", ctr_resources(hc, privileged));
    mounts = base_mounts(hc, c, sk_streq(str(hc, "IpcMode"), "host"));
    if (user_mounts(mounts, obj(c->cfg, "MountPoints"), err) < 0)
        goto fail;
    /* a user mount on a default destination replaces the default */
    for (size_t k = 0; k < json_array_size(mounts);) {
        const char *d = str(json_array_get(mounts, k), "destination");
        bool later = false;
        for (size_t l = k + 1; l < json_array_size(mounts); l++)
            later = later || sk_streq(str(json_array_get(mounts, l), "destination"), d);
        if (later)
            json_array_remove(mounts, k);
        else
            k++;
    }
    (void)has_dest;
    if (json_is_true(obj(hc, "Init"))) {
        /* docker's --init: a static init bound in, the command its arguments */
        const char *init = getenv("SKIFF_INIT_PATH");
        if (init == NULL || access(init, X_OK) < 0) {
            sk_err(err, ENOENT, "--init: skiff-init not found at %s", init ? init : "(unset)");
            goto fail;
        }
        json_array_append_new(mounts, mnt("/sbin/docker-init", "bind", init, "rbind,ro"));
        json_t *a = json_object_get(process, "args");
        json_array_insert_new(a, 0, json_string("--"));
        json_array_insert_new(a, 0, json_string("/sbin/docker-init"));
    }
    devices = json_array();
    if (add_devices(hc, devices, json_object_get(json_object_get(lx_pre, "resources"), "devices"), err) < 0)
        goto fail;
    ns = json_array();
    bool host_uts = sk_streq(str(hc, "UTSMode"), "host");
    bool ns_ok = ns_entry(e, "pid", str(hc, "PidMode"), ns, err) == 0 &&
                 ns_entry(e, "ipc", str(hc, "IpcMode"), ns, err) == 0 &&
                 ns_entry(e, "uts", str(hc, "UTSMode"), ns, err) == 0 &&
                 ns_entry(e, "mount", NULL, ns, err) == 0 &&
                 ns_entry(e, "cgroup", str(hc, "CgroupnsMode"), ns, err) == 0;
    char nspath[PATH_MAX] = "";
    if (!ns_ok || (!host_net && ctr_net_ns_path(e, c, nspath, sizeof nspath, err) < 0))
        goto fail;
    if (!host_net) {
        json_t *n = json_pack("{s:s}", "type", "network");
        if (*nspath)
            json_object_set_new(n, "path", json_string(nspath));
        json_array_append_new(ns, n);
    }
    char cgpath[128];
    snprintf(cgpath, sizeof cgpath, "/skiff/%s", c->id);
    json_t *lx = lx_pre;
    json_object_set_new(lx, "namespaces", ns);
    json_object_set_new(lx, "cgroupsPath", json_string(cgpath));
    if (json_array_size(devices) > 0)
        json_object_set_new(lx, "devices", devices);
    else
        json_decref(devices);
    if (!privileged) {
        json_object_set_new(lx, "maskedPaths", strv(masked_paths));
        json_object_set_new(lx, "readonlyPaths", strv(readonly_paths));
    }
    if (seccomp != NULL)
        json_object_set_new(lx, "seccomp", seccomp);
    json_t *sysctl = obj(hc, "Sysctls");
    if (json_is_object(sysctl) && json_object_size(sysctl) > 0)
        json_object_set(lx, "sysctl", sysctl);
    const char *hostname = str(cfg, "Hostname");
    json_t *spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.1.0",
                             "process", process, "root", "path", rootfs, "readonly",
                             json_is_true(obj(hc, "ReadonlyRootfs")), "hostname",
                             hostname && *hostname && !host_net && !host_uts ? hostname : "", "mounts", mounts,
                             "linux", lx);
    if (spec == NULL)
        return sk_err(err, ENOMEM, "spec");
    if (host_net || host_uts) /* keep the host's name (with host_uts: never set the host's) */
        json_object_del(spec, "hostname");
    *out = spec;
    return 0;
fail:
    json_decref(user);
    json_decref(args);
    json_decref(caps);
    json_decref(rl);
    json_decref(seccomp);
    json_decref(process);
    json_decref(lx_pre);
    json_decref(mounts);
    json_decref(devices);
    json_decref(ns);
    return -1;
}

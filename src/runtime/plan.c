/* plan.c - turn a parsed config.json into the child's plan (parent side). */
#define _GNU_SOURCE
#include "runtime/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "oci/caps.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/plan_build.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const default_path =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

int plan_open_ns(const char *path, enum oci_ns ns, sk_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sk_err(err, errno, "%s namespace %s", oci_ns_name(ns), path);
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type >= 0 && type != oci_ns_clone_flag(ns)) {
        close(fd);
        return sk_err(err, 0, "%s is not a %s namespace", path, oci_ns_name(ns));
    }
    return fd;
}

static int build_namespaces(struct init_plan *p, const struct oci_spec *s, sk_error *err)
{
    for (int i = 0; i < OCI_NS_COUNT; i++)
        p->join_fds[i] = -1;
    const struct oci_namespace *ns = s->lx.ns;
    if (!ns[OCI_NS_MNT].present)
        return sk_err(err, 0, "linux.namespaces: a mount namespace is required");
    for (int i = 0; i < OCI_NS_COUNT; i++) {
        if (!ns[i].present)
            continue;
        if (ns[i].path != NULL) {
            p->join_fds[i] = plan_open_ns(ns[i].path, (enum oci_ns)i, err);
            if (p->join_fds[i] < 0)
                return -1;
        } else if (i == OCI_NS_CGROUP) {
            p->unshare_cgroupns = true; /* after the parent moved us into the cgroup */
        } else if (i != OCI_NS_TIME) {
            p->clone_flags |= oci_ns_clone_flag((enum oci_ns)i);
        }
    }
    p->userns = (p->clone_flags & CLONE_NEWUSER) != 0;
    if (p->join_fds[OCI_NS_USER] >= 0) {
        /* namespaces made by clone() would belong to our user namespace: make
         * them after joining the container's instead */
        int later = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
        p->unshare_flags = p->clone_flags & later;
        p->clone_flags &= ~later;
    }
    return 0;
}

/* Mount point of the mount holding path, from mountinfo (longest prefix). */
static char *parent_mount(struct sk_arena *a, const char *path, sk_error *err)
{
    _cleanup_free_ char *mi = NULL;
    if (sk_read_file("/proc/self/mountinfo", 16u << 20, &mi, NULL, err) < 0)
        return NULL;
    char best[PATH_MAX] = "/";
    size_t best_len = 1;
    for (char *save = NULL, *l = strtok_r(mi, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char mp[PATH_MAX];
        if (sscanf(l, "%*s %*s %*s %*s %4095s", mp) != 1)
            continue;
        size_t n = strlen(mp);
        if (n > best_len && strncmp(path, mp, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
            snprintf(best, sizeof best, "%s", mp);
            best_len = n;
        }
    }
    return sk_arena_strdup(a, best);
}

static struct mount_plan *add_mount(struct init_plan *p, size_t *cap, struct sk_arena *a)
{
    if (p->n_mounts == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct mount_plan *nm = sk_arena_alloc(a, nc * sizeof *nm);
        if (nm == NULL)
            return NULL;
        if (p->n_mounts)
            memcpy(nm, p->mounts, p->n_mounts * sizeof *nm);
        p->mounts = nm;
        *cap = nc;
    }
    struct mount_plan *m = &p->mounts[p->n_mounts++];
    memset(m, 0, sizeof *m);
    return m;
}

static const char *hier_dirname(const char *controllers)
{
    return sk_str_has_prefix(controllers, "name=") ? controllers + 5 : controllers;
}

/* type "cgroup": a view of the container's own cgroups. */
static int plan_cgroup_mount(struct init_plan *p, size_t *cap, struct sk_arena *a,
                             const struct oci_mount *om, const struct cgroup *cg, sk_error *err)
{
    bool fs = p->unshare_cgroupns && !p->userns && p->join_fds[OCI_NS_USER] < 0;
    unsigned long flags = om->flags & ~MS_REMOUNT;
    struct mount_plan *m;
    if (cg == NULL)
        return sk_err(err, 0, "mount %s: no cgroup to show", om->destination);
    if (cg->host.mode == CG_MODE_V2) {
        if ((m = add_mount(p, cap, a)) == NULL)
            return sk_err(err, ENOMEM, "plan");
        m->dest = om->destination;
        m->flags = flags;
        if (p->unshare_cgroupns) {
            m->op = MOUNT_FS;
            m->source = "cgroup2";
            m->type = "cgroup2";
        } else {
            m->op = MOUNT_BIND;
            m->source = cg->unified_dir;
            m->src_is_dir = true;
            m->flags_need_remount = true;
        }
        return 0;
    }
    if ((m = add_mount(p, cap, a)) == NULL)
        return sk_err(err, ENOMEM, "plan");
    m->op = MOUNT_FS;
    m->dest = om->destination;
    m->source = "tmpfs";
    m->type = "tmpfs";
    m->data = "mode=755,size=64k";
    m->flags = (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    for (size_t i = 0; i < cg->host.n_hiers; i++) {
        const struct cg_hier *h = &cg->host.hiers[i];
        if (!fs && cg->dirs[i] == NULL)
            continue;
        if ((m = add_mount(p, cap, a)) == NULL)
            return sk_err(err, ENOMEM, "plan");
        m->dest = sk_arena_printf(a, "%s/%s", om->destination, hier_dirname(h->controllers));
        m->flags = flags;
        if (fs) {
            m->op = MOUNT_FS;
            m->source = "cgroup";
            m->type = "cgroup";
            m->data = sk_str_has_prefix(h->controllers, "name=")
                          ? sk_arena_printf(a, "none,%s", h->controllers)
                          : h->controllers;
        } else {
            m->op = MOUNT_BIND;
            m->source = cg->dirs[i];
            m->src_is_dir = true;
            m->flags_need_remount = true;
        }
        if (m->dest == NULL || (fs && m->data == NULL))
            return sk_err(err, ENOMEM, "plan");
    }
    if (cg->host.unified != NULL && cg->unified_dir != NULL) {
        if ((m = add_mount(p, cap, a)) == NULL)
            return sk_err(err, ENOMEM, "plan");
        m->dest = sk_arena_printf(a, "%s/unified", om->destination);
        m->flags = flags;
        if (fs) {
            m->op = MOUNT_FS;
            m->source = m->type = "cgroup2";
        } else {
            m->op = MOUNT_BIND;
            m->source = cg->unified_dir;
            m->src_is_dir = true;
            m->flags_need_remount = true;
        }
    }
    if (flags & MS_RDONLY) {
        if ((m = add_mount(p, cap, a)) == NULL)
            return sk_err(err, ENOMEM, "plan");
        m->op = MOUNT_REMOUNT;
        m->dest = om->destination;
        m->flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    }
    return 0;
}

static int plan_mounts(struct init_plan *p, struct sk_arena *a, const struct oci_spec *s,
                       const char *bundle, const struct cgroup *cg, sk_error *err)
{
    size_t cap = 0;
    p->make_devices = true;
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct oci_mount *om = &s->mounts[i];
        char clean[PATH_MAX];
        if (sk_path_clean(om->destination, clean, sizeof clean) < 0 || strcmp(clean, "/") == 0)
            return sk_err(err, 0, "mounts[%zu]: cannot mount over \"%s\"", i, om->destination);
        if (strcmp(clean, "/dev") == 0 && om->bind)
            p->make_devices = false;
        if (strcmp(clean, "/dev/pts") == 0)
            p->dev_pts = true;
        if (om->type != NULL && strcmp(om->type, "cgroup") == 0 && !om->bind) {
            if (plan_cgroup_mount(p, &cap, a, om, cg, err) < 0)
                return -1;
            continue;
        }
        struct mount_plan *m = add_mount(p, &cap, a);
        if (m == NULL || (m->dest = sk_arena_strdup(a, clean)) == NULL)
            return sk_err(err, ENOMEM, "plan");
        m->flags = om->flags & ~(MS_REMOUNT | MS_BIND | MS_REC);
        m->clear_flags = om->clear;
        m->propagation = om->propagation;
        m->rec_set = om->rec_attr_set;
        m->rec_clr = om->rec_attr_clr;
        m->copyup = om->copyup;
        m->data = om->data;
        if (om->bind) {
            m->op = MOUNT_BIND;
            m->recursive = om->recursive;
            m->source = om->source[0] == '/'
                            ? om->source
                            : sk_arena_printf(a, "%s/%s", bundle, om->source);
            struct stat st;
            if (m->source == NULL)
                return sk_err(err, ENOMEM, "plan");
            if (stat(m->source, &st) < 0)
                return sk_err(err, errno, "mounts[%zu]: source %s", i, m->source);
            m->src_is_dir = S_ISDIR(st.st_mode);
            m->flags_need_remount = m->flags != 0 || m->clear_flags != 0;
        } else {
            m->op = MOUNT_FS;
            m->type = om->type;
            m->source = om->source && *om->source ? om->source : om->type;
        }
    }
    return 0;
}

static int plan_devices(struct init_plan *p, struct sk_arena *a, const struct oci_spec *s,
                        sk_error *err)
{
    static const struct {
        const char *path;
        unsigned maj, min;
    } dflt[] = {{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
                {"/dev/tty", 5, 0},    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}};
    size_t n = SK_ARRAY_SIZE(dflt) + s->lx.n_devices;
    p->devices = sk_arena_alloc(a, n * sizeof *p->devices);
    if (p->devices == NULL)
        return sk_err(err, ENOMEM, "plan");
    p->bind_devices = p->userns || p->join_fds[OCI_NS_USER] >= 0;
    for (size_t i = 0; i < SK_ARRAY_SIZE(dflt); i++) {
        bool overridden = false;
        for (size_t k = 0; k < s->lx.n_devices; k++)
            if (strcmp(s->lx.devices[k].path, dflt[i].path) == 0)
                overridden = true;
        for (size_t k = 0; k < p->n_mounts; k++) /* a mount there wins */
            if (strcmp(p->mounts[k].dest, dflt[i].path) == 0)
                overridden = true;
        if (overridden)
            continue;
        struct device_plan *d = &p->devices[p->n_devices++];
        d->path = d->host_path = dflt[i].path;
        d->mode = S_IFCHR | 0666;
        d->dev = makedev(dflt[i].maj, dflt[i].min);
    }
    for (size_t k = 0; k < s->lx.n_devices; k++) {
        const struct oci_device *od = &s->lx.devices[k];
        struct device_plan *d = &p->devices[p->n_devices++];
        char clean[PATH_MAX];
        if (sk_path_clean(od->path, clean, sizeof clean) < 0 || !sk_str_has_prefix(clean, "/dev/"))
            return sk_err(err, 0, "linux.devices[%zu]: %s is not under /dev", k, od->path);
        d->path = d->host_path = sk_arena_strdup(a, clean);
        if (d->path == NULL)
            return sk_err(err, ENOMEM, "plan");
        mode_t type = od->type == 'b' ? S_IFBLK : od->type == 'p' ? S_IFIFO : S_IFCHR;
        d->mode = type | (od->file_mode.set ? (mode_t)od->file_mode.v : 0666);
        d->dev = od->type == 'p' ? 0 : makedev((unsigned)od->major, (unsigned)od->minor);
        d->uid = od->uid.set ? (uid_t)od->uid.v : 0;
        d->gid = od->gid.set ? (gid_t)od->gid.v : 0;
    }
    return 0;
}

static bool lsm_enabled(const char *name)
{
    char path[64];
    _cleanup_free_ char *lsms = NULL;
    if (sk_read_file("/sys/kernel/security/lsm", 4096, &lsms, NULL, NULL) == 0)
        return strstr(lsms, name) != NULL;
    snprintf(path, sizeof path, "/sys/kernel/security/%s", name);
    return access(path, F_OK) == 0;
}

void plan_build_proc(struct proc_plan *pp, const struct oci_process *proc,
                     const struct oci_spec *s)
{
    static char *const no_env[] = {NULL};
    memset(pp, 0, sizeof *pp);
    pp->argv = proc->args;
    pp->envp = proc->env ? proc->env : no_env;
    pp->cwd = proc->cwd;
    pp->path_env = oci_env_get(proc->env, "PATH");
    if (pp->path_env == NULL)
        pp->path_env = default_path;
    pp->uid = proc->uid;
    pp->gid = proc->gid;
    pp->groups = proc->additional_gids;
    pp->n_groups = proc->n_additional_gids;
    pp->set_umask = proc->umask.set;
    pp->umask = (mode_t)proc->umask.v;
    pp->has_caps = proc->has_caps;
    pp->caps = proc->caps;
    pp->cap_last = oci_cap_last();
    pp->rlimits = proc->rlimits;
    pp->n_rlimits = proc->n_rlimits;
    pp->no_new_privs = proc->no_new_privileges;
    pp->terminal = proc->terminal;
    pp->rows = (unsigned short)proc->console_height;
    pp->cols = (unsigned short)proc->console_width;
    pp->console_sock = -1;
    if (s != NULL && s->lx.personality.set) {
        pp->has_personality = true;
        pp->personality = s->lx.personality.v;
    }
    if (proc->apparmor_profile != NULL) {
        if (lsm_enabled("apparmor"))
            pp->apparmor = proc->apparmor_profile;
        else
            sk_warn("apparmor profile \"%s\" ignored: AppArmor is not enabled on this host",
                    proc->apparmor_profile);
    }
    if (proc->selinux_label != NULL) {
        if (lsm_enabled("selinux"))
            pp->selinux = proc->selinux_label;
        else
            sk_warn("selinux label \"%s\" ignored: SELinux is not enabled on this host",
                    proc->selinux_label);
    }
}

int plan_build_init(struct init_plan *p, struct sk_arena *a, const struct oci_spec *s,
                    const struct plan_opts *o, sk_error *err)
{
    memset(p, 0, sizeof *p);
    p->id = o->id;
    p->fifo_fd = -1;
    p->lock_fd = -1;
    if (!s->has_process)
        return sk_err(err, 0, "config.json: process is required to create a container");
    if (build_namespaces(p, s, err) < 0)
        return -1;
    p->hostname = s->hostname;
    p->domainname = s->domainname;
    p->new_keyring = !o->no_new_keyring;
    char *root = s->root_path[0] == '/' ? s->root_path
                                         : sk_arena_printf(a, "%s/%s", o->bundle, s->root_path);
    if (root == NULL)
        return sk_err(err, ENOMEM, "plan");
    char real[PATH_MAX];
    if (realpath(root, real) == NULL)
        return sk_err(err, errno, "root.path %s", root);
    struct stat st;
    if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
        return sk_err(err, ENOTDIR, "root.path %s", real);
    p->rootfs = sk_arena_strdup(a, real);
    p->rootfs_propagation = s->lx.rootfs_propagation;
    if (p->rootfs_propagation & MS_SHARED) {
        p->rootfs_parent_mount = parent_mount(a, real, err);
        if (p->rootfs_parent_mount == NULL)
            return -1;
    }
    p->readonly_root = s->root_readonly;
    p->no_pivot = o->no_pivot;
    if (plan_mounts(p, a, s, o->bundle, o->cgroup, err) < 0 || plan_devices(p, a, s, err) < 0)
        return -1;
    p->masked = s->lx.masked_paths;
    p->readonly = s->lx.readonly_paths;
    p->sysctl_keys = s->lx.sysctl_keys;
    p->sysctl_values = s->lx.sysctl_values;
    p->create_container.hooks = s->hooks[OCI_HOOK_CREATE_CONTAINER];
    p->create_container.n = s->n_hooks[OCI_HOOK_CREATE_CONTAINER];
    p->start_container.hooks = s->hooks[OCI_HOOK_START_CONTAINER];
    p->start_container.n = s->n_hooks[OCI_HOOK_START_CONTAINER];
    p->state_cap = SYNC_PAYLOAD_MAX;
    p->state_buf = sk_arena_alloc(a, p->state_cap + 1);
    if (p->rootfs == NULL || p->state_buf == NULL)
        return sk_err(err, ENOMEM, "plan");
    plan_build_proc(&p->proc, &s->process, s);
    return 0;
}

void plan_close_fds(struct init_plan *p)
{
    for (int i = 0; i < OCI_NS_COUNT; i++)
        if (p->join_fds[i] >= 0) {
            close(p->join_fds[i]);
            p->join_fds[i] = -1;
        }
}

int plan_parent_ns_enter(const struct init_plan *p, const struct oci_linux *l, struct ns_saved *sv,
                         sk_error *err)
{
    sv->pid = sv->time = -1;
    if (p->join_fds[OCI_NS_PID] >= 0) {
        sv->pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (setns(p->join_fds[OCI_NS_PID], CLONE_NEWPID) < 0)
            return sk_err(err, errno, "join pid namespace");
    }
    bool join_time = p->join_fds[OCI_NS_TIME] >= 0;
    bool new_time = l != NULL && l->ns[OCI_NS_TIME].present && l->ns[OCI_NS_TIME].path == NULL;
    if (!join_time && !new_time)
        return 0;
    sv->time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
    if (join_time) {
        if (setns(p->join_fds[OCI_NS_TIME], CLONE_NEWTIME) < 0)
            return sk_err(err, errno, "join time namespace");
        return 0;
    }
    if (unshare(CLONE_NEWTIME) < 0)
        return sk_err(err, errno, "create time namespace");
    char buf[128];
    int n = 0;
    static const char *const clocks[2] = {"monotonic", "boottime"};
    for (int i = 0; i < 2; i++)
        if (l->time_offsets[i].set)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s %lld %u\n", clocks[i],
                          (long long)l->time_offsets[i].secs, l->time_offsets[i].nanosecs);
    if (n > 0 && sk_write_existing("/proc/self/timens_offsets", buf, err) < 0)
        return sk_err_prefix(err, "linux.timeOffsets");
    return 0;
}

void plan_parent_ns_restore(struct ns_saved *sv)
{
    if (sv->pid >= 0) {
        setns(sv->pid, CLONE_NEWPID);
        close(sv->pid);
    }
    if (sv->time >= 0) {
        setns(sv->time, CLONE_NEWTIME);
        close(sv->time);
    }
    sv->pid = sv->time = -1;
}

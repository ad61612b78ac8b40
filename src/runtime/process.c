/* process.c - credentials, capabilities, seccomp, terminal, exec (child side). */
#define _GNU_SOURCE
#include "runtime/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/rootfs.h"
#include "runtime/sync.h"
#include "util/cleanup.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",         [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",       [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",       [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",     [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK", [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",     [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",   [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

int proc_terminal(const struct proc_plan *pp, int sync_sock, bool bind_console, sk_error *err)
{
    _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return sk_err(err, errno, "open /dev/ptmx in the container (is devpts mounted?)");
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        return sk_err(err, errno, "unlock pty");
    _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        unsigned n;
        char path[64];
        if (ioctl(master, TIOCGPTN, &n) < 0)
            return sk_err(err, errno, "pty number");
        snprintf(path, sizeof path, "/dev/pts/%u", n);
        slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
            return sk_err(err, errno, "open %s", path);
    }
    if (pp->rows || pp->cols) {
        struct winsize ws = {.ws_row = pp->rows, .ws_col = pp->cols};
        if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
            return sk_err(err, errno, "set terminal size");
    }
    if (bind_console && rootfs_console(slave, err) < 0)
        return -1;
    if (pp->console_sock >= 0) {
        if (send_fd(pp->console_sock, master, "/dev/ptmx") < 0)
            return sk_err(err, errno, "send the terminal to the console socket");
    } else if (sync_send(sync_sock, SYNC_FD, 0, NULL, 0, master) < 0) {
        return sk_err(err, errno, "send the terminal to the runtime");
    }
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return sk_err(err, errno, "make the pty the controlling terminal");
    for (int i = 0; i < 3; i++)
        if (dup2(slave, i) < 0)
            return sk_err(err, errno, "dup2 pty");
    return 0;
}

static int set_rlimits(const struct proc_plan *pp, sk_error *err)
{
    for (size_t i = 0; i < pp->n_rlimits; i++) {
        const struct oci_rlimit *r = &pp->rlimits[i];
        struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard}, cur;
        if (setrlimit(r->resource, &rl) == 0)
            continue;
        int e = errno;
        const char *name = (size_t)r->resource < SK_ARRAY_SIZE(rlimit_names)
                               ? rlimit_names[r->resource] : "rlimit";
        if (e == EPERM && getrlimit(r->resource, &cur) == 0 && r->hard > cur.rlim_max)
            return sk_err(err, e, "setrlimit %s to %llu:%llu (above this host's hard limit %llu, "
                                  "raising it needs CAP_SYS_RESOURCE)", name,
                          (unsigned long long)r->soft, (unsigned long long)r->hard,
                          (unsigned long long)cur.rlim_max);
        return sk_err(err, e, "setrlimit %s to %llu:%llu", name, (unsigned long long)r->soft,
                      (unsigned long long)r->hard);
    }
    return 0;
}

static int load_seccomp(const struct proc_plan *pp, int sync_sock, sk_error *err)
{
    unsigned flags = pp->seccomp_flags;
    if (pp->seccomp_notify)
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &pp->seccomp);
    if (r < 0)
        return sk_err(err, errno, "load seccomp filter");
    if (pp->seccomp_notify) {
        int fd = (int)r;
        int s = sync_send(sync_sock, SYNC_SECCOMP_FD, 0, NULL, 0, fd);
        close(fd);
        if (s < 0)
            return sk_err(err, errno, "send the seccomp listener");
    }
    return 0;
}

static int set_caps(const struct oci_caps *c)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {
        {(uint32_t)c->effective, (uint32_t)c->permitted, (uint32_t)c->inheritable},
        {(uint32_t)(c->effective >> 32), (uint32_t)(c->permitted >> 32),
         (uint32_t)(c->inheritable >> 32)},
    };
    return (int)syscall(SYS_capset, &hdr, d);
}

static int set_user(const struct proc_plan *pp, sk_error *err)
{
    if (pp->has_caps) {
        for (int cap = 0; cap <= pp->cap_last; cap++)
            if (!(pp->caps.bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
                errno != EINVAL)
                return sk_err(err, errno, "drop capability %d from the bounding set", cap);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            return sk_err(err, errno, "keep capabilities");
    }
    /* Always: the host's supplementary groups never reach the container. */
    if (setgroups(pp->n_groups, pp->groups) < 0)
        return sk_err(err, errno, "setgroups");
    if (setresgid(pp->gid, pp->gid, pp->gid) < 0)
        return sk_err(err, errno, "setgid %u", (unsigned)pp->gid);
    if (setresuid(pp->uid, pp->uid, pp->uid) < 0)
        return sk_err(err, errno, "setuid %u", (unsigned)pp->uid);
    if (pp->has_caps) {
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            return sk_err(err, errno, "reset keep capabilities");
        if (set_caps(&pp->caps) < 0)
            return sk_err(err, errno, "set capabilities");
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        for (int cap = 0; cap <= pp->cap_last; cap++)
            if (pp->caps.ambient & (1ULL << cap))
                prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0); /* as runc: best effort */
    }
    return 0;
}

int proc_lookup(const char *name, const char *path_env, char *out, size_t cap, sk_error *err)
{
    struct stat st;
    if (strchr(name, '/') != NULL) {
        if (stat(name, &st) < 0)
            return sk_err(err, errno, "exec: \"%s\": stat %s", name, name);
        if (S_ISDIR(st.st_mode))
            return sk_err(err, EISDIR, "exec: \"%s\"", name);
        if ((st.st_mode & 0111) == 0) /* as runc: told at create, not as a failed exec */
            return sk_err(err, EACCES, "exec: \"%s\"", name);
        if (snprintf(out, cap, "%s", name) >= (int)cap)
            return sk_err(err, ENAMETOOLONG, "exec: \"%s\"", name);
        return 0;
    }
    const char *p = path_env ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (;;) {
        const char *e = strchrnul(p, ':');
        int n = e == p ? snprintf(out, cap, "./%s", name)
                       : snprintf(out, cap, "%.*s/%s", (int)(e - p), p, name);
        if (n > 0 && (size_t)n < cap && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
            (st.st_mode & 0111) != 0)
            return 0;
        if (*e == '\0')
            break;
        p = e + 1;
    }
    return sk_err(err, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* chdir into cwd and prove it is inside the root: a leaked fd used as
 * cwd ("/proc/self/fd/N", CVE-2024-21626) would leave it outside. */
static int enter_cwd(const char *cwd, sk_error *err)
{
    if (chdir(cwd) < 0)
        return -1;
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof buf) == NULL || buf[0] != '/')
        return sk_err(err, errno ? errno : ENOENT,
                      "cwd %s: the working directory is outside the container", cwd);
    return 0;
}

int proc_prepare(const struct proc_plan *pp, int sync_sock, char *exe, size_t cap,
                 bool *seccomp_loaded, sk_error *err)
{
    *seccomp_loaded = false;
    if (set_rlimits(pp, err) < 0)
        return -1;
    if (pp->has_personality && personality(pp->personality) < 0)
        return sk_err(err, errno, "personality");
    if (pp->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return sk_err(err, errno, "set no_new_privs");
    /* Without no_new_privs the filter must go in while CAP_SYS_ADMIN is
     * held; a notify listener must reach the runtime before it leaves. */
    if (pp->seccomp.len > 0 && (!pp->no_new_privs || pp->seccomp_notify)) {
        if (load_seccomp(pp, sync_sock, err) < 0)
            return -1;
        *seccomp_loaded = true;
    }
    /* cwd first as root (it may be unreadable to the user), else after */
    errno = 0;
    sk_error cwd_err = {0};
    bool cwd_done = enter_cwd(pp->cwd, &cwd_err) == 0;
    if (!cwd_done && cwd_err.msg[0])
        return sk_err(err, cwd_err.errnum, "%s", cwd_err.msg);
    if (set_user(pp, err) < 0)
        return -1;
    if (!cwd_done) {
        errno = 0;
        if (enter_cwd(pp->cwd, err) < 0)
            return err->msg[0] ? -1 : sk_err(err, errno, "chdir to cwd %s", pp->cwd);
    }
    umask(pp->set_umask ? pp->umask : 0022);
    return proc_lookup(pp->argv[0], pp->path_env, exe, cap, err);
}

static int cloexec_from(unsigned first)
{
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int fd = atoi(de->d_name);
        if (de->d_name[0] != '.' && fd >= (int)first && fd != dirfd(d))
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    closedir(d);
    return 0;
}

/* LSM label for the next exec, through a fresh and verified procfs. */
static int write_attr(const char *attr, const char *prefix, const char *value, sk_error *err)
{
    char path[64], buf[4200];
    snprintf(path, sizeof path, "/proc/thread-self/attr/%s", attr);
    int n = snprintf(buf, sizeof buf, "%s%s", prefix, value);
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return sk_err(err, errno, "open %s", path);
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
        close(fd);
        return sk_err(err, 0, "%s is not on a procfs", path);
    }
    ssize_t w = write(fd, buf, (size_t)n);
    int e = errno;
    close(fd);
    if (w != n)
        return sk_err(err, e, "set the security label \"%s\"", value);
    return 0;
}

int proc_exec(const struct proc_plan *pp, const char *exe, bool seccomp_loaded, int sync_sock,
              sk_error *err)
{
    for (unsigned i = 0; i < pp->preserve_fds; i++) {
        int fl = fcntl(3 + (int)i, F_GETFD);
        if (fl >= 0)
            fcntl(3 + (int)i, F_SETFD, fl & ~FD_CLOEXEC);
    }
    if (cloexec_from(3 + pp->preserve_fds) < 0)
        return sk_err(err, errno, "mark descriptors close-on-exec");
    if (pp->apparmor != NULL && write_attr("apparmor/exec", "exec ", pp->apparmor, err) < 0)
        return -1;
    if (pp->selinux != NULL && write_attr("exec", "", pp->selinux, err) < 0)
        return -1;
    if (pp->seccomp.len > 0 && !seccomp_loaded && load_seccomp(pp, sync_sock, err) < 0)
        return -1;
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    execve(exe, pp->argv, pp->envp);
    return sk_err(err, errno, "exec %s", exe);
}

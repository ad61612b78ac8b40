/* rootfs.c - mounts, devices, pivot_root, masking; runs in the child. */
#define _GNU_SOURCE
#include "runtime/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

#define FD_PATH(buf, fd) snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd)

static int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr)
{
    return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof *attr);
}

bool rootfs_proc_mount_allowed(const char *dest)
{
    static const char *const ok[] = {"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
                                     "/proc/stat",    "/proc/swaps",     "/proc/uptime",
                                     "/proc/loadavg", "/proc/slabinfo",  "/proc/net/dev",
                                     "/proc/sys/kernel/ns_last_pid"};
    for (size_t i = 0; i < SK_ARRAY_SIZE(ok); i++)
        if (strcmp(dest, ok[i]) == 0)
            return true;
    return false;
}

/* Refuse targets that resolved into a mounted procfs (CVE-2019-16884 & co). */
static int check_target(int fd, const char *dest, sk_error *err)
{
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0)
        return sk_err(err, errno, "mount %s: statfs", dest);
    if (sfs.f_type == PROC_SUPER_MAGIC && !rootfs_proc_mount_allowed(dest))
        return sk_err(err, 0, "mount %s: the target is inside /proc, which is not allowed", dest);
    return 0;
}

/* MS_* flags a mount currently has and a remount must keep (they are
 * locked in a user namespace). */
static unsigned long current_flags(int fd)
{
    struct statvfs sv;
    unsigned long f = 0;
    if (fstatvfs(fd, &sv) < 0)
        return 0;
    if (sv.f_flag & ST_RDONLY)
        f |= MS_RDONLY;
    if (sv.f_flag & ST_NOSUID)
        f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        f |= MS_RELATIME;
    return f;
}

/* Propagation and recursive attributes of the mount now at dest. */
static int post_mount(int rootfd, const struct mount_plan *m, sk_error *err)
{
    if (m->propagation == 0 && m->rec_set == 0 && m->rec_clr == 0)
        return 0;
    _cleanup_close_ int fd = sk_open_in_root(rootfd, m->dest, O_PATH, 0, err);
    if (fd < 0)
        return sk_err_prefix(err, "mount %s", m->dest);
    char p[64];
    FD_PATH(p, fd);
    if (m->propagation != 0 && mount(NULL, p, NULL, m->propagation, NULL) < 0)
        return sk_err(err, errno, "mount %s: set propagation", m->dest);
    if (m->rec_set != 0 || m->rec_clr != 0) {
        struct mount_attr attr = {.attr_set = m->rec_set, .attr_clr = m->rec_clr};
        if ((m->rec_set | m->rec_clr) & MOUNT_ATTR__ATIME)
            attr.attr_clr |= MOUNT_ATTR__ATIME;
        if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
            return sk_err(err, errno, "mount %s: recursive attributes", m->dest);
    }
    return 0;
}

static int remount(int rootfd, const struct mount_plan *m, unsigned long flags, bool bind,
                   sk_error *err)
{
    _cleanup_close_ int fd = sk_open_in_root(rootfd, m->dest, O_PATH, 0, err);
    if (fd < 0)
        return sk_err_prefix(err, "remount %s", m->dest);
    char p[64];
    FD_PATH(p, fd);
    unsigned long keep = current_flags(fd) & ~m->clear_flags;
    unsigned long f = MS_REMOUNT | (bind ? MS_BIND : 0) | flags;
    if (mount(NULL, p, NULL, f | keep, bind ? NULL : m->data) < 0 &&
        mount(NULL, p, NULL, f, bind ? NULL : m->data) < 0)
        return sk_err(err, errno, "remount %s", m->dest);
    return 0;
}

/* Copy the tree at src (a directory fd) into dst: tmpcopyup. */
static int copy_tree(int src, int dst, int depth, sk_error *err)
{
    if (depth > 64)
        return sk_err(err, ELOOP, "tmpcopyup: tree too deep");
    int dupfd = dup(src);
    DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
    if (d == NULL) {
        if (dupfd >= 0)
            close(dupfd);
        return sk_err(err, errno, "tmpcopyup: read directory");
    }
    int ret = 0;
    struct dirent *de;
    while (ret == 0 && (de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        struct stat st;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (mkdirat(dst, n, st.st_mode & 07777) < 0 && errno != EEXIST) {
                ret = sk_err(err, errno, "tmpcopyup: mkdir %s", n);
                break;
            }
            int s2 = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int d2 = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (s2 >= 0 && d2 >= 0)
                ret = copy_tree(s2, d2, depth + 1, err);
            if (s2 >= 0)
                close(s2);
            if (d2 >= 0)
                close(d2);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t l = readlinkat(src, n, target, sizeof target - 1);
            if (l >= 0) {
                target[l] = '\0';
                if (symlinkat(target, dst, n) < 0 && errno != EEXIST)
                    ret = sk_err(err, errno, "tmpcopyup: symlink %s", n);
            }
        } else if (S_ISREG(st.st_mode)) {
            int in = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            int out = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                             st.st_mode & 07777);
            if (in < 0 || out < 0) {
                ret = sk_err(err, errno, "tmpcopyup: copy %s", n);
            } else {
                char buf[16384];
                ssize_t r;
                while ((r = read(in, buf, sizeof buf)) > 0)
                    if (write(out, buf, (size_t)r) != r) {
                        ret = sk_err(err, errno, "tmpcopyup: write %s", n);
                        break;
                    }
            }
            if (in >= 0)
                close(in);
            if (out >= 0)
                close(out);
        } else {
            continue; /* devices, fifos, sockets are not copied */
        }
        if (ret == 0) {
            fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
            if (!S_ISLNK(st.st_mode))
                fchmodat(dst, n, st.st_mode & 07777, 0);
        }
    }
    closedir(d);
    return ret;
}

static int mount_bind(int rootfd, const struct mount_plan *m, sk_error *err)
{
    _cleanup_close_ int fd = sk_mkpath_in_root(rootfd, m->dest, !m->src_is_dir, err);
    if (fd < 0)
        return sk_err_prefix(err, "mount %s", m->dest);
    if (check_target(fd, m->dest, err) < 0)
        return -1;
    char p[64];
    FD_PATH(p, fd);
    if (mount(m->source, p, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL) < 0)
        return sk_err(err, errno, "bind mount %s on %s", m->source, m->dest);
    if (m->flags_need_remount && remount(rootfd, m, m->flags, true, err) < 0)
        return -1;
    return post_mount(rootfd, m, err);
}

static int mount_fs(int rootfd, const struct mount_plan *m, sk_error *err)
{
    _cleanup_close_ int fd = sk_mkpath_in_root(rootfd, m->dest, false, err);
    if (fd < 0)
        return sk_err_prefix(err, "mount %s", m->dest);
    if (check_target(fd, m->dest, err) < 0)
        return -1;
    _cleanup_close_ int old = -1;
    if (m->copyup)
        old = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char p[64];
    FD_PATH(p, fd);
    unsigned long flags = m->copyup ? m->flags & ~MS_RDONLY : m->flags;
    if (mount(m->source, p, m->type, flags, m->data) < 0) {
        int e = errno;
        if (e == EPERM && strcmp(m->type, "sysfs") == 0)
            return sk_err(err, e, "mount sysfs on %s (a user namespace without its own network "
                                  "namespace cannot mount sysfs)", m->dest);
        return sk_err(err, e, "mount %s on %s (type %s%s%s)", m->source, m->dest, m->type,
                      m->data ? ", options " : "", m->data ? m->data : "");
    }
    if (old >= 0) {
        _cleanup_close_ int nw = sk_open_in_root(rootfd, m->dest, O_RDONLY | O_DIRECTORY, 0, err);
        if (nw < 0 || copy_tree(old, nw, 0, err) < 0)
            return sk_err_prefix(err, "mount %s", m->dest);
    }
    if (m->copyup && (m->flags & MS_RDONLY) && remount(rootfd, m, m->flags, false, err) < 0)
        return -1;
    return post_mount(rootfd, m, err);
}

static int make_device(int rootfd, const struct init_plan *p, const struct device_plan *d,
                       sk_error *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", d->path);
    char *slash = strrchr(dir, '/');
    const char *base = slash + 1;
    char basebuf[NAME_MAX + 1];
    snprintf(basebuf, sizeof basebuf, "%s", base);
    *slash = '\0';
    _cleanup_close_ int dfd = sk_mkpath_in_root(rootfd, dir[0] ? dir : "/", false, err);
    if (dfd < 0)
        return sk_err_prefix(err, "device %s", d->path);
    if (p->bind_devices) {
        int f = openat(dfd, basebuf, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f < 0)
            return sk_err(err, errno, "device %s", d->path);
        close(f);
        _cleanup_close_ int t = openat(dfd, basebuf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        char fp[64];
        FD_PATH(fp, t);
        if (t < 0 || mount(d->host_path, fp, NULL, MS_BIND, NULL) < 0)
            return sk_err(err, errno, "bind device %s", d->path);
        return 0;
    }
    if (unlinkat(dfd, basebuf, 0) < 0 && errno != ENOENT && errno != EISDIR)
        return sk_err(err, errno, "device %s: remove old", d->path);
    if (mknodat(dfd, basebuf, d->mode, d->dev) < 0)
        return sk_err(err, errno, "device %s: mknod", d->path);
    if (fchownat(dfd, basebuf, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_err(err, errno, "device %s: chown", d->path);
    if (fchmodat(dfd, basebuf, d->mode & 07777, 0) < 0)
        return sk_err(err, errno, "device %s: chmod", d->path);
    return 0;
}

static int dev_symlinks(int rootfd, const struct init_plan *p, sk_error *err)
{
    static const char *const links[][2] = {{"fd", "/proc/self/fd"},
                                           {"stdin", "/proc/self/fd/0"},
                                           {"stdout", "/proc/self/fd/1"},
                                           {"stderr", "/proc/self/fd/2"}};
    _cleanup_close_ int dev = sk_mkpath_in_root(rootfd, "/dev", false, err);
    if (dev < 0)
        return sk_err_prefix(err, "/dev");
    for (size_t i = 0; i < SK_ARRAY_SIZE(links); i++)
        if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
            return sk_err(err, errno, "symlink /dev/%s", links[i][0]);
    if (p->dev_pts) {
        unlinkat(dev, "ptmx", 0);
        if (symlinkat("pts/ptmx", dev, "ptmx") < 0 && errno != EEXIST)
            return sk_err(err, errno, "symlink /dev/ptmx");
    }
    return 0;
}

int rootfs_prepare(const struct init_plan *p, int *rootfd_out, sk_error *err)
{
    unsigned long prop = p->rootfs_propagation ? p->rootfs_propagation : MS_SLAVE | MS_REC;
    if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0)
        return sk_err(err, errno, "make / %s", (prop & MS_SHARED) ? "rshared" : "rslave");
    if (prop & MS_SHARED) {
        /* pivot_root refuses a new root whose parent mount is shared */
        if (mount(NULL, p->rootfs_parent_mount, NULL, MS_PRIVATE, NULL) < 0)
            return sk_err(err, errno, "make %s private", p->rootfs_parent_mount);
    }
    if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return sk_err(err, errno, "bind mount rootfs %s", p->rootfs);
    int rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return sk_err(err, errno, "open rootfs %s", p->rootfs);
    *rootfd_out = rootfd;
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct mount_plan *m = &p->mounts[i];
        int r = m->op == MOUNT_BIND ? mount_bind(rootfd, m, err)
                : m->op == MOUNT_FS ? mount_fs(rootfd, m, err)
                                    : remount(rootfd, m, m->flags, false, err);
        if (r < 0)
            return -1;
    }
    if (p->proc.cwd != NULL) {
        /* like runc and docker: a missing working directory is created */
        int cwd = sk_mkpath_in_root(rootfd, p->proc.cwd, false, NULL);
        if (cwd >= 0)
            close(cwd);
    }
    if (p->make_devices) {
        for (size_t i = 0; i < p->n_devices; i++)
            if (make_device(rootfd, p, &p->devices[i], err) < 0)
                return -1;
        if (dev_symlinks(rootfd, p, err) < 0)
            return -1;
    }
    return 0;
}

int rootfs_pivot(const struct init_plan *p, int rootfd, sk_error *err)
{
    if (fchdir(rootfd) < 0)
        return sk_err(err, errno, "chdir to rootfs");
    if (p->no_pivot) {
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
            return sk_err(err, errno, "move rootfs to /");
        if (chroot(".") < 0)
            return sk_err(err, errno, "chroot");
    } else {
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            return sk_err(err, errno, "pivot_root");
        /* the old root is now stacked under "."; detach it without
         * letting the unmount propagate back to the host */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
            return sk_err(err, errno, "make old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
            return sk_err(err, errno, "detach old root");
    }
    if (chdir("/") < 0)
        return sk_err(err, errno, "chdir /");
    return 0;
}

/* /proc, opened fresh and checked to be a procfs (CVE-2025-52881). */
static int open_procfs(sk_error *err)
{
    int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sfs;
    if (fd < 0)
        return sk_err(err, errno, "open /proc");
    if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
        close(fd);
        return sk_err(err, 0, "/proc in the container is not a procfs");
    }
    return fd;
}

static int write_sysctls(const struct init_plan *p, sk_error *err)
{
    if (p->sysctl_keys == NULL || p->sysctl_keys[0] == NULL)
        return 0;
    _cleanup_close_ int proc = open_procfs(err);
    if (proc < 0)
        return sk_err_prefix(err, "sysctl");
    for (size_t i = 0; p->sysctl_keys[i] != NULL; i++) {
        const char *k = p->sysctl_keys[i];
        char path[PATH_MAX];
        size_t n = (size_t)snprintf(path, sizeof path, "sys/%s", k);
        if (strchr(k, '/') == NULL)
            for (size_t j = 4; j < n; j++)
                if (path[j] == '.')
                    path[j] = '/';
        struct open_how how = {.flags = O_WRONLY | O_CLOEXEC,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
                                          RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV};
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, proc, path, &how, sizeof how);
        if (fd < 0 && errno == ENOSYS)
            fd = openat(proc, path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sk_err(err, errno, "sysctl %s", k);
        size_t l = strlen(p->sysctl_values[i]);
        if (write(fd, p->sysctl_values[i], l) != (ssize_t)l)
            return sk_err(err, errno, "sysctl %s=%s", k, p->sysctl_values[i]);
    }
    return 0;
}

/* /dev/null, verified to be the real 1:3 before it masks anything (CVE-2025-31133). */
static int open_dev_null(sk_error *err)
{
    int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return sk_err(err, errno, "open /dev/null");
    if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
        close(fd);
        return sk_err(err, 0, "/dev/null in the container is not the null device");
    }
    return fd;
}

static int mask_paths(const struct init_plan *p, int rootfd, sk_error *err)
{
    if (p->masked == NULL || p->masked[0] == NULL)
        return 0;
    _cleanup_close_ int null = -1;
    for (size_t i = 0; p->masked[i] != NULL; i++) {
        const char *path = p->masked[i];
        _cleanup_close_ int fd = sk_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, NULL);
        struct stat st;
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue;
            return sk_err(err, errno, "mask %s", path);
        }
        if (fstat(fd, &st) < 0)
            return sk_err(err, errno, "mask %s", path);
        char tp[64];
        FD_PATH(tp, fd);
        if (S_ISDIR(st.st_mode)) {
            if (mount("tmpfs", tp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      "size=0,mode=0555") < 0)
                return sk_err(err, errno, "mask %s", path);
        } else if (!S_ISLNK(st.st_mode)) {
            if (null < 0 && (null = open_dev_null(err)) < 0)
                return sk_err_prefix(err, "mask %s", path);
            char np[64];
            FD_PATH(np, null);
            if (mount(np, tp, NULL, MS_BIND, NULL) < 0)
                return sk_err(err, errno, "mask %s", path);
        }
    }
    return 0;
}

static int readonly_paths(const struct init_plan *p, int rootfd, sk_error *err)
{
    for (size_t i = 0; p->readonly != NULL && p->readonly[i] != NULL; i++) {
        const char *path = p->readonly[i];
        _cleanup_close_ int fd = sk_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, NULL);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue;
            return sk_err(err, errno, "read-only %s", path);
        }
        char tp[64];
        FD_PATH(tp, fd);
        if (mount(tp, tp, NULL, MS_BIND | MS_REC, NULL) < 0)
            return sk_err(err, errno, "read-only %s: bind", path);
        _cleanup_close_ int top = sk_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, err);
        if (top < 0)
            return sk_err_prefix(err, "read-only %s", path);
        FD_PATH(tp, top);
        unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | current_flags(top);
        if (mount(NULL, tp, NULL, f | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
            mount(NULL, tp, NULL, f, NULL) < 0)
            return sk_err(err, errno, "read-only %s: remount", path);
    }
    return 0;
}

int rootfs_finish(const struct init_plan *p, sk_error *err)
{
    _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return sk_err(err, errno, "open /");
    if (write_sysctls(p, err) < 0 || mask_paths(p, rootfd, err) < 0 ||
        readonly_paths(p, rootfd, err) < 0)
        return -1;
    if (p->readonly_root) {
        unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | current_flags(rootfd);
        if (mount(NULL, "/", NULL, f, NULL) < 0)
            return sk_err(err, errno, "remount / read-only");
    }
    if (p->rootfs_propagation && !(p->rootfs_propagation & MS_SLAVE) &&
        mount(NULL, "/", NULL, p->rootfs_propagation, NULL) < 0)
        return sk_err(err, errno, "set rootfs propagation");
    return 0;
}

int rootfs_console(int slave, sk_error *err)
{
    _cleanup_close_ int fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int f = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f < 0)
            return sk_err(err, errno, "create /dev/console");
        close(f);
        fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sk_err(err, errno, "open /dev/console");
    }
    char sp[64], tp[64];
    FD_PATH(sp, slave);
    FD_PATH(tp, fd);
    if (mount(sp, tp, NULL, MS_BIND, NULL) < 0)
        return sk_err(err, errno, "bind terminal on /dev/console");
    return 0;
}

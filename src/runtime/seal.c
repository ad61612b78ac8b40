/* seal.c - never let a container write our binary (CVE-2019-5736).
 *
 * The container's first process is a clone of this one: until it execs,
 * /proc/self/exe is our binary, and a container whose program is
 * /proc/self/exe would run it.  So before cloning we re-execute ourselves
 * through a read-only view of the binary: a detached read-only bind mount of
 * it (no copy), or, where that is not allowed, a sealed memfd copy.  Either
 * way a write through /proc/self/exe fails (EROFS / EPERM). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "util/cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool rt_is_sealed(void)
{
    _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && (seals & SEALS) == SEALS)
        return true;
    /* a binary reached through a read-only mount cannot be written through
     * /proc/self/exe either (EROFS): our own ro bind below, or a read-only
     * installation */
    struct statvfs sv;
    return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

int rt_sealed_exe_fd(void)
{
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return -1;
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
        close(tree);
        return -1;
    }
    return tree;
}

/* The cheap seal: a detached, read-only bind mount of our own binary,
 * executed through its fd.  No copy; needs CAP_SYS_ADMIN. */
static void exec_ro_bind(char **argv)
{
    int tree = rt_sealed_exe_fd();
    if (tree < 0)
        return;
    syscall(SYS_execveat, tree, "", argv, environ, AT_EMPTY_PATH);
    close(tree);
}

int rt_ensure_sealed(char **argv, sk_error *err)
{
    if (rt_is_sealed())
        return 0;
    exec_ro_bind(argv); /* returns only when it could not be done */
    return rt_seal_memfd(argv, err);
}

int rt_seal_memfd(char **argv, sk_error *err)
{
    _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return sk_err(err, errno, "open /proc/self/exe");
    struct stat st;
    if (fstat(self, &st) < 0)
        return sk_err(err, errno, "stat /proc/self/exe");
    _cleanup_close_ int mfd = memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL)
        mfd = memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return sk_err(err, errno, "memfd_create");
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = sendfile(mfd, self, NULL, (size_t)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return sk_err(err, n < 0 ? errno : EIO, "copy the runtime binary");
        left -= n;
    }
    if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
        return sk_err(err, errno, "seal the runtime copy");
    syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
    return sk_err(err, errno, "re-exec from the sealed copy");
}

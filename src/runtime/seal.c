/* seal.c - run from a sealed copy of ourselves (CVE-2019-5736).
 *
 * The container's first process is a clone of this one: until it execs,
 * /proc/self/exe is our binary.  Re-executing from a sealed memfd first
 * makes that link point at an immutable copy, so a container that opens it
 * can never write to the binary on the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
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
    return seals >= 0 && (seals & SEALS) == SEALS;
}

int rt_ensure_sealed(char **argv, sk_error *err)
{
    if (rt_is_sealed())
        return 0;
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

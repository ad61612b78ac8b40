/* netns.c - persistent network namespaces (see netns.h). */
#define _GNU_SOURCE
#include "network/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/nsfs.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "network/nl.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* The directory as a shared mount of its own (once). */
static int shared_dir(const char *dir, sk_error *err)
{
    if (sk_mkdir_p(dir, 0755, err) < 0)
        return -1;
    if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0)
        return 0;
    if (errno != EINVAL)
        return sk_err(err, errno, "make %s shared", dir);
    if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0 ||
        mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0)
        return sk_err(err, errno, "mount %s", dir);
    return 0;
}

static bool is_netns(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd >= 0 && ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
}

int netns_create(const char *path, sk_error *err)
{
    if (is_netns(path))
        return 1;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        return sk_err(err, EINVAL, "netns %s", path);
    *slash = '\0';
    if (shared_dir(dir, err) < 0)
        return -1;
    umount2(path, MNT_DETACH); /* a stale mount of a namespace that is gone */
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0)
        return sk_err(err, errno, "create %s", path);
    close(fd);
    int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved < 0)
        return sk_err(err, errno, "open the current network namespace");
    int rc = -1;
    if (unshare(CLONE_NEWNET) < 0) {
        sk_err(err, errno, "new network namespace");
        goto out;
    }
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
        sk_err(err, errno, "mount the network namespace on %s", path);
        goto back;
    }
    struct nl nl;
    if (nl_open(&nl, err) == 0) {
        rc = nl_link_up(&nl, "lo", err);
        nl_close(&nl);
    }
back:
    if (setns(saved, CLONE_NEWNET) < 0 && rc == 0)
        rc = sk_err(err, errno, "return to the host's network namespace");
out:
    close(saved);
    if (rc < 0) {
        umount2(path, MNT_DETACH);
        unlink(path);
    }
    return rc;
}

int netns_remove(const char *path, sk_error *err)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return sk_err(err, errno, "unmount %s", path);
    if (unlink(path) < 0 && errno != ENOENT)
        return sk_err(err, errno, "remove %s", path);
    return 0;
}

int netns_enter(const char *path, int *saved, sk_error *err)
{
    *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*saved < 0)
        return sk_err(err, errno, "open the current network namespace");
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
        int e = errno;
        close(*saved);
        *saved = -1;
        return sk_err(err, e, "enter the network namespace %s", path);
    }
    return 0;
}

void netns_leave(int saved)
{
    if (saved >= 0) {
        setns(saved, CLONE_NEWNET);
        close(saved);
    }
}

/* warm.c - a start's first cgroup v1 move without its grace period on the
 * start's path (runtime.h: rt_cgroup_warm_begin).
 *
 * Moving a process between cgroups takes the kernel's global
 * cgroup_threadgroup_rwsem for writing.  That per-cpu rwsem switches to its
 * writer's mode through an RCU grace period (5-25 ms on the hosts measured),
 * and falls back to its readers' mode a grace period after the last writer.
 * On hosts with v1 hierarchies every container start moves its first process
 * (v2 clones it into its cgroup), so every start that comes alone pays one
 * grace period, while holding cgroup_mutex.  The warmer moves its own process
 * into the cgroup it is already in (which changes nothing) every 2 ms from the
 * start's beginning to its end: the grace period passes while the start
 * prepares the container, and the container's move finds the rwsem in its
 * writer's mode.  One warmer at a time (the lock: an abstract unix socket,
 * so one per network namespace - the host's, for skiff's commands and its API
 * server): concurrent starts share it, and the moves stay few.  The
 * kernel's favordynmods (a cgroup2 mount option) keeps the rwsem in that
 * mode for good. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/runtime.h"

#define WARM_EVERY_MS 2
#define WARM_MAX_MS 500 /* a start that takes longer warms no more */

struct rt_warm {
    pthread_t thread;
    int stop; /* eventfd */
    int lock; /* the abstract socket, bound */
};

/* cgroup.procs of this process's own cgroup in a v1 hierarchy, or "". */
static void own_procs(char *path, size_t cap)
{
    struct cg_host h;
    sk_error err;
    path[0] = '\0';
    if (cg_host_detect(&h, &err) < 0)
        return;
    for (size_t i = 0; h.mode != CG_MODE_V2 && i < h.n_hiers && !path[0]; i++)
        if (h.hiers[i].own != NULL && strncmp(h.hiers[i].controllers, "name=", 5) != 0)
            snprintf(path, cap, "%s%s/cgroup.procs", h.hiers[i].mountpoint,
                     strcmp(h.hiers[i].own, "/") == 0 ? "" : h.hiers[i].own);
    cg_host_clear(&h);
}

static void *warm_main(void *arg)
{
    struct rt_warm *w = arg;
    char path[PATH_MAX];
    own_procs(path, sizeof path);
    int fd = path[0] ? open(path, O_WRONLY | O_CLOEXEC) : -1;
    for (int ms = 0; fd >= 0 && ms < WARM_MAX_MS; ms += WARM_EVERY_MS) {
        /* "0": the writer's own process, into the cgroup it is in */
        if (pwrite(fd, "0", 1, 0) < 0)
            break;
        struct pollfd p = {w->stop, POLLIN, 0};
        if (poll(&p, 1, WARM_EVERY_MS) != 0)
            break;
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

struct rt_warm *rt_cgroup_warm_begin(void)
{
    if (cg_is_cgroup2("/sys/fs/cgroup"))
        return NULL; /* pure v2: starts clone into their cgroup, nothing moves */
    struct rt_warm *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    static const char name[] = "\0skiff-cgroup-warm";
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, name, sizeof name - 1);
    w->lock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    w->stop = eventfd(0, EFD_CLOEXEC);
    /* EADDRINUSE: another start warms already */
    bool ok = w->lock >= 0 && w->stop >= 0 &&
              bind(w->lock, (struct sockaddr *)&a,
                   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof name - 1)) == 0;
    if (ok) {
        /* the caller's signals stay the caller's thread's */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        ok = pthread_create(&w->thread, NULL, warm_main, w) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (!ok) {
        if (w->lock >= 0)
            close(w->lock);
        if (w->stop >= 0)
            close(w->stop);
        free(w);
        return NULL;
    }
    return w;
}

void rt_cgroup_warm_end(struct rt_warm *w)
{
    if (w == NULL)
        return;
    uint64_t one = 1;
    if (write(w->stop, &one, sizeof one) != sizeof one) {
        /* cannot fail on an eventfd below its maximum */
    }
    pthread_join(w->thread, NULL);
    close(w->stop);
    close(w->lock);
    free(w);
}

/* attach.c - attaching before the start, and the terminal size.
 *
 * docker attaches first and starts after (`docker run`, `docker start -a`,
 * compose): the attach must see the output from its first byte, though the
 * two requests may come from different processes.  An attacher of a
 * container that is not running listens on <runroot>/s/<id32>.p<8 hex>
 * (0600) and waits.  Whoever starts the container (sk_container_start)
 * finds those sockets, starts the monitor in its attach-wait mode, and hands
 * each attacher a monitor connection (SCM_RIGHTS) in the mode the attacher
 * asks for ('a' or 'o', one byte) before the process runs.  A waiter (docker
 * run's wait, registered before the start) does the same with 'w', so that
 * a container that ends, and is removed, at once still tells how it ended. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

/* The pending attachers' socket paths (a JSON array; empty when none). */
static json_t *pending(struct ctr *c)
{
    json_t *out = json_array();
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", c->sockbase);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        return out;
    *slash = '\0';
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s.p", slash + 1);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            json_array_append_new(out, json_string(path));
        }
    if (d)
        closedir(d);
    return out;
}

bool ctr_has_attachers(struct ctr *c)
{
    json_t *p = pending(c);
    bool any = json_array_size(p) > 0;
    json_decref(p);
    return any;
}

/* Between "created" and "go": a monitor connection for each attacher.  An
 * attacher that went away meanwhile is skipped. */
void ctr_serve_attachers(struct ctr *c)
{
    json_t *p = pending(c);
    size_t i;
    json_t *v;
    json_array_foreach(p, i, v)
    {
        sk_error e;
        int s = unix_connect(json_string_value(v), &e);
        if (s < 0) {
            if (e.errnum == ECONNREFUSED) /* its waiter was killed: nobody listens */
                unlink(json_string_value(v));
            continue;
        }
        struct pollfd pf = {s, POLLIN, 0};
        char mode = 0;
        if (poll(&pf, 1, 1000) == 1 && recv(s, &mode, 1, 0) == 1 && strchr("aow", mode) != NULL) {
            int afd = monitor_connect(c, mode, NULL);
            if (afd >= 0) {
                send_fd(s, afd, "attach");
                close(afd);
            }
        }
        close(s);
    }
    json_decref(p);
}

static int listen_pending(struct ctr *c, char *path, size_t cap, sk_error *err)
{
    char rnd[9];
    if (sk_random_hex(rnd, 4) < 0)
        return sk_err(err, errno, "random");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(path, cap, "%s.p%s", c->sockbase, rnd) >= sizeof a.sun_path)
        return sk_err(err, ENAMETOOLONG, "attach socket (a shorter --runroot helps)");
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_err(err, errno, "socket");
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r < 0 || listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return sk_err(err, e, "attach socket %s", path);
    }
    return fd;
}

int ctr_wait_start(struct sk_engine *e, struct ctr *c, char mode, int cancel_fd,
                   const struct sk_ready *ready, int *fd, sk_error *err)
{
    char path[PATH_MAX];
    _cleanup_close_ int l = listen_pending(c, path, sizeof path, err);
    if (l < 0)
        return -1;
    bool told = false;
    ctr_tell_ready(ready, &told);
    char started[64];
    snprintf(started, sizeof started, "%s", json_string_value(json_object_get(c->state, "StartedAt")) ?: "");
    int rc = -1;
    for (;;) {
        struct pollfd p[2] = {{l, POLLIN, 0}, {cancel_fd, 0, 0}};
        int n = poll(p, cancel_fd >= 0 ? 2 : 1, 250);
        if (n < 0 && errno != EINTR) {
            sk_err(err, errno, "poll");
            break;
        }
        if (n > 0 && (p[0].revents & POLLIN)) {
            int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
            struct pollfd ps = {s, POLLIN, 0};
            if (s >= 0 && send(s, &mode, 1, MSG_NOSIGNAL) == 1 && poll(&ps, 1, 5000) == 1 &&
                (*fd = recv_fd(s)) >= 0)
                rc = 1;
            if (s >= 0)
                close(s);
            if (rc == 1)
                break;
            continue; /* that starter failed: wait for the next one */
        }
        /* a full close (a half-close is the client's stdin ending: no reason to go) */
        if (n > 0 && (p[1].revents & (POLLHUP | POLLERR))) {
            sk_err(err, 0, "the client went away");
            break;
        }
        /* started by someone who did not see us, or gone */
        if (ctr_reload_state(c, NULL) < 0) {
            sk_err(err, 0, "No such container: %s", c->id);
            break;
        }
        ctr_reconcile(e, c);
        if (ctr_is_running(c) ||
            strcmp(json_string_value(json_object_get(c->state, "StartedAt")) ?: "", started) != 0) {
            rc = 0;
            break;
        }
    }
    unlink(path);
    return rc;
}

int sk_container_attach_wait(struct sk_engine *e, const char *ref, bool with_stdin, int cancel_fd,
                             const struct sk_ready *ready, int *fd, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    ctr_reconcile(e, c);
    bool told = false;
    if (ctr_is_running(c)) {
        if (sk_container_attach(e, c->id, with_stdin, fd, err) < 0)
            return -1;
        ctr_tell_ready(ready, &told);
        return 0;
    }
    sk_event_container(e, c->cfg, "attach", NULL); /* docker: at the call, before the start */
    int r = ctr_wait_start(e, c, with_stdin ? 'a' : 'o', cancel_fd, ready, fd, err);
    if (r == 0) { /* attach late rather than never */
        *fd = monitor_connect(c, with_stdin ? 'a' : 'o', err);
        r = *fd < 0 ? -1 : 1;
    }
    return r < 0 ? -1 : 0;
}

int sk_container_resize(struct sk_engine *e, const char *ref, int rows, int cols, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    ctr_reconcile(e, c);
    if (!ctr_is_running(c))
        return sk_err(err, 0, "Container %s is not running", ref);
    if (rows <= 0 || cols <= 0 || rows > 9999 || cols > 9999)
        return sk_err(err, 0, "invalid terminal size %dx%d", rows, cols);
    _cleanup_close_ int fd = monitor_connect(c, 'r', err);
    if (fd < 0)
        return -1;
    char msg[32];
    int n = snprintf(msg, sizeof msg, "%d %d\n", rows, cols);
    if (send(fd, msg, (size_t)n, MSG_NOSIGNAL) != n)
        return sk_err(err, errno, "container %.12s: its monitor", c->id);
    return 0;
}

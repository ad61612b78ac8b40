/* monitor_client.c - spawning a monitor and talking to one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/json.h"

static int connect_to(struct ctr *c, sk_error *err)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(a.sun_path, sizeof a.sun_path, "%s.a", c->sockbase) >= sizeof a.sun_path)
        return sk_err(err, ENAMETOOLONG, "attach socket");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_err(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(fd);
        return sk_err(err, e, "container %.12s: its monitor", c->id);
    }
    return fd;
}

int monitor_send_fds(struct ctr *c, char mode, const int *fds, int n, sk_error *err)
{
    if (n < 1 || n > 2)
        return sk_err(err, EINVAL, "container %.12s: its monitor takes one or two fds", c->id);
    int s = connect_to(c, err);
    if (s < 0)
        return -1;
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(2 * sizeof(int))];
    } u;
    memset(&u, 0, sizeof u);
    char m = mode;
    struct iovec iov = {&m, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
                        .msg_controllen = CMSG_SPACE((size_t)n * sizeof(int))};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, (size_t)n * sizeof(int));
    int rc = sendmsg(s, &mh, MSG_NOSIGNAL) == 1 ? 0 : sk_err(err, errno, "container %.12s: its monitor", c->id);
    close(s);
    return rc;
}

int monitor_send_fd(struct ctr *c, char mode, int fd, sk_error *err)
{
    return monitor_send_fds(c, mode, &fd, 1, err);
}

int monitor_connect(struct ctr *c, char mode, sk_error *err)
{
    int fd = connect_to(c, err);
    if (fd >= 0 && send(fd, &mode, 1, MSG_NOSIGNAL) != 1) {
        int e = errno;
        close(fd);
        return sk_err(err, e, "container %.12s: its monitor", c->id);
    }
    return fd;
}

static void parse_exit(const char *line, struct sk_exit *out)
{
    memset(out, 0, sizeof *out);
    json_t *j = json_loads(line, 0, NULL);
    out->code = (int)json_integer_value(json_object_get(j, "ExitCode"));
    snprintf(out->reason, sizeof out->reason, "%s",
             json_string_value(json_object_get(j, "Reason")) ?: "exited");
    snprintf(out->signal, sizeof out->signal, "%s",
             json_string_value(json_object_get(j, "Signal")) ?: "");
    out->oom_killed = json_is_true(json_object_get(j, "OOMKilled"));
    json_decref(j);
}

int monitor_wait(int fd, int timeout_ms, struct sk_exit *out, sk_error *err)
{
    char buf[512];
    size_t len = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int left = -1;
        if (timeout_ms >= 0) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
            if (el >= timeout_ms)
                return 1;
            left = (int)(timeout_ms - el);
        }
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sk_err(err, errno, "poll");
        if (r == 0)
            return 1;
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        if (strchr(buf, '\n') || len == sizeof buf - 1)
            break;
    }
    buf[len] = '\0';
    if (len == 0 || !strchr(buf, '{')) {
        if (out)
            memset(out, 0, sizeof *out);
        return sk_err(err, 0, "the monitor ended without a word");
    }
    if (out != NULL)
        parse_exit(buf, out);
    return 0;
}

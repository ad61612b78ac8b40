/* sync.c - messages between the runtime and the process it cloned. */
#define _GNU_SOURCE
#include "runtime/sync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const names[] = {
    [SYNC_GO] = "go",       [SYNC_MOUNTS] = "mounts",     [SYNC_HOOKS_DONE] = "hooks-done",
    [SYNC_FD] = "fd",       [SYNC_SECCOMP_FD] = "seccomp-fd", [SYNC_READY] = "ready",
    [SYNC_ERROR] = "error",
};

/* sendmsg with an optional fd attached (SCM_RIGHTS). */
static int send_with_fd(int sock, struct iovec *iov, size_t n_iov, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n_iov};
    if (fd >= 0) {
        memset(&u, 0, sizeof u);
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t r;
    do
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

int sync_send(int sock, enum sync_type type, int errnum, const void *payload, size_t len, int fd)
{
    struct sync_hdr h = {.type = type, .errnum = errnum, .len = (uint32_t)len};
    struct iovec iov[2] = {{&h, sizeof h}, {(void *)payload, len}};
    return send_with_fd(sock, iov, len ? 2 : 1, fd);
}

ssize_t sync_recv(int sock, struct sync_hdr *hdr, void *payload, size_t cap, int *fd)
{
    struct iovec iov[2] = {{hdr, sizeof *hdr}, {payload, cap}};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf};
    if (fd != NULL)
        *fd = -1;
    ssize_t r;
    do
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    if (r == 0)
        return -2;
    if ((size_t)r < sizeof *hdr) {
        errno = EPROTO;
        return -1;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof got);
            if (fd != NULL)
                *fd = got;
            else
                close(got);
        }
    size_t n = (size_t)r - sizeof *hdr;
    if (n < cap)
        ((char *)payload)[n] = '\0';
    return (ssize_t)n;
}

void sync_child_fail(int sock, int errnum, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof msg)
        n = sizeof msg - 1;
    if (sync_send(sock, SYNC_ERROR, errnum, msg, (size_t)n, -1) < 0) {
        /* nobody to tell (the parent is gone): leave a trace on stderr */
        ssize_t w = write(2, msg, (size_t)n);
        w = write(2, "\n", 1);
        (void)w;
    }
    _exit(1);
}

int send_fd(int sock, int fd, const char *name)
{
    struct iovec iov = {(void *)name, strlen(name)};
    return send_with_fd(sock, &iov, 1, fd);
}

int recv_fd(int sock)
{
    char data[256];
    struct iovec iov = {data, sizeof data};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf};
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

int unix_connect(const char *path, sk_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return sk_err(err, ENAMETOOLONG, "connect to %s", path);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_err(err, errno, "socket for %s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return sk_err(err, e, "connect to %s", path);
    }
    return fd;
}

int sync_expect(int sock, enum sync_type want, void *payload, size_t cap, int *fd, sk_error *err)
{
    struct sync_hdr h;
    char msg[1100];
    void *buf = payload != NULL ? payload : msg;
    size_t bcap = payload != NULL ? cap : sizeof msg - 1;
    ssize_t n = sync_recv(sock, &h, buf, bcap, fd);
    if (n == -2)
        return sk_err(err, 0, "container init exited before it was ready (waiting for %s)",
                      names[want]);
    if (n < 0)
        return sk_err(err, errno, "sync with container init");
    if (h.type == SYNC_ERROR) {
        if (buf != msg) {
            snprintf(msg, sizeof msg, "%.*s", (int)n, (char *)buf);
        }
        /* the child's message already carries its strerror */
        sk_err(err, 0, "%s", msg);
        if (err != NULL)
            err->errnum = h.errnum;
        return -1;
    }
    if (h.type != (uint32_t)want)
        return sk_err(err, EPROTO, "sync with container init: expected %s, got message %u",
                      names[want], h.type);
    return (int)n;
}

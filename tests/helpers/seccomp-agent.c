/* seccomp-agent SOCKET ERRNO - test helper: a seccomp notify agent.  It
 * accepts one connection on SOCKET (linux.seccomp.listenerPath), prints the
 * state JSON it was sent, then answers every notification with -ERRNO and
 * prints the syscall number, until the listener fd closes. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: seccomp-agent SOCKET ERRNO\n");
        return 2;
    }
    int answer = atoi(argv[2]);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 1) < 0) {
        perror("seccomp-agent: listen");
        return 1;
    }
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    char state[8192] = {0};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {state, sizeof state - 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf};
    if (c < 0 || recvmsg(c, &msg, 0) < 0) {
        perror("seccomp-agent: receive");
        return 1;
    }
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) {
        fprintf(stderr, "seccomp-agent: no fd\n");
        return 1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    printf("state: %s\n", state);
    fflush(stdout);
    struct seccomp_notif_sizes sz;
    if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) {
        perror("seccomp-agent: sizes");
        return 1;
    }
    struct seccomp_notif *req = calloc(1, sz.seccomp_notif);
    struct seccomp_notif_resp *resp = calloc(1, sz.seccomp_notif_resp);
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 20000) <= 0 || (pf.revents & POLLHUP))
            break;
        memset(req, 0, sz.seccomp_notif);
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        printf("syscall: %d\n", req->data.nr);
        fflush(stdout);
        memset(resp, 0, sz.seccomp_notif_resp);
        resp->id = req->id;
        resp->error = -answer;
        ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
    }
    return 0;
}

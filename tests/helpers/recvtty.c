/* recvtty SOCKET [INPUT] - test helper: listen on a unix socket for a
 * --console-socket connection, receive the pty master, optionally type
 * INPUT into it, and copy everything the terminal prints to stdout until
 * it closes.  Prints "recvtty: name=<payload>" first. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: recvtty SOCKET [INPUT]\n");
        return 2;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 1) < 0) {
        perror("recvtty: listen");
        return 1;
    }
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
        perror("recvtty: accept");
        return 1;
    }
    char name[512] = {0};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {name, sizeof name - 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf};
    if (recvmsg(c, &msg, 0) < 0) {
        perror("recvtty: recvmsg");
        return 1;
    }
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) {
        fprintf(stderr, "recvtty: no fd received\n");
        return 1;
    }
    int master;
    memcpy(&master, CMSG_DATA(cm), sizeof master);
    printf("recvtty: name=%s\n", name);
    fflush(stdout);
    if (argc > 2) {
        size_t l = strlen(argv[2]);
        if (write(master, argv[2], l) != (ssize_t)l)
            perror("recvtty: write");
    }
    char buf[4096];
    for (;;) {
        struct pollfd pf = {master, POLLIN, 0};
        if (poll(&pf, 1, 20000) <= 0)
            break;
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, stdout);
        fflush(stdout);
    }
    return 0;
}

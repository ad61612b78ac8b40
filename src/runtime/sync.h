/* sync.h - the parent/child handshake over a SOCK_SEQPACKET pair.
 *
 * Each step has a name.  create:
 *   parent -> child  SYNC_GO          ids mapped, cgroup joined
 *   child  -> parent SYNC_MOUNTS      mounts done, run createRuntime hooks
 *   parent -> child  SYNC_HOOKS_DONE  payload: the state JSON for hooks
 *   child  -> parent SYNC_FD          (terminal without socket: pty master)
 *   child  -> parent SYNC_READY       about to wait for start / exec
 *   child  -> parent SYNC_ERROR       payload: message; child exits
 * Child-side functions are async-signal-safe.
 */
#ifndef SKIFF_RUNTIME_SYNC_H
#define SKIFF_RUNTIME_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

enum sync_type {
    SYNC_GO = 1,
    SYNC_MOUNTS,
    SYNC_HOOKS_DONE,
    SYNC_FD,
    SYNC_SECCOMP_FD,
    SYNC_READY,
    SYNC_ERROR,
};

struct sync_hdr {
    uint32_t type;
    int32_t errnum;
    uint32_t len;
};

#define SYNC_PAYLOAD_MAX (128u * 1024)

/* Send one message, optionally with an fd (SCM_RIGHTS).  -1 on error. */
int sync_send(int sock, enum sync_type type, int errnum, const void *payload, size_t len, int fd);
/* Receive one message.  *fd gets a passed fd (or -1).  Returns the payload
 * length, -1 on error, -2 on EOF (the peer is gone). */
ssize_t sync_recv(int sock, struct sync_hdr *hdr, void *payload, size_t cap, int *fd);

/* Child side: report "what: errnum" to the parent and _exit(1). */
void sync_child_fail(int sock, int errnum, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* Send an fd over a unix socket the way runc does for --console-socket. */
int send_fd(int sock, int fd, const char *name);
/* Receive one sent that way (the payload dropped); -1 when none came. */
int recv_fd(int sock);
/* Connect to a unix stream socket (--console-socket, a seccomp listener). */
int unix_connect(const char *path, sk_error *err);
/* Parent side: wait for `want`, turning SYNC_ERROR and EOF into errors. */
int sync_expect(int sock, enum sync_type want, void *payload, size_t cap, int *fd, sk_error *err);

#endif

/* child.c - what the cloned process does before it becomes the container. */
#define _GNU_SOURCE
#include "runtime/child.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/foreground.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"

#define KEYCTL_JOIN_SESSION_KEYRING 1

#define FAIL(sock, err) sync_child_fail(sock, (err)->errnum, "%s", (err)->msg)

/* setns in an order that works: user first (it grants the rights for the
 * rest), mount last (it changes how later paths resolve). */
static void join_namespaces(const struct init_plan *p, int sock)
{
    static const enum oci_ns order[] = {OCI_NS_USER, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_NET,
                                        OCI_NS_CGROUP, OCI_NS_MNT};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        enum oci_ns ns = order[i];
        int fd = p->join_fds[ns];
        if (fd < 0)
            continue;
        if (setns(fd, oci_ns_clone_flag(ns)) < 0)
            sync_child_fail(sock, errno, "join %s namespace", oci_ns_name(ns));
        close(fd);
    }
}

static void become_root_in_userns(int sock)
{
    if (setresgid(0, 0, 0) < 0)
        sync_child_fail(sock, errno, "setgid 0 in the user namespace");
    if (setresuid(0, 0, 0) < 0)
        sync_child_fail(sock, errno, "setuid 0 in the user namespace");
}

static void wait_for_start(int fifo, int sock)
{
    (void)sock;
    for (;;) {
        struct pollfd pf = {fifo, POLLIN, 0};
        int r = poll(&pf, 1, -1);
        if (r < 0 && errno == EINTR)
            continue;
        char c;
        ssize_t n = read(fifo, &c, 1);
        if (n == 1)
            break;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        _exit(1); /* opened and closed without starting us: give up */
    }
    close(fifo);
}

__attribute__((noreturn)) static void init_main(struct init_plan *p, int sock)
{
    sk_error err = {0};
    struct sync_hdr h;

    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* nothing in the container may ptrace us */
    fg_child_signals_reset();
    if (p->lock_fd >= 0)
        close(p->lock_fd); /* or the container would hold its own state locked */
    if (p->cgroup_fd >= 0)
        close(p->cgroup_fd); /* a host directory: never keep it in the container */
    umask(0);
    if (sync_recv(sock, &h, NULL, 0, NULL) < 0 || h.type != SYNC_GO)
        _exit(1);
    if (p->userns)
        become_root_in_userns(sock);
    join_namespaces(p, sock);
    if (p->join_fds[OCI_NS_USER] >= 0)
        become_root_in_userns(sock);
    if (p->unshare_flags && unshare(p->unshare_flags) < 0)
        sync_child_fail(sock, errno, "create namespaces in the joined user namespace");
    if (p->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
        sync_child_fail(sock, errno, "create cgroup namespace");
    if (setsid() < 0)
        sync_child_fail(sock, errno, "setsid");
    if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
        sync_child_fail(sock, errno, "sethostname %s", p->hostname);
    if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
        sync_child_fail(sock, errno, "setdomainname %s", p->domainname);
    if (p->new_keyring) {
        char name[300];
        snprintf(name, sizeof name, "_ses.%s", p->id);
        /* hosts or user namespaces without keyrings: like runc, go on */
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 &&
            errno != ENOSYS && errno != EPERM && errno != EACCES && errno != EDQUOT)
            sync_child_fail(sock, errno, "create session keyring");
    }
    int rootfd = -1;
    if (rootfs_prepare(p, &rootfd, &err) < 0)
        FAIL(sock, &err);

    if (sync_send(sock, SYNC_MOUNTS, 0, NULL, 0, -1) < 0)
        _exit(1);
    ssize_t n = sync_recv(sock, &h, p->state_buf, p->state_cap, NULL);
    if (n < 0 || h.type != SYNC_HOOKS_DONE)
        _exit(1);
    size_t state_len = (size_t)n;
    if (hooks_run(p->create_container.hooks, p->create_container.n, "createContainer",
                  p->state_buf, state_len, &err) < 0)
        FAIL(sock, &err);

    if (rootfs_pivot(p, rootfd, &err) < 0)
        FAIL(sock, &err);
    close(rootfd);
    if (p->proc.terminal && proc_terminal(&p->proc, sock, true, &err) < 0)
        FAIL(sock, &err);
    if (rootfs_finish(p, &err) < 0)
        FAIL(sock, &err);

    char exe[PATH_MAX];
    bool seccomp_loaded;
    if (proc_prepare(&p->proc, sock, exe, sizeof exe, &seccomp_loaded, &err) < 0)
        FAIL(sock, &err);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0); /* create returns; we stay */
    if (sync_send(sock, SYNC_READY, 0, NULL, 0, -1) < 0)
        _exit(1);
    close(sock);
    sock = -1;
    if (p->fifo_fd >= 0)
        wait_for_start(p->fifo_fd, sock);
    if (hooks_run(p->start_container.hooks, p->start_container.n, "startContainer",
                  p->state_buf, state_len, &err) < 0) {
        dprintf(2, "skiff-runc: %s\n", err.msg);
        _exit(127);
    }
    proc_exec(&p->proc, exe, seccomp_loaded, -1, &err);
    dprintf(2, "skiff-runc: %s\n", err.msg);
    _exit(127);
}

__attribute__((noreturn)) static void exec_main(struct init_plan *p, int sock)
{
    sk_error err = {0};
    struct sync_hdr h;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    fg_child_signals_reset();
    if (p->cgroup_fd >= 0)
        close(p->cgroup_fd);
    if (sync_recv(sock, &h, NULL, 0, NULL) < 0 || h.type != SYNC_GO)
        _exit(1);
    join_namespaces(p, sock);
    if (p->join_fds[OCI_NS_USER] >= 0)
        become_root_in_userns(sock);
    if (setsid() < 0)
        sync_child_fail(sock, errno, "setsid");
    if (p->proc.terminal && proc_terminal(&p->proc, sock, false, &err) < 0)
        FAIL(sock, &err);
    char exe[PATH_MAX];
    bool seccomp_loaded;
    if (proc_prepare(&p->proc, sock, exe, sizeof exe, &seccomp_loaded, &err) < 0)
        FAIL(sock, &err);
    /* the socket is close-on-exec: the parent sees EOF when exec succeeds */
    if (proc_exec(&p->proc, exe, seccomp_loaded, sock, &err) < 0)
        FAIL(sock, &err);
    _exit(127);
}

/* struct clone_args of clone3(2), up to the cgroup field (Linux 5.7) */
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};
#define SK_CLONE_INTO_CGROUP 0x200000000ULL

/* fork() semantics, plus the namespaces: the child gets a copy of our
 * memory, including the prepared plan.  With a cgroup v2 fd the child is
 * born in the container's cgroup: no later attach, which would cost an RCU
 * grace period (cgroup_threadgroup_rwsem) on every start. */
static pid_t clone_child(struct init_plan *p, int flags)
{
    p->cloned_into_cgroup = false;
    if (p->cgroup_fd >= 0) {
        struct clone3_args a = {.flags = (uint64_t)(unsigned)flags | SK_CLONE_INTO_CGROUP,
                                .exit_signal = SIGCHLD,
                                .cgroup = (uint64_t)p->cgroup_fd};
        pid_t child = (pid_t)syscall(SYS_clone3, &a, sizeof a);
        if (child >= 0) {
            p->cloned_into_cgroup = child > 0;
            return child;
        }
        /* old kernel, or a cgroup that cannot take us: attach the usual way */
    }
    return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, NULL, NULL, 0);
}

static int spawn(struct init_plan *p, int flags, bool exec, pid_t *pid, int *sock, sk_error *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return sk_err(err, errno, "socketpair");
    pid_t child = clone_child(p, flags);
    if (child < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        if (e == EINVAL && (flags & CLONE_NEWUSER))
            return sk_err(err, e, "clone (user namespaces may be disabled)");
        return sk_err(err, e, "clone");
    }
    if (child == 0) {
        close(sv[0]);
        if (exec)
            exec_main(p, sv[1]);
        init_main(p, sv[1]);
    }
    close(sv[1]);
    *pid = child;
    *sock = sv[0];
    return 0;
}

int spawn_init(struct init_plan *p, pid_t *pid, int *sock, sk_error *err)
{
    return spawn(p, p->clone_flags, false, pid, sock, err);
}

int spawn_exec(struct init_plan *p, pid_t *pid, int *sock, sk_error *err)
{
    return spawn(p, 0, true, pid, sock, err);
}

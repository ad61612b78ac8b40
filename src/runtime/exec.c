/* exec.c - a new process inside a running container (runc exec). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/child.h"
#include "runtime/foreground.h"
#include "runtime/plan_build.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/json.h"

int rt_exec_base(const struct rt_global *g, const char *id, struct oci_process *p, sk_error *err)
{
    struct rt_container *c;
    struct oci_spec *s;
    if (rt_container_load(g, id, &c, err) < 0)
        return -1;
    int r = rt_container_spec(c, &s, err);
    if (r == 0) {
        json_t *pj = json_object_get(s->json, "process");
        r = pj ? oci_process_parse(pj, "process", p, err)
               : sk_err(err, 0, "container \"%s\" has no process", id);
    }
    rt_container_free(c);
    return r;
}

static bool same_ns(int fd, const char *name)
{
    char path[64];
    struct stat a, b;
    snprintf(path, sizeof path, "/proc/self/ns/%s", name);
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* The container's namespaces, from its init process. */
static int open_container_ns(struct rt_container *c, const struct oci_spec *s, struct init_plan *p,
                             sk_error *err)
{
    for (int i = 0; i < OCI_NS_COUNT; i++) {
        if (!s->lx.ns[i].present)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", c->pid, oci_ns_proc_name((enum oci_ns)i));
        int fd = plan_open_ns(path, (enum oci_ns)i, err);
        if (fd < 0)
            return -1;
        if (same_ns(fd, oci_ns_proc_name((enum oci_ns)i)))
            close(fd);
        else
            p->join_fds[i] = fd;
    }
    /* the fds were opened through a pid: make sure it was still our init */
    if (!rt_pid_alive(c->pid, c->start_time))
        return sk_err(err, 0, "container \"%s\" stopped", c->id);
    return 0;
}

struct execution {
    struct rt_container *c;
    struct init_plan plan;
    struct seccomp_program seccomp;
    pid_t pid;
    int sock, pty;
};

static int spawn_and_sync(struct execution *x, const struct rt_exec_opts *o, sk_error *err)
{
    struct ns_saved saved;
    int r = plan_parent_ns_enter(&x->plan, NULL, &saved, err);
    if (r == 0)
        r = spawn_exec(&x->plan, &x->pid, &x->sock, err);
    plan_parent_ns_restore(&saved);
    plan_close_fds(&x->plan);
    if (r < 0)
        return -1;
    if (x->c->cg != NULL && !x->plan.cloned_into_cgroup && cg_enter(x->c->cg, x->pid, err) < 0)
        return -1;
    if (sync_send(x->sock, SYNC_GO, 0, NULL, 0, -1) < 0)
        return sk_err(err, errno, "start exec process");
    for (;;) {
        struct sync_hdr h;
        char msg[1100];
        int fd = -1;
        ssize_t n = sync_recv(x->sock, &h, msg, sizeof msg - 1, &fd);
        if (n == -2)
            break; /* close-on-exec: the program is running */
        if (n < 0)
            return sk_err(err, errno, "sync with exec process");
        if (h.type == SYNC_ERROR) {
            sk_err(err, 0, "%s", msg); /* it carries the child's strerror */
            err->errnum = h.errnum;
            return -1;
        }
        if (h.type == SYNC_FD && fd >= 0)
            x->pty = fd;
        else if (h.type == SYNC_SECCOMP_FD && fd >= 0) {
            if (seccomp_forward_listener(&x->seccomp, fd, x->c->id, x->pid, x->c->bundle, err) < 0)
                return -1;
        } else if (fd >= 0)
            close(fd);
    }
    if (o->pid_file != NULL && rt_write_pid_file(o->pid_file, x->pid, err) < 0)
        return -1;
    return 0;
}

static int prepare(struct execution *x, const struct rt_global *g, const struct rt_exec_opts *o,
                   sk_error *err)
{
    if (rt_container_load(g, o->id, &x->c, err) < 0)
        return -1;
    enum rt_status st = rt_container_status(x->c);
    if (st == RT_STOPPED || st == RT_PAUSED)
        return sk_err(err, 0, "cannot exec in container \"%s\": it is %s", o->id,
                      rt_status_name(st));
    struct oci_spec *s;
    if (rt_container_spec(x->c, &s, err) < 0 || open_container_ns(x->c, s, &x->plan, err) < 0)
        return -1;
    plan_build_proc(&x->plan.proc, o->process, s);
    char cache[4096];
    snprintf(cache, sizeof cache, "%s/seccomp.cache", g->root);
    if (seccomp_compile_cached(s->lx.seccomp, cache, &x->seccomp, err) < 0)
        return -1;
    x->plan.proc.seccomp = x->seccomp.prog;
    x->plan.proc.seccomp_flags = x->seccomp.flags;
    x->plan.proc.seccomp_notify = x->seccomp.notify;
    x->plan.proc.preserve_fds = o->preserve_fds;
    x->plan.cgroup_fd = cg_clone_fd(x->c->cg);
    if (o->process->terminal) {
        if (o->console_socket != NULL) {
            x->plan.proc.console_sock = fg_console_connect(o->console_socket, err);
            if (x->plan.proc.console_sock < 0)
                return -1;
        } else if (o->detach) {
            return sk_err(err, 0, "a detached exec with a terminal needs --console-socket");
        }
    } else if (o->console_socket != NULL) {
        return sk_err(err, 0, "--console-socket given, but the process has no terminal");
    }
    return 0;
}

int rt_exec(const struct rt_global *g, const struct rt_exec_opts *o, int *status, sk_error *err)
{
    struct execution x;
    memset(&x, 0, sizeof x);
    x.sock = x.pty = -1;
    x.plan.fifo_fd = x.plan.lock_fd = x.plan.proc.console_sock = x.plan.cgroup_fd = -1;
    for (int i = 0; i < OCI_NS_COUNT; i++)
        x.plan.join_fds[i] = -1;
    sigset_t old;
    bool blocked = false;
    int r = prepare(&x, g, o, err);
    if (r == 0 && !o->detach)
        blocked = fg_block_signals(&old) == 0;
    if (r == 0)
        r = spawn_and_sync(&x, o, err);
    if (r < 0 && x.pid > 0) {
        kill(x.pid, SIGKILL);
        while (waitpid(x.pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (x.sock >= 0)
        close(x.sock);
    if (x.plan.proc.console_sock >= 0)
        close(x.plan.proc.console_sock);
    if (x.plan.cgroup_fd >= 0)
        close(x.plan.cgroup_fd);
    plan_close_fds(&x.plan);
    if (r == 0 && !o->detach) {
        r = fg_wait(x.pid, x.pty, status, err);
        x.pty = -1;
    }
    if (x.pty >= 0)
        close(x.pty);
    if (blocked)
        fg_restore_signals(&old);
    seccomp_program_clear(&x.seccomp);
    rt_container_free(x.c);
    return r;
}

/* monitor.c - one small process per started container (conmon's role).
 *
 * It mounts the rootfs, hands the runtime a bundle, creates the container
 * through the runtime library (the container's init is its child), owns its
 * stdio (pipes, or the pty master), writes the json-file log, serves attach
 * clients, reaps the process, records how it ended, applies the restart
 * policy and --rm.  Single-threaded: one poll loop over the output, the
 * attach socket and a signalfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/health.h"
#include "engine/logfile.h"
#include "engine/monitor.h"
#include "network/dns.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/strbuf.h"
#include "util/strutil.h"

#define MAX_CLIENTS 32
#define CLIENT_BUF_MAX (8u << 20)

struct client {
    int fd;
    char mode;    /* 0 until the first byte */
    bool read_eof; /* it closed its side: output still goes to it */
    struct strbuf out;
    size_t off;
};

struct mon {
    struct sk_engine *e;
    struct ctr *c;
    int sync_fd;
    bool attach_wait;
    int listen_fd, sig_fd;
    int out_fd, err_fd, in_fd; /* the container's stdio, our ends (-1 when closed) */
    bool tty;
    pid_t pid;
    struct logfile log;
    struct client cl[MAX_CLIENTS];
    int wstatus;
    bool exited;
    struct health h;
    json_t *ports;  /* published: docker's NetworkSettings.Ports */
    int *port_fds;  /* the host ports held */
    size_t nport_fds;
    struct dns_server *dns; /* 127.0.0.11 on a user-defined network */
};

static json_t *obj(json_t *o, const char *k)
{
    return json_object_get(o, k);
}

static void report(struct mon *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct mon *m, const char *fmt, ...)
{
    if (m->sync_fd < 0)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    if (write(m->sync_fd, buf, (size_t)n) < 0) {
        /* the caller is gone: we carry on */
    }
}

/* Update state.json under the container's lock. */
static void set_state(struct mon *m, json_t *fields)
{
    int lock = ctr_lock(m->c, NULL);
    ctr_reload_state(m->c, NULL);
    json_object_update(m->c->state, fields);
    sk_error err;
    if (ctr_save_state(m->c, &err) < 0)
        fprintf(stderr, "skiff monitor %.12s: %s\n", m->c->id, err.msg);
    if (lock >= 0)
        close(lock);
    json_decref(fields);
}

/* ---- attach clients ------------------------------------------------------------ */

static void client_close(struct client *cl)
{
    if (cl->fd >= 0)
        close(cl->fd);
    sb_free(&cl->out);
    memset(cl, 0, sizeof *cl);
    cl->fd = -1;
}

static void client_flush(struct client *cl)
{
    while (cl->fd >= 0 && cl->off < cl->out.len) {
        ssize_t w = send(cl->fd, cl->out.s + cl->off, cl->out.len - cl->off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            client_close(cl);
            return;
        }
        cl->off += (size_t)w;
    }
    if (cl->fd >= 0 && cl->off == cl->out.len) {
        cl->out.len = 0;
        cl->off = 0;
    }
}

static void client_send(struct client *cl, const void *data, size_t len)
{
    if (cl->out.len - cl->off + len > CLIENT_BUF_MAX) {
        client_close(cl); /* too slow a reader: it would hold the container back */
        return;
    }
    sb_add(&cl->out, data, len);
    client_flush(cl);
}

static void broadcast(struct mon *m, int stream, const char *data, size_t len)
{
    unsigned char hdr[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24),
                            (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len};
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &m->cl[i];
        if (cl->fd < 0 || (cl->mode != 'a' && cl->mode != 'o'))
            continue;
        if (!m->tty)
            client_send(cl, hdr, sizeof hdr);
        if (cl->fd >= 0)
            client_send(cl, data, len);
    }
}

static void accept_client(struct mon *m)
{
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t cl = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != 0) {
        close(fd); /* only root may attach (the socket is 0600 too) */
        return;
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (m->cl[i].fd < 0) {
            m->cl[i].fd = fd;
            return;
        }
    close(fd);
}

static void accept_pending(struct mon *m)
{
    for (int k = 0; k < 4; k++) {
        struct pollfd p = {m->listen_fd, POLLIN, 0};
        if (poll(&p, 1, k == 0 ? 1000 : 0) != 1)
            break;
        accept_client(m);
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &m->cl[i];
        struct pollfd p = {cl->fd, POLLIN, 0};
        char mode;
        if (cl->fd < 0 || cl->mode != 0 || poll(&p, 1, 1000) != 1)
            continue;
        if (recv(cl->fd, &mode, 1, MSG_DONTWAIT) == 1 && strchr("aowr", mode))
            cl->mode = mode;
        else
            client_close(cl);
    }
}

static void close_stdin(struct mon *m)
{
    if (m->in_fd >= 0 && !m->tty) { /* a terminal has no end of input to give */
        close(m->in_fd);
        m->in_fd = -1;
    }
}

static void client_input(struct mon *m, struct client *cl)
{
    static char buf[16384];
    ssize_t n = recv(cl->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n == 0 && cl->mode == 'a') {
        close_stdin(m); /* the client closed its side: so does the container's stdin */
        cl->read_eof = true;
        return;
    }
    if (n <= 0) {
        client_close(cl);
        return;
    }
    size_t off = 0;
    if (cl->mode == 0) {
        cl->mode = buf[0];
        off = 1;
        if (!strchr("aowr", cl->mode)) {
            client_close(cl);
            return;
        }
    }
    if (cl->mode == 'r' && off >= (size_t)n)
        return; /* the size comes next */
    if (cl->mode == 'r') { /* "ROWS COLS": the terminal's new size */
        buf[(size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1] = '\0';
        unsigned rows = 0, cols = 0;
        if (m->tty && m->out_fd >= 0 && sscanf(buf + off, "%u %u", &rows, &cols) == 2 && rows &&
            cols && rows < 10000 && cols < 10000) {
            struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
            ioctl(m->out_fd, TIOCSWINSZ, &ws);
        }
        client_close(cl);
        return;
    }
    if (cl->mode == 'a' && m->in_fd >= 0 && off < (size_t)n) {
        /* stdin is a pipe or the pty: a blocking write is bounded by the container reading it */
        size_t len = (size_t)n - off;
        const char *p = buf + off;
        while (len > 0) {
            ssize_t w = write(m->in_fd, p, len);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            p += w;
            len -= (size_t)w;
        }
    }
}

/* ---- output ----------------------------------------------------------------------- */

/* Read what one stream has: false at its end. */
static bool pump(struct mon *m, int *fd, int stream)
{
    static char buf[16384]; /* small: every page the monitor touches stays with it */
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) { /* EOF, or EIO from a pty whose other side closed */
        close(*fd);
        *fd = -1;
        return false;
    }
    logfile_write(&m->log, stream, buf, (size_t)n);
    broadcast(m, stream, buf, (size_t)n);
    return true;
}

/* ---- the container -------------------------------------------------------------- */

static int listen_unix(const char *path, sk_error *err)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return sk_err(err, ENAMETOOLONG, "socket %s (a shorter --runroot helps)", path);
    strcpy(a.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return sk_err(err, errno, "socket");
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r < 0 || listen(fd, 16) < 0) {
        int e = errno;
        close(fd);
        return sk_err(err, e, "socket %s", path);
    }
    return fd;
}

static int write_bundle(struct mon *m, const char *rootfs, char *bundle, size_t cap, sk_error *err)
{
    _cleanup_json_ json_t *spec = NULL;
    if (ctr_build_spec(m->e, m->c, rootfs, &spec, err) < 0)
        return -1;
    snprintf(bundle, cap, "%s/bundle", m->c->rundir);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/config.json", bundle);
    _cleanup_free_ char *text = json_dumps(spec, JSON_COMPACT);
    if (text == NULL)
        return sk_err(err, ENOMEM, "config.json");
    if (sk_mkdir_p(bundle, 0700, err) < 0 ||
        sk_write_atomic(path, text, strlen(text), 0600, 0, err) < 0)
        return -1;
    return 0;
}

/* Create the container with its stdio on pipes (or a pty). */
static int create_process(struct mon *m, const char *bundle, sk_error *err)
{
    struct rt_create_opts co = {.id = m->c->id, .bundle = bundle};
    char sockpath[PATH_MAX + 16];
    int console = -1;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int rc = -1;
    bool open_stdin = json_is_true(obj(obj(m->c->cfg, "Config"), "OpenStdin"));
    if (devnull < 0)
        return sk_err(err, errno, "/dev/null");
    rt_delete(&m->e->rt, m->c->id, true, NULL); /* what a dead monitor left */
    if (m->tty) {
        snprintf(sockpath, sizeof sockpath, "%s.c", m->c->sockbase);
        if ((console = listen_unix(sockpath, err)) < 0)
            goto out;
        co.console_socket = sockpath;
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
    } else {
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
            (open_stdin && pipe2(in, O_CLOEXEC) < 0)) {
            sk_err(err, errno, "pipe");
            goto out;
        }
        fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
        dup2(open_stdin ? in[0] : devnull, 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
    }
    rc = rt_create(&m->e->rt, &co, err);
    /* our own stdio goes back to nowhere */
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (rc < 0)
        goto out;
    if (m->tty) {
        struct pollfd p = {console, POLLIN, 0};
        int c = poll(&p, 1, 10000) == 1 ? accept4(console, NULL, NULL, SOCK_CLOEXEC) : -1;
        int master = c >= 0 ? recv_fd(c) : -1;
        if (c >= 0)
            close(c);
        if (master < 0) {
            rc = sk_err(err, 0, "the container's terminal did not arrive");
            goto out;
        }
        m->out_fd = master;
        m->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
    } else {
        m->out_fd = out[0];
        m->err_fd = errp[0];
        m->in_fd = open_stdin ? in[1] : -1;
        out[0] = errp[0] = in[1] = -1;
    }
    if (m->out_fd >= 0)
        fcntl(m->out_fd, F_SETFL, O_NONBLOCK);
    if (m->err_fd >= 0)
        fcntl(m->err_fd, F_SETFL, O_NONBLOCK);
out:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
    if (console >= 0) {
        close(console);
        unlink(sockpath);
    }
    close(devnull);
    return rc;
}

static pid_t runtime_pid(struct mon *m)
{
    json_t *st = NULL;
    if (rt_state(&m->e->rt, m->c->id, &st, NULL) < 0)
        return 0;
    pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
    json_decref(st);
    return pid;
}

/* A start failure as docker reports it: 127 for a missing program, 126 for
 * one that cannot run. */
static int start_error_code(const char *msg)
{
    if (strstr(msg, "exec: \"") == NULL)
        return 128;
    if (strstr(msg, "No such file") || strstr(msg, "not found"))
        return 127;
    return 126;
}

/* Take the published ports back and let the host ports go. */
static void unpublish(struct mon *m)
{
    ctr_net_unpublish(m->e, m->c, m->ports);
    for (size_t i = 0; i < m->nport_fds; i++)
        close(m->port_fds[i]);
    free(m->port_fds);
    m->port_fds = NULL;
    m->nport_fds = 0;
    json_decref(m->ports);
    m->ports = NULL;
}

static int start_container(struct mon *m, sk_error *err)
{
    char rootfs[PATH_MAX], bundle[PATH_MAX + 16];
    m->tty = json_is_true(obj(obj(m->c->cfg, "Config"), "Tty"));
    m->out_fd = m->err_fd = m->in_fd = -1;
    /* under the container's lock: a cp into the stopped container finishes first */
    int lock = ctr_lock(m->c, err);
    int mounted = lock < 0 ? -1 : ctr_mount_rootfs(m->e, m->c, rootfs, sizeof rootfs, err);
    if (lock >= 0)
        close(lock);
    if (mounted < 0)
        return -1;
    if (ctr_populate_volumes(m->e, m->c, rootfs, err) < 0) {
        ctr_umount_rootfs(m->c, NULL);
        return -1;
    }
    if (ctr_net_setup(m->e, m->c, err) < 0 ||
        (m->dns == NULL && ctr_net_wants_dns(m->c) && ctr_net_dns_open(m->e, m->c, &m->dns, err) < 0) ||
        write_bundle(m, rootfs, bundle, sizeof bundle, err) < 0 || create_process(m, bundle, err) < 0) {
        ctr_umount_rootfs(m->c, NULL);
        return -1;
    }
    m->pid = runtime_pid(m);
    report(m, "created");
    if (m->attach_wait) {
        /* the caller attaches now; "go" lets the process run */
        char buf[16];
        struct pollfd p = {m->sync_fd, POLLIN, 0};
        ssize_t n = poll(&p, 1, 60000) == 1 ? read(m->sync_fd, buf, sizeof buf) : -1;
        if (n < 2 || strncmp(buf, "go", 2) != 0) {
            rt_delete(&m->e->rt, m->c->id, true, NULL);
            ctr_umount_rootfs(m->c, NULL);
            return sk_err(err, 0, "the caller went away before the container started");
        }
        /* the attach connections wait in the backlog: take them, and what
         * they want, before the first byte of output */
        accept_pending(m);
    }
    if (ctr_net_publish(m->e, m->c, &m->ports, &m->port_fds, &m->nport_fds, err) < 0 ||
        rt_start(&m->e->rt, m->c->id, err) < 0) {
        unpublish(m);
        rt_delete(&m->e->rt, m->c->id, true, NULL);
        ctr_umount_rootfs(m->c, NULL);
        return -1;
    }
    char now[40];
    sk_now(now, sizeof now);
    set_state(m, json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:i, s:b, s:o}", "Status", "running", "Pid",
                           (int)m->pid, "PidStart", (json_int_t)rt_pid_start_time(m->pid),
                           "StartedAt", now, "FinishedAt", "0001-01-01T00:00:00Z", "Error", "",
                           "ExitCode", 0, "OOMKilled", 0, "Ports", m->ports ? json_incref(m->ports) : json_object()));
    ctr_net_events(m->e, m->c, "connect");
    sk_event_container(m->e, m->c->cfg, "start", NULL);
    health_start(&m->h, m->e, m->c);
    report(m, "running %d", (int)m->pid);
    if (m->sync_fd >= 0) {
        close(m->sync_fd);
        m->sync_fd = -1;
    }
    /* from here on the monitor only waits: give back what creating took */
    sk_engine_release_images(m->e);
    malloc_trim(0);
    return 0;
}

/* The exit status, on record the moment it is known: if this monitor dies
 * before it has finished up, ctr_reconcile still has the real exit code. */
static void write_exit_file(struct mon *m, int st)
{
    char path[PATH_MAX + 16], now[40], text[160];
    sk_now(now, sizeof now);
    snprintf(path, sizeof path, "%s/exit.json", m->c->rundir);
    int n = snprintf(text, sizeof text, "{\"ExitCode\":%d,\"Signal\":%d,\"FinishedAt\":\"%s\"}",
                     WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st),
                     WIFSIGNALED(st) ? WTERMSIG(st) : 0, now);
    sk_write_atomic(path, text, (size_t)n, 0600, 0, NULL);
}

static void reap(struct mon *m)
{
    struct signalfd_siginfo si;
    while (read(m->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
    }
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p == m->pid) {
            m->wstatus = st;
            m->exited = true;
            health_stop(&m->h);
            write_exit_file(m, st);
        } else {
            health_reaped(&m->h, m->e, m->c, p, st);
        }
    }
}

/* Serve until the container's process is gone and its output drained. */
static void loop(struct mon *m)
{
    for (;;) {
        struct pollfd p[8 + MAX_CLIENTS];
        int n = 0;
        p[n++] = (struct pollfd){m->sig_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->listen_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->out_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->err_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->exited ? -1 : m->h.timer_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->h.out_fd, POLLIN, 0};
        int dfd[2] = {-1, -1};
        if (m->dns != NULL)
            dns_fds(m->dns, dfd);
        p[n++] = (struct pollfd){dfd[0], POLLIN, 0};
        p[n++] = (struct pollfd){dfd[1], POLLIN, 0};
        for (int i = 0; i < MAX_CLIENTS; i++) {
            struct client *cl = &m->cl[i];
            short ev = cl->read_eof ? 0 : POLLIN;
            if (cl->fd >= 0 && cl->off < cl->out.len)
                ev |= POLLOUT;
            p[n++] = (struct pollfd){cl->fd, ev, 0};
        }
        bool drained = m->out_fd < 0 && m->err_fd < 0;
        if (m->exited && drained)
            return;
        /* after the exit, output still in the pipes is read without waiting */
        int r = poll(p, (nfds_t)n, m->exited ? 200 : -1);
        if (r < 0 && errno != EINTR)
            return;
        if (r == 0 && m->exited)
            return; /* a process outside the container holds the pipe: stop waiting */
        if (p[0].revents)
            reap(m);
        if (p[1].revents)
            accept_client(m);
        if (p[2].revents)
            pump(m, &m->out_fd, 1);
        if (p[3].revents)
            pump(m, &m->err_fd, 2);
        if (p[4].revents)
            health_tick(&m->h, m->e, m->c);
        if (p[5].revents)
            health_read(&m->h);
        if (p[6].revents || p[7].revents)
            dns_serve(m->dns);
        for (int i = 0; i < MAX_CLIENTS; i++) {
            struct pollfd *q = &p[8 + i];
            struct client *cl = &m->cl[i];
            if (q->fd < 0 || cl->fd != q->fd)
                continue;
            if (q->revents & POLLOUT)
                client_flush(cl);
            if (cl->fd >= 0 && (q->revents & (POLLHUP | POLLERR)) && cl->read_eof)
                client_close(cl);
            else if (cl->fd >= 0 && (q->revents & (POLLIN | POLLHUP | POLLERR)))
                client_input(m, cl);
        }
    }
}

/* ---- the end ----------------------------------------------------------------------- */

struct outcome {
    int code;
    const char *reason;
    char signal[16];
    bool oom;
};

static void finish(struct mon *m, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    if (m->h.pid > 0) { /* a check still at work: it ends with the container */
        kill(m->h.pid, SIGKILL);
        int st;
        if (waitpid(m->h.pid, &st, 0) == m->h.pid)
            m->h.pid = 0;
    }
    int st = m->wstatus;
    if (WIFSIGNALED(st)) {
        o->code = 128 + WTERMSIG(st);
        o->reason = "signal";
        snprintf(o->signal, sizeof o->signal, "SIG%s", sk_signal_name(WTERMSIG(st)));
    } else {
        o->code = WEXITSTATUS(st);
        o->reason = "exited";
    }
    struct cg_stats cs = {0};
    if (rt_stats(&m->e->rt, m->c->id, &cs, NULL) == 0 && cs.oom_kills > 0) {
        o->oom = true;
        o->reason = "oom_killed";
    }
    logfile_flush(&m->log);
    rt_delete(&m->e->rt, m->c->id, true, NULL);
    ctr_umount_rootfs(m->c, NULL);
    unpublish(m);
    int *fds[] = {&m->out_fd, &m->err_fd, &m->in_fd};
    for (int i = 0; i < 3; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
    if (o->oom)
        sk_event_container(m->e, m->c->cfg, "oom", NULL);
    char code[16];
    snprintf(code, sizeof code, "%d", o->code);
    sk_event_container(m->e, m->c->cfg, "die", json_pack("{s:s}", "exitCode", code));
    ctr_net_events(m->e, m->c, "disconnect");
    char now[40];
    sk_now(now, sizeof now);
    set_state(m, json_pack("{s:s, s:i, s:i, s:b, s:s, s:s, s:s, s:{}}", "Status", "exited", "Pid", 0,
                           "ExitCode", o->code, "OOMKilled", o->oom, "FinishedAt", now, "Reason",
                           o->reason, "Signal", o->signal, "Ports"));
    char exitfile[PATH_MAX + 16];
    snprintf(exitfile, sizeof exitfile, "%s/exit.json", m->c->rundir);
    unlink(exitfile); /* recorded in state.json now */
}

/* Flush what the attached clients have not got yet, within reason, and
 * close them; with waiters, tell them how it ended first. */
static void notify(struct mon *m, const struct outcome *o, bool waiters)
{
    char line[256];
    snprintf(line, sizeof line,
             "{\"ExitCode\":%d,\"Reason\":\"%s\",\"Signal\":\"%s\",\"OOMKilled\":%s}\n", o->code,
             o->reason, o->signal, o->oom ? "true" : "false");
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &m->cl[i];
        if (cl->fd < 0 || (cl->mode == 'w') != waiters)
            continue;
        if (cl->mode == 'w')
            sb_puts(&cl->out, line);
        /* blocking now: the rest of the output must arrive */
        int fl = fcntl(cl->fd, F_GETFL);
        fcntl(cl->fd, F_SETFL, fl & ~O_NONBLOCK);
        struct timeval tv = {5, 0};
        setsockopt(cl->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        while (cl->fd >= 0 && cl->off < cl->out.len) {
            ssize_t w = send(cl->fd, cl->out.s + cl->off, cl->out.len - cl->off, MSG_NOSIGNAL);
            if (w <= 0)
                break;
            cl->off += (size_t)w;
        }
        client_close(cl);
    }
}

/* docker's restart policies; the delay doubles from 100 ms up to a minute
 * and starts over after a run of 10 s or more. */
static bool should_restart(struct mon *m, const struct outcome *o, int *count)
{
    ctr_reload_state(m->c, NULL);
    if (json_is_true(obj(m->c->state, "ManualStop")) || json_is_true(obj(m->c->state, "Removing")))
        return false;
    /* the policy as recorded now (docker update may have changed it) */
    struct ctr *now = NULL;
    json_t *cfg = ctr_load(m->e, m->c->id, &now, NULL) == 0 ? now->cfg : m->c->cfg;
    json_t *rp = obj(obj(cfg, "HostConfig"), "RestartPolicy");
    const char *name = json_string_value(obj(rp, "Name"));
    json_int_t max = json_integer_value(obj(rp, "MaximumRetryCount"));
    bool again = name != NULL && *name && strcmp(name, "no") != 0 &&
                 !(strcmp(name, "on-failure") == 0 && (o->code == 0 || (max > 0 && *count >= max)));
    ctr_free(now);
    return again;
}

static void remove_container(struct mon *m)
{
    set_state(m, json_pack("{s:s}", "Status", "removing"));
    ctr_net_remove(m->e, m->c);
    sk_event_container(m->e, m->c->cfg, "destroy", NULL);
    char sock[PATH_MAX + 4], cfg[PATH_MAX + 16];
    snprintf(sock, sizeof sock, "%s.a", m->c->sockbase);
    unlink(sock);
    snprintf(cfg, sizeof cfg, "%s/config.json", m->c->dir); /* the record first */
    unlink(cfg);
    sk_rm_rf(m->c->rundir, NULL);
    sk_rm_rf(m->c->dir, NULL);
}

static int setup_signals(struct mon *m)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return m->sig_fd < 0 ? -1 : 0;
}

int sk_monitor_main(const struct sk_engine_opts *o, const char *id, int sync_fd, bool attach_wait)
{
    struct mon m = {.sync_fd = sync_fd, .listen_fd = -1, .sig_fd = -1, .out_fd = -1, .err_fd = -1,
                    .in_fd = -1};
    for (int i = 0; i < MAX_CLIENTS; i++)
        m.cl[i].fd = -1;
    m.attach_wait = attach_wait;
    sk_error err;
    signal(SIGPIPE, SIG_IGN);
    if (chdir("/") < 0 || setup_signals(&m) < 0) {
        report(&m, "error monitor: %s", strerror(errno));
        return 1;
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* processes the container leaves behind come to us */
    prctl(PR_SET_NAME, "skiff-monitor");
    if (sk_engine_open(o, &m.e, &err) < 0 || ctr_load(m.e, id, &m.c, &err) < 0) {
        report(&m, "error %s", err.msg);
        return 1;
    }
    json_t *lc = obj(obj(obj(m.c->cfg, "HostConfig"), "LogConfig"), "Config");
    char logpath[PATH_MAX + 80], sock[PATH_MAX + 16];
    snprintf(logpath, sizeof logpath, "%s/%s-json.log", m.c->dir, m.c->id);
    snprintf(sock, sizeof sock, "%s.a", m.c->sockbase);
    if (sk_mkdir_p(m.c->rundir, 0700, &err) < 0 ||
        logfile_open(&m.log, logpath, json_string_value(obj(lc, "max-size")),
                     json_string_value(obj(lc, "max-file")), &err) < 0 ||
        (m.listen_fd = listen_unix(sock, &err)) < 0) {
        report(&m, "error %s", err.msg);
        return 1;
    }
    /* one monitor per container: a second start finds the first alive */
    int lock = ctr_lock(m.c, &err);
    if (lock < 0 || ctr_reload_state(m.c, &err) < 0) {
        report(&m, "error %s", err.msg);
        return 1;
    }
    if (ctr_monitor_alive(m.c)) {
        close(lock);
        report(&m, "error container %.12s is already running", m.c->id);
        return 1;
    }
    json_object_set_new(m.c->state, "MonitorPid", json_integer(getpid()));
    json_object_set_new(m.c->state, "MonitorStart", json_integer((json_int_t)rt_pid_start_time(getpid())));
    int saved = ctr_save_state(m.c, &err);
    close(lock);
    if (saved < 0) {
        report(&m, "error %s", err.msg);
        return 1;
    }
    health_init(&m.h, obj(m.c->cfg, "Config"));
    int restarts = (int)json_integer_value(obj(m.c->state, "RestartCount"));
    int delay_ms = 100;
    for (;;) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (start_container(&m, &err) < 0) {
            report(&m, "error %s", err.msg);
            char now[40];
            sk_now(now, sizeof now);
            set_state(&m, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}", "Status",
                                    restarts ? "exited" : "created", "Pid", 0, "ExitCode",
                                    start_error_code(err.msg), "Error", err.msg, "FinishedAt", now,
                                    "Reason", "runtime_error"));
            break;
        }
        m.exited = false;
        loop(&m);
        if (!m.exited) { /* the loop failed: the process still needs its reaping */
            int st;
            if (waitpid(m.pid, &st, 0) == m.pid)
                m.wstatus = st;
        }
        struct outcome out;
        finish(&m, &out);
        notify(&m, &out, false);
        if (!should_restart(&m, &out, &restarts)) {
            /* --rm: gone before the waiters hear of the end, as docker run --rm */
            if (json_is_true(obj(obj(m.c->cfg, "HostConfig"), "AutoRemove")))
                remove_container(&m);
            notify(&m, &out, true);
            break;
        }
        notify(&m, &out, true);
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec >= 10)
            delay_ms = 100;
        restarts++;
        set_state(&m, json_pack("{s:s, s:i}", "Status", "restarting", "RestartCount", restarts));
        json_object_set_new(m.c->cfg, "RestartCount", json_integer(restarts));
        usleep((useconds_t)delay_ms * 1000);
        delay_ms = delay_ms * 2 > 60000 ? 60000 : delay_ms * 2;
        ctr_reload_state(m.c, NULL);
        if (json_is_true(obj(m.c->state, "ManualStop"))) {
            set_state(&m, json_pack("{s:s}", "Status", "exited"));
            break;
        }
    }
    logfile_close(&m.log);
    health_free(&m.h);
    ctr_net_dns_close(m.dns);
    close(m.listen_fd);
    unlink(sock);
    if (json_is_true(obj(obj(m.c->cfg, "HostConfig"), "AutoRemove")) && access(m.c->dir, F_OK) == 0)
        remove_container(&m); /* it never ran */
    ctr_reload_state(m.c, NULL);
    if (access(m.c->dir, F_OK) == 0 && !json_is_true(obj(m.c->state, "Removing")))
        set_state(&m, json_pack("{s:i}", "MonitorPid", 0));
    ctr_free(m.c);
    sk_engine_close(m.e);
    return 0;
}

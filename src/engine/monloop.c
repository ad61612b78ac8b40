/* monloop.c - a running container's monitor loop (monloop.h). */
#define _GNU_SOURCE
#include "engine/monloop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_BUF_MAX (8u << 20)

void monloop_init(struct monloop *m)
{
    memset(m, 0, sizeof *m);
    m->listen_fd = m->sig_fd = m->out_fd = m->err_fd = m->in_fd = m->exe_fd = -1;
    m->log.fd = -1;
    for (int i = 0; i < MON_MAX_CLIENTS; i++)
        m->cl[i].fd = -1;
}

/* recv with room for two passed fds (-1 for those that did not come) */
static ssize_t recv_with_fds(int fd, char *buf, size_t len, int passed[2])
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(2 * sizeof(int))];
    } u;
    struct iovec iov = {buf, len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    passed[0] = passed[1] = -1;
    ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; c != NULL; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        memcpy(passed, CMSG_DATA(c), (k > 2 ? 2 : k) * sizeof(int));
        for (size_t i = 2; i < k; i++) { /* more than we take: not left open */
            int extra;
            memcpy(&extra, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            close(extra);
        }
    }
    return n;
}

static void close_passed(const int passed[2])
{
    for (int i = 0; i < 2; i++)
        if (passed[i] >= 0)
            close(passed[i]);
}

/* A detached exec's terminal (mode 'p'): drained from now on. */
static void add_drain(struct monloop *m, int fd)
{
    if (fd < 0)
        return;
    if (m->ndrain == MON_MAX_DRAINS) {
        close(fd); /* the exec then blocks once its terminal is full */
        return;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    m->drain[m->ndrain++] = fd;
}

static void drain(struct monloop *m, int i)
{
    char buf[4096];
    ssize_t n = read(m->drain[i], buf, sizeof buf);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
        return;
    close(m->drain[i]); /* EOF, or EIO: the exec's side is closed */
    m->drain[i] = m->drain[--m->ndrain];
}

/* ---- attach clients ------------------------------------------------------------ */

static void client_close(struct mon_client *cl)
{
    if (cl->fd >= 0)
        close(cl->fd);
    sb_free(&cl->out);
    memset(cl, 0, sizeof *cl);
    cl->fd = -1;
}

static void client_flush(struct mon_client *cl)
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

static void client_send(struct mon_client *cl, const void *data, size_t len)
{
    if (cl->out.len - cl->off + len > CLIENT_BUF_MAX) {
        client_close(cl); /* too slow a reader: it would hold the container back */
        return;
    }
    sb_add(&cl->out, data, len);
    client_flush(cl);
}

static void broadcast(struct monloop *m, int stream, const char *data, size_t len)
{
    unsigned char hdr[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24),
                            (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len};
    for (int i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *cl = &m->cl[i];
        if (cl->fd < 0 || (cl->mode != 'a' && cl->mode != 'o'))
            continue;
        if (!m->tty)
            client_send(cl, hdr, sizeof hdr);
        if (cl->fd >= 0)
            client_send(cl, data, len);
    }
}

static void accept_client(struct monloop *m)
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
    for (int i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->cl[i].fd < 0) {
            m->cl[i].fd = fd;
            return;
        }
    close(fd);
}

void monloop_accept_pending(struct monloop *m, int wait_ms)
{
    for (int k = 0; m->listen_fd >= 0 && k < 4; k++) {
        struct pollfd p = {m->listen_fd, POLLIN, 0};
        if (poll(&p, 1, k == 0 ? wait_ms : 0) != 1)
            break;
        accept_client(m);
    }
    for (int i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *cl = &m->cl[i];
        struct pollfd p = {cl->fd, POLLIN, 0};
        char mode;
        int passed[2];
        if (cl->fd < 0 || cl->mode != 0 || poll(&p, 1, wait_ms) != 1)
            continue;
        if (recv_with_fds(cl->fd, &mode, 1, passed) == 1 && strchr("aowr", mode))
            cl->mode = mode;
        else
            client_close(cl);
        close_passed(passed); /* only 'p' and 'n' bring some: not before the start, nor at the end */
    }
}

static void close_stdin(struct monloop *m)
{
    if (m->in_fd >= 0 && !m->tty) { /* a terminal has no end of input to give */
        close(m->in_fd);
        m->in_fd = -1;
    }
}

static void resize(struct monloop *m, const char *text)
{
    unsigned rows = 0, cols = 0;
    if (m->tty && m->out_fd >= 0 && sscanf(text, "%u %u", &rows, &cols) == 2 && rows && cols &&
        rows < 10000 && cols < 10000) {
        struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
        ioctl(m->out_fd, TIOCSWINSZ, &ws);
    }
}

static void client_input(struct monloop *m, struct mon_client *cl)
{
    static char buf[16384];
    int passed[2] = {-1, -1};
    ssize_t n = cl->mode == 0 ? recv_with_fds(cl->fd, buf, sizeof buf - 1, passed)
                              : recv(cl->fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    if (n >= 1 && cl->mode == 0 && (buf[0] == 'p' || buf[0] == 'n')) {
        if (buf[0] == 'p') { /* a detached exec's terminal */
            add_drain(m, passed[0]);
            passed[0] = -1;
        } else if (passed[0] >= 0 && passed[1] >= 0 && m->name_server != NULL) {
            /* the container joined a user network: its name server's UDP and TCP sockets */
            m->name_server(m->ud, passed[0], passed[1]);
            passed[0] = passed[1] = -1;
        }
        close_passed(passed);
        client_close(cl);
        return;
    }
    close_passed(passed);
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
        buf[n] = '\0';
        resize(m, buf + off);
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

/* ---- output and the end ------------------------------------------------------------- */

/* Read what one stream has: false at its end. */
static bool pump(struct monloop *m, int *fd, int stream)
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

void monloop_write_exit(const char *path, int st)
{
    char tmp[4200], now[40], text[160];
    logfile_now(now, sizeof now);
    int n = snprintf(text, sizeof text, "{\"ExitCode\":%d,\"Signal\":%d,\"FinishedAt\":\"%s\"}",
                     WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st),
                     WIFSIGNALED(st) ? WTERMSIG(st) : 0, now);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    bool ok = write(fd, text, (size_t)n) == n;
    close(fd);
    if (!ok || rename(tmp, path) < 0)
        unlink(tmp);
}

void monloop_reap(struct monloop *m)
{
    struct signalfd_siginfo si;
    while (m->sig_fd >= 0 && read(m->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
    }
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p == m->pid) {
            m->wstatus = st;
            m->exited = true;
            if (m->exit_path[0] != '\0') /* on record the moment it is known */
                monloop_write_exit(m->exit_path, st);
            if (m->ended)
                m->ended(m->ud);
        } else if (m->reaped) {
            m->reaped(m->ud, p, st);
        }
    }
}

int64_t sk_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void monloop_run(struct monloop *m)
{
    enum { FIXED = 4 };
    for (;;) {
        struct pollfd p[FIXED + MON_MAX_HOOKS + MON_MAX_DRAINS + MON_MAX_CLIENTS + MON_MAX_PROXIES + 2 * MON_MAX_CONNS];
        int n = 0;
        p[n++] = (struct pollfd){m->sig_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->listen_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->out_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->err_fd, POLLIN, 0};
        for (int i = 0; i < m->nhooks; i++) {
            const struct mon_hook *h = &m->hooks[i];
            p[n++] = (struct pollfd){m->exited && h->while_running ? -1 : *h->fd, POLLIN, 0};
        }
        int first_drain = n;
        for (int i = 0; i < m->ndrain; i++)
            p[n++] = (struct pollfd){m->drain[i], POLLIN, 0};
        int first_client = n;
        for (int i = 0; i < MON_MAX_CLIENTS; i++) {
            struct mon_client *cl = &m->cl[i];
            short ev = cl->read_eof ? 0 : POLLIN;
            if (cl->fd >= 0 && cl->off < cl->out.len)
                ev |= POLLOUT;
            p[n++] = (struct pollfd){cl->fd, ev, 0};
        }
        int first_proxy = n;
        n += monproxy_pollfds(m, p + n);
        bool drained = m->out_fd < 0 && m->err_fd < 0;
        if (m->exited && drained)
            return;
        /* after the exit, output still in the pipes is read without waiting */
        int timeout = m->exited ? 200 : -1;
        if (!m->exited && m->deadline_ms > 0) {
            /* (a proxied connection is handed on between two transfers) */
            int64_t left = m->deadline_ms - sk_monotonic_ms();
            if (left <= 0 && monproxy_quiet(m))
                return;
            timeout = left <= 0 ? 10 : (int)left;
        }
        int r = poll(p, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR)
            return;
        if (r == 0 && m->exited)
            return; /* a process outside the container holds the pipe: stop waiting */
        if (r == 0)
            continue; /* the deadline: seen at the top */
        if (p[0].revents)
            monloop_reap(m);
        if (p[1].revents)
            accept_client(m);
        if (p[2].revents)
            pump(m, &m->out_fd, 1);
        if (p[3].revents)
            pump(m, &m->err_fd, 2);
        for (int i = 0; i < m->nhooks; i++)
            if (p[FIXED + i].revents)
                m->hooks[i].fn(m->ud);
        for (int i = m->ndrain - 1; i >= 0; i--) /* from the end: drain() may move the last here */
            if (p[first_drain + i].revents && p[first_drain + i].fd == m->drain[i])
                drain(m, i);
        for (int i = 0; i < MON_MAX_CLIENTS; i++) {
            struct pollfd *q = &p[first_client + i];
            struct mon_client *cl = &m->cl[i];
            if (q->fd < 0 || cl->fd != q->fd)
                continue;
            if (q->revents & POLLOUT)
                client_flush(cl);
            if (cl->fd >= 0 && (q->revents & (POLLHUP | POLLERR)) && cl->read_eof)
                client_close(cl);
            else if (cl->fd >= 0 && (q->revents & (POLLIN | POLLHUP | POLLERR)))
                client_input(m, cl);
        }
        monproxy_events(m, p + first_proxy);
    }
}

void monloop_flush(struct monloop *m, bool waiters, const char *line, bool close)
{
    for (int i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *cl = &m->cl[i];
        if (cl->fd < 0 || (cl->mode == 'w') != waiters)
            continue;
        if (cl->mode == 'w' && line != NULL)
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
        if (close) {
            client_close(cl);
        } else {
            fcntl(cl->fd, F_SETFL, fl);
            cl->out.len = cl->off = 0;
        }
    }
}

void monloop_free(struct monloop *m)
{
    for (int i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->cl[i].fd >= 0)
            client_close(&m->cl[i]);
    logfile_close(&m->log);
    for (int i = 0; i < m->ndrain; i++)
        close(m->drain[i]);
    m->ndrain = 0;
    monproxy_free(m);
    free(m->held);
    m->held = NULL;
    m->nheld = 0;
}

/* ---- the hand-over ------------------------------------------------------------------
 * One "key=value" a line; paths last on theirs.  Every fd named is made
 * inheritable. */

static int inherit(int fd)
{
    return fd < 0 ? 0 : fcntl(fd, F_SETFD, 0);
}

int monloop_export(struct monloop *m, char *buf, size_t cap)
{
    if (strchr(m->exit_path, '\n') || strchr(m->log.path, '\n') || strchr(m->user, '\n'))
        return -1;
    struct strbuf b = {0};
    sb_printf(&b, "listen=%d\nout=%d\nerr=%d\nin=%d\ntty=%d\npid=%d\nexited=%d\nstatus=%d\nexe=%d\n",
              m->listen_fd, m->out_fd, m->err_fd, m->in_fd, m->tty, (int)m->pid, m->exited,
              m->wstatus, m->exe_fd);
    sb_printf(&b, "logmax=%s\nlogfiles=%s\nuser=%s\nclients=", m->log_max_size, m->log_max_file, m->user);
    int rc = inherit(m->listen_fd) | inherit(m->out_fd) | inherit(m->err_fd) | inherit(m->in_fd) |
             inherit(m->exe_fd);
    for (int i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->cl[i].fd >= 0 && m->cl[i].off == m->cl[i].out.len) {
            /* '?': connected, its first byte (what it wants) not read yet - a
             * stop's or a wait's connection made as the container ended */
            sb_printf(&b, "%d%c%s,", m->cl[i].fd, m->cl[i].mode ? m->cl[i].mode : '?',
                      m->cl[i].read_eof ? "e" : "");
            rc |= inherit(m->cl[i].fd);
        }
    sb_puts(&b, "\ndrain=");
    for (int i = 0; i < m->ndrain; i++) {
        sb_printf(&b, "%d,", m->drain[i]);
        rc |= inherit(m->drain[i]);
    }
    sb_puts(&b, "\nheld=");
    for (size_t i = 0; i < m->nheld; i++) {
        sb_printf(&b, "%d,", m->held[i]);
        rc |= inherit(m->held[i]);
    }
    sb_puts(&b, "\n");
    monproxy_export(m, &b, inherit);
    sb_printf(&b, "log=%s\nexit=%s\n", m->log.path, m->exit_path);
    bool fits = !b.oom && b.len < cap && rc == 0;
    if (fits)
        memcpy(buf, b.s, b.len + 1);
    sb_free(&b);
    return fits ? 0 : -1;
}

/* The value of key in text (up to the end of its line), copied to out. */
static bool field(const char *text, const char *key, char *out, size_t cap)
{
    size_t k = strlen(key);
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, k) != 0 || p[k] != '=')
            continue;
        const char *v = p + k + 1, *end = strchr(v, '\n');
        size_t n = end ? (size_t)(end - v) : strlen(v);
        if (n >= cap)
            return false;
        memcpy(out, v, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

static bool int_field(const char *text, const char *key, int min, int *out)
{
    char v[24], *end;
    if (!field(text, key, v, sizeof v))
        return false;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < min || x > INT_MAX)
        return false;
    *out = (int)x;
    return true;
}

/* "3a,4we,5?," -> the clients (? a mode not known yet); "5,6," -> the held fds, or the drained ones */
static bool fd_list(struct monloop *m, const char *list, int what)
{
    bool clients = what == 'c';
    int k = 0;
    for (const char *p = list; *p;) {
        char *end;
        long fd = strtol(p, &end, 10);
        if (end == p || fd < 0 || fd > INT_MAX)
            return false;
        p = end;
        if (clients) {
            if (k >= MON_MAX_CLIENTS || !*p || !strchr("aowr?", *p))
                return false;
            m->cl[k] = (struct mon_client){.fd = (int)fd, .mode = *p == '?' ? 0 : *p};
            p++;
            if (*p == 'e')
                m->cl[k].read_eof = true, p++;
            k++;
        } else if (what == 'd') {
            if (m->ndrain == MON_MAX_DRAINS)
                return false;
            m->drain[m->ndrain++] = (int)fd;
        } else {
            int *h = realloc(m->held, (m->nheld + 1) * sizeof *h);
            if (h == NULL)
                return false;
            m->held = h;
            m->held[m->nheld++] = (int)fd;
        }
        if (*p++ != ',')
            return false;
    }
    return true;
}

int monloop_import(struct monloop *m, const char *text)
{
    int tty = 0, pid = 0, exited = 0;
    char clients[MON_MAX_CONNS * 24], *held = malloc(strlen(text) + 1);
    bool ok = held != NULL && int_field(text, "listen", -1, &m->listen_fd) &&
              int_field(text, "out", -1, &m->out_fd) && int_field(text, "err", -1, &m->err_fd) &&
              int_field(text, "in", -1, &m->in_fd) && int_field(text, "tty", 0, &tty) &&
              int_field(text, "pid", 1, &pid) && int_field(text, "exited", 0, &exited) &&
              int_field(text, "status", 0, &m->wstatus) && int_field(text, "exe", -1, &m->exe_fd) &&
              field(text, "logmax", m->log_max_size, sizeof m->log_max_size) &&
              field(text, "logfiles", m->log_max_file, sizeof m->log_max_file) &&
              field(text, "user", m->user, sizeof m->user) &&
              field(text, "clients", clients, sizeof clients) && fd_list(m, clients, 'c') &&
              field(text, "drain", clients, sizeof clients) && fd_list(m, clients, 'd') &&
              field(text, "held", held, strlen(text) + 1) && fd_list(m, held, 'h') &&
              field(text, "proxy", held, strlen(text) + 1) &&
              field(text, "conns", clients, sizeof clients) && monproxy_import(m, held, clients) &&
              field(text, "log", m->log.path, sizeof m->log.path) &&
              field(text, "exit", m->exit_path, sizeof m->exit_path);
    free(held);
    m->tty = tty != 0;
    m->pid = (pid_t)pid;
    m->exited = exited != 0;
    return ok ? 0 : -1;
}

void monloop_cloexec(struct monloop *m)
{
    int fds[] = {m->listen_fd, m->out_fd, m->err_fd, m->in_fd, m->exe_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    for (int i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->cl[i].fd >= 0)
            fcntl(m->cl[i].fd, F_SETFD, FD_CLOEXEC);
    for (size_t i = 0; i < m->nheld; i++)
        fcntl(m->held[i], F_SETFD, FD_CLOEXEC);
    for (int i = 0; i < m->ndrain; i++)
        fcntl(m->drain[i], F_SETFD, FD_CLOEXEC);
    monproxy_cloexec(m);
}

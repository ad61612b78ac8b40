/* monproxy.c - published ports served in user space by the monitor loop
 * (monloop.h): where the kernel's DNAT cannot serve a host port (IPv6's
 * ::1, which has no route_localnet; an IPv6 host address of a container
 * that has only IPv4), the port's held socket listens, and each connection
 * is joined to one the monitor opens to the container.  TCP only.
 *
 * A connection is two non-blocking sockets and a pipe each way: the bytes
 * move by splice(2), socket to pipe to socket, never copied through the
 * monitor (nothing stays resident for an idle port, and what is in flight
 * is the kernel's pages).  Half-closes go through (a client's shutdown
 * reaches the container as one), a reset ends both sides. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/monloop.h"

#define PIPE_CAP 65536 /* the kernel's default pipe size (larger ones measured no faster) */

struct pipe_dir {
    int r, w;     /* the pipe (-1 until the connection is up) */
    size_t held;  /* bytes in it */
    size_t cap;   /* its size */
    bool eof;     /* the source's read side ended */
    bool shut;    /* shutdown(SHUT_WR) passed on to the sink */
};

struct mon_conn {
    int a, b;        /* the client's, ours to the container (-1: unused) */
    bool connecting; /* b's connect is under way */
    struct pipe_dir ab, ba;
};

int monloop_add_proxy(struct monloop *m, int fd, const char *addr, int port)
{
    if (m->nproxy == MON_MAX_PROXIES || port < 1 || port > 65535)
        return -1;
    struct mon_proxy *p = &m->proxy[m->nproxy];
    memset(p, 0, sizeof *p);
    p->to.sin6_family = AF_INET6;
    p->to.sin6_port = htons((uint16_t)port);
    char mapped[64];
    if (strchr(addr, ':') == NULL) { /* IPv4, reached through a dual-stack socket */
        snprintf(mapped, sizeof mapped, "::ffff:%s", addr);
        addr = mapped;
    }
    if (inet_pton(AF_INET6, addr, &p->to.sin6_addr) != 1 || listen(fd, 128) < 0)
        return -1;
    p->fd = fd;
    m->nproxy++;
    return 0;
}

static void dir_close(struct pipe_dir *d)
{
    if (d->r >= 0)
        close(d->r);
    if (d->w >= 0)
        close(d->w);
}

static void conn_close(struct mon_conn *c)
{
    if (c->a >= 0)
        close(c->a);
    if (c->b >= 0)
        close(c->b);
    dir_close(&c->ab);
    dir_close(&c->ba);
    memset(c, 0, sizeof *c);
    c->a = c->b = c->ab.r = c->ab.w = c->ba.r = c->ba.w = -1;
}

static bool dir_open(struct pipe_dir *d)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return false;
    d->r = p[0];
    d->w = p[1];
    int cap = fcntl(d->w, F_GETPIPE_SZ);
    d->cap = cap > 0 ? (size_t)cap : PIPE_CAP;
    return true;
}

static struct mon_conn *free_conn(struct monloop *m)
{
    if (m->conn == NULL) {
        m->conn = calloc(MON_MAX_CONNS, sizeof *m->conn);
        if (m->conn == NULL)
            return NULL;
        for (int i = 0; i < MON_MAX_CONNS; i++) {
            struct mon_conn *c = &m->conn[i];
            c->a = c->b = c->ab.r = c->ab.w = c->ba.r = c->ba.w = -1;
        }
    }
    for (int i = 0; i < MON_MAX_CONNS; i++)
        if (m->conn[i].a < 0)
            return &m->conn[i];
    return NULL;
}

static void proxy_accept(struct monloop *m, struct mon_proxy *p)
{
    struct mon_conn *c = free_conn(m);
    if (c == NULL)
        return;
    int a = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (a < 0)
        return;
    int b = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    c->a = a;
    c->b = b;
    if (b < 0 || !dir_open(&c->ab) || !dir_open(&c->ba) ||
        (connect(b, (struct sockaddr *)&p->to, sizeof p->to) < 0 && errno != EINPROGRESS)) {
        conn_close(c); /* the client sees its connection closed */
        return;
    }
    c->connecting = true;
}

/* Move what from has through the pipe into to, until neither side can
 * take more; false on an error (a reset). */
static bool pump_dir(int from, int to, struct pipe_dir *d)
{
    for (;;) {
        bool moved = false;
        if (d->held < d->cap && !d->eof) {
            ssize_t n = splice(from, NULL, d->w, NULL, d->cap - d->held, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n > 0) {
                d->held += (size_t)n;
                moved = true;
            } else if (n == 0) {
                d->eof = true;
            } else if (errno != EAGAIN && errno != EINTR) {
                return false;
            }
        }
        if (d->held > 0) {
            ssize_t w = splice(d->r, NULL, to, NULL, d->held, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (w > 0) {
                d->held -= (size_t)w;
                moved = true;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                return false;
            }
        }
        if (!moved)
            break;
    }
    if (d->eof && d->held == 0 && !d->shut) { /* the end of this direction goes through */
        shutdown(to, SHUT_WR);
        d->shut = true;
    }
    return true;
}

static void conn_events(struct mon_conn *c, short ra, short rb)
{
    if (c->connecting) {
        int e = 0;
        socklen_t l = sizeof e;
        if (!(rb & (POLLOUT | POLLERR | POLLHUP)))
            return;
        if (getsockopt(c->b, SOL_SOCKET, SO_ERROR, &e, &l) < 0 || e != 0) {
            conn_close(c);
            return;
        }
        c->connecting = false;
    }
    if (!pump_dir(c->a, c->b, &c->ab) || !pump_dir(c->b, c->a, &c->ba) || (c->ab.shut && c->ba.shut) ||
        ((ra | rb) & POLLERR)) {
        conn_close(c);
        return;
    }
}

int monproxy_pollfds(struct monloop *m, struct pollfd *p)
{
    int n = 0, busy = 0;
    for (int i = 0; m->conn != NULL && i < MON_MAX_CONNS; i++)
        busy += m->conn[i].a >= 0;
    for (int i = 0; i < m->nproxy; i++) /* all taken: the next ones wait in the backlog */
        p[n++] = (struct pollfd){busy < MON_MAX_CONNS ? m->proxy[i].fd : -1, POLLIN, 0};
    for (int i = 0; m->conn != NULL && i < MON_MAX_CONNS; i++) {
        struct mon_conn *c = &m->conn[i];
        short ea = 0, eb = 0;
        if (c->a >= 0 && c->connecting) {
            eb = POLLOUT;
        } else if (c->a >= 0) {
            if (c->ab.held < c->ab.cap && !c->ab.eof)
                ea |= POLLIN;
            if (c->ba.held > 0)
                ea |= POLLOUT;
            if (c->ba.held < c->ba.cap && !c->ba.eof)
                eb |= POLLIN;
            if (c->ab.held > 0)
                eb |= POLLOUT;
        }
        /* a side with nothing to do is not watched: its POLLHUP would come back at once */
        p[n++] = (struct pollfd){ea ? c->a : -1, ea, 0};
        p[n++] = (struct pollfd){eb ? c->b : -1, eb, 0};
    }
    m->conns_polled = m->conn != NULL;
    return n;
}

void monproxy_events(struct monloop *m, const struct pollfd *p)
{
    int n = 0;
    for (int i = 0; i < m->nproxy; i++, n++)
        if (p[n].revents & POLLIN)
            proxy_accept(m, &m->proxy[i]);
    /* slot i's entries are p[n], p[n + 1] (none when no slot existed at the poll; a
     * connection accepted just now had none watched: no events) */
    for (int i = 0; m->conns_polled && m->conn != NULL && i < MON_MAX_CONNS; i++, n += 2) {
        struct mon_conn *c = &m->conn[i];
        if (c->a >= 0 && (p[n].revents || p[n + 1].revents))
            conn_events(c, p[n].revents, p[n + 1].revents);
    }
}

bool monproxy_quiet(const struct monloop *m)
{
    for (int i = 0; m->conn != NULL && i < MON_MAX_CONNS; i++) {
        const struct mon_conn *c = &m->conn[i];
        if (c->a >= 0 && (c->connecting || c->ab.held > 0 || c->ba.held > 0))
            return false;
    }
    return true;
}

void monproxy_free(struct monloop *m)
{
    for (int i = 0; m->conn != NULL && i < MON_MAX_CONNS; i++)
        if (m->conn[i].a >= 0)
            conn_close(&m->conn[i]);
    free(m->conn);
    m->conn = NULL;
    m->conns_polled = false;
    m->nproxy = 0; /* the listening fds are held ones: closed with those */
}

/* ---- the hand-over: "fd/port/addr," a port, "a/b/flags," a connection -------------- */

void monproxy_export(struct monloop *m, struct strbuf *b, int (*inherit)(int))
{
    sb_puts(b, "proxy=");
    for (int i = 0; i < m->nproxy; i++) {
        char a[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &m->proxy[i].to.sin6_addr, a, sizeof a);
        sb_printf(b, "%d/%d/%s,", m->proxy[i].fd, ntohs(m->proxy[i].to.sin6_port), a);
    }
    sb_puts(b, "\nconns=");
    for (int i = 0; !m->exited && m->conn != NULL && i < MON_MAX_CONNS; i++) {
        struct mon_conn *c = &m->conn[i];
        if (c->a < 0 || c->connecting || c->ab.held > 0 || c->ba.held > 0)
            continue; /* (none is busy: monloop_run returns when all are quiet) */
        sb_printf(b, "%d/%d/%d,", c->a, c->b, c->ab.eof | c->ba.eof << 1 | c->ba.shut << 2 | c->ab.shut << 3);
        inherit(c->a);
        inherit(c->b);
    }
    sb_puts(b, "\n");
}

static bool next_int(const char **p, char sep, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(*p, &end, 10);
    if (errno || end == *p || *end != sep || *out < 0 || *out > 65535 * 16)
        return false;
    *p = end + 1;
    return true;
}

bool monproxy_import(struct monloop *m, const char *proxies, const char *conns)
{
    for (const char *p = proxies; *p;) {
        long fd, port;
        const char *comma = strchr(p, ',');
        char addr[INET6_ADDRSTRLEN + 1];
        if (!next_int(&p, '/', &fd) || !next_int(&p, '/', &port) || comma == NULL ||
            (size_t)(comma - p) >= sizeof addr)
            return false;
        memcpy(addr, p, (size_t)(comma - p));
        addr[comma - p] = '\0';
        if (m->nproxy == MON_MAX_PROXIES || port < 1 || port > 65535)
            return false;
        struct mon_proxy *x = &m->proxy[m->nproxy++];
        x->fd = (int)fd;
        x->to = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET6, addr, &x->to.sin6_addr) != 1)
            return false;
        p = comma + 1;
    }
    for (const char *p = conns; *p;) {
        long a, b, f;
        struct mon_conn *c = free_conn(m);
        if (c == NULL || !next_int(&p, '/', &a) || !next_int(&p, '/', &b) || !next_int(&p, ',', &f))
            return false;
        c->a = (int)a;
        c->b = (int)b;
        if (!dir_open(&c->ab) || !dir_open(&c->ba))
            return false;
        c->ab.eof = f & 1;
        c->ba.eof = f & 2;
        c->ba.shut = f & 4;
        c->ab.shut = f & 8;
    }
    return true;
}

void monproxy_cloexec(struct monloop *m)
{
    for (int i = 0; m->conn != NULL && i < MON_MAX_CONNS; i++)
        if (m->conn[i].a >= 0) {
            fcntl(m->conn[i].a, F_SETFD, FD_CLOEXEC);
            fcntl(m->conn[i].b, F_SETFD, FD_CLOEXEC);
        }
}

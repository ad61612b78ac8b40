/* server.c - `skiff serve`: listeners, a process per connection, shutdown. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "api/api_int.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define MAX_LISTENERS 8
#define MAX_CONNS 1024

struct listener {
    int fd;
    bool tcp;
    char path[108]; /* a unix socket's, removed at the end */
};

static int listen_unix(const char *path, struct listener *l, sk_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return sk_err(err, ENAMETOOLONG, "unix://%s", path);
    strcpy(sa.sun_path, path);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (sk_mkdir_p(dir, 0755, err) < 0)
            return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_err(err, errno, "socket");
    /* a socket left by a server that died: replaced when nobody answers on it */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        close(fd);
        return sk_err(err, 0, "unix://%s: another server is listening there", path);
    }
    unlink(path);
    mode_t old = umask(0117); /* 0660 from the start, no window */
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0 || chmod(path, 0660) < 0 || chown(path, 0, 0) < 0 || listen(fd, 128) < 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) < 0) { /* spares race for each connection */
        int e = errno;
        close(fd);
        return sk_err(err, e, "unix://%s", path);
    }
    l->fd = fd;
    snprintf(l->path, sizeof l->path, "%s", path);
    return 0;
}

static int listen_tcp(const char *hostport, struct listener *l, sk_error *err)
{
    char host[256], *port;
    snprintf(host, sizeof host, "%s", hostport);
    if (host[0] == '[') {
        char *close_br = strchr(host, ']');
        if (close_br == NULL || close_br[1] != ':')
            return sk_err(err, 0, "tcp://%s: expected [addr]:port", hostport);
        *close_br = '\0';
        port = close_br + 2;
        memmove(host, host + 1, strlen(host));
    } else {
        port = strrchr(host, ':');
        if (port == NULL)
            return sk_err(err, 0, "tcp://%s: expected host:port", hostport);
        *port++ = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int g = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
    if (g != 0)
        return sk_err(err, 0, "tcp://%s: %s", hostport, gai_strerror(g));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    int r = fd < 0 ? -1 : setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (r == 0)
        r = bind(fd, ai->ai_addr, ai->ai_addrlen);
    if (r == 0)
        r = listen(fd, 128);
    if (r == 0)
        r = fcntl(fd, F_SETFL, O_NONBLOCK);
    int e = errno;
    freeaddrinfo(ai);
    if (r < 0) {
        if (fd >= 0)
            close(fd);
        return sk_err(err, e, "tcp://%s", hostport);
    }
    l->fd = fd;
    l->tcp = true;
    return 0;
}

static int open_listeners(char *const *hosts, struct listener *ls, size_t *n, sk_error *err)
{
    static char *const dflt[] = {"unix:///run/skiff/docker.sock", NULL};
    if (hosts == NULL || hosts[0] == NULL)
        hosts = dflt;
    for (size_t i = 0; hosts[i]; i++) {
        if (*n >= MAX_LISTENERS)
            return sk_err(err, 0, "at most %d -H addresses", MAX_LISTENERS);
        struct listener *l = &ls[*n];
        memset(l, 0, sizeof *l);
        int r;
        if (strncmp(hosts[i], "unix://", 7) == 0)
            r = listen_unix(hosts[i] + 7, l, err);
        else if (strncmp(hosts[i], "tcp://", 6) == 0)
            r = listen_tcp(hosts[i] + 6, l, err);
        else if (hosts[i][0] == '/')
            r = listen_unix(hosts[i], l, err);
        else
            r = sk_err(err, 0, "-H %s: expected unix:///path or tcp://host:port", hosts[i]);
        if (r < 0)
            return -1;
        if (l->tcp)
            sk_warn("listening on %s without TLS: anyone who reaches it is root here", hosts[i]);
        (*n)++;
    }
    return 0;
}

static void close_listeners(struct listener *ls, size_t n, bool remove)
{
    for (size_t i = 0; i < n; i++) {
        close(ls[i].fd);
        if (remove && ls[i].path[0])
            unlink(ls[i].path);
    }
}

static int write_pidfile(const char *path, sk_error *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    return sk_write_atomic(path, buf, (size_t)n, 0644, 0, err);
}

/* ---- one connection ------------------------------------------------------------------------ */

static void serve_conn(struct sk_engine *e, int fd)
{
    struct http_conn c;
    if (http_conn_init(&c, fd) < 0)
        return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on unix */
    for (;;) {
        struct http_req r;
        if (http_read_request(&c, &r) <= 0)
            break;
        if (!r.keep_alive)
            c.closing = true;
        struct api_ctx x = {.e = e, .c = &c, .r = &r};
        int rc = api_dispatch(&x);
        if (rc == 0 && !x.body_read && !c.hijacked && http_discard_body(&c, &r) < 0)
            rc = -1;
        http_req_clear(&r);
        if (rc < 0 || c.closing || c.hijacked)
            break;
    }
    http_conn_free(&c);
}

/* ---- the workers ---------------------------------------------------------------------------
 *
 * Processes are forked ahead of the connections ("spares", as Apache's
 * prefork): a spare opens the engine, waits on the listeners, accepts one
 * connection, tells the server (its pid on the notify pipe, so that the
 * server forks the next spare), serves that connection alone and exits.
 * The fork is off the request's path; a connection still has a process of
 * its own. */

#define SPARES 2

struct worker {
    pid_t pid;
    bool spare; /* not yet accepted */
};

struct pool {
    struct worker w[MAX_CONNS];
    size_t n, spares;
};

/* A spare's life: one connection (or none when the engine cannot open). */
static void spare_main(const struct api_serve_opts *o, struct listener *ls, size_t nl, int notify)
{
    struct sk_engine *e = NULL;
    sk_error err;
    if (sk_engine_open(o->engine, &e, &err) < 0) {
        sk_log(SK_LOG_ERROR, "%s", err.msg);
        sleep(1); /* the server forks another: not in a tight loop */
        return;
    }
    int fd = -1;
    while (fd < 0) {
        struct pollfd p[MAX_LISTENERS];
        for (size_t i = 0; i < nl; i++)
            p[i] = (struct pollfd){ls[i].fd, POLLIN, 0};
        if (poll(p, nl, -1) < 0 && errno != EINTR)
            break;
        for (size_t i = 0; i < nl && fd < 0; i++)
            if (p[i].revents & POLLIN)
                fd = accept4(ls[i].fd, NULL, NULL, SOCK_CLOEXEC); /* EAGAIN: another spare won */
    }
    pid_t me = getpid();
    if (write(notify, &me, sizeof me) != sizeof me) {
        /* the server is gone: serve this one anyway */
    }
    close(notify);
    close_listeners(ls, nl, false);
    if (fd >= 0) {
        serve_conn(e, fd);
        close(fd);
    }
    sk_engine_close(e);
}

static struct worker *find(struct pool *p, pid_t pid)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->w[i].pid == pid)
            return &p->w[i];
    return NULL;
}

static void reap(struct pool *p)
{
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
        struct worker *w = find(p, pid);
        if (w == NULL)
            continue;
        if (w->spare)
            p->spares--;
        *w = p->w[--p->n];
    }
}

/* End the workers: SIGTERM, then SIGKILL after 5 s. */
static void end_workers(struct pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        kill(p->w[i].pid, SIGTERM);
    for (int t = 0; p->n > 0 && t < 500; t++) {
        reap(p);
        if (p->n > 0)
            usleep(10000);
    }
    for (size_t i = 0; i < p->n; i++)
        kill(p->w[i].pid, SIGKILL);
    while (p->n > 0 && waitpid(-1, NULL, 0) > 0)
        reap(p);
}

int api_serve(const struct api_serve_opts *o, sk_error *err)
{
    struct listener ls[MAX_LISTENERS];
    size_t nl = 0;
    sigset_t mask, old;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, &old) < 0)
        return sk_err(err, errno, "sigprocmask");
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK), notify[2] = {-1, -1};
    struct pool *p = calloc(1, sizeof *p);
    int rc = -1;
    if (sfd < 0 || p == NULL || pipe2(notify, O_CLOEXEC | O_NONBLOCK) < 0)
        sk_err(err, p ? errno : ENOMEM, "serve");
    else if (open_listeners(o->hosts, ls, &nl, err) == 0 &&
             (o->pidfile == NULL || write_pidfile(o->pidfile, err) == 0))
        rc = 0;
    if (rc < 0)
        goto out;
    tzset(); /* once, not in every worker (strftime would read /etc/localtime) */
    sk_log(SK_LOG_INFO, "API listening (version 1.%d, minimum 1.%d)", API_VERSION_MAX, API_VERSION_MIN);
    for (bool done = false; !done;) {
        pid_t server = getpid();
        while (p->spares < SPARES && p->n < MAX_CONNS) {
            pid_t pid = fork();
            if (pid == 0) {
                /* a server killed outright takes its workers along: no spare
                 * left listening on a socket nobody owns */
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (getppid() != server)
                    _exit(0);
                close(sfd);
                close(notify[0]);
                free(p);
                sigprocmask(SIG_SETMASK, &old, NULL);
                spare_main(o, ls, nl, notify[1]);
                return 1; /* a worker: its caller returns from main */
            }
            if (pid < 0) {
                sk_warn("fork: %s", strerror(errno));
                break;
            }
            p->w[p->n++] = (struct worker){pid, true};
            p->spares++;
        }
        struct pollfd pf[2] = {{sfd, POLLIN, 0}, {notify[0], POLLIN, 0}};
        if (poll(pf, 2, p->spares < SPARES ? 1000 : -1) < 0 && errno != EINTR) {
            rc = sk_err(err, errno, "poll");
            break;
        }
        pid_t busy;
        while (read(notify[0], &busy, sizeof busy) == sizeof busy) {
            struct worker *w = find(p, busy);
            if (w != NULL && w->spare) {
                w->spare = false;
                p->spares--;
            }
        }
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si)
            if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                done = true;
        reap(p);
        static bool full;
        if (!full && p->n >= MAX_CONNS && p->spares == 0)
            sk_warn("%d connections open: no more until one ends", MAX_CONNS);
        full = p->n >= MAX_CONNS;
    }
    close_listeners(ls, nl, true);
    nl = 0;
    end_workers(p);
    if (o->pidfile != NULL)
        unlink(o->pidfile);
    sk_log(SK_LOG_INFO, "API server stopped");
out:
    close_listeners(ls, nl, true);
    free(p);
    if (sfd >= 0)
        close(sfd);
    if (notify[0] >= 0)
        close(notify[0]);
    if (notify[1] >= 0)
        close(notify[1]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

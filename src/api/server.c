/* server.c - `skiff serve`: listeners, a process per connection (reused), shutdown. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
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

/* Serve one connection to its end: whether its process may serve another
 * (not after a hijack). */
static bool serve_conn(struct sk_engine *e, int fd)
{
    struct http_conn c;
    if (http_conn_init(&c, fd) < 0)
        return false;
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
    bool reuse = !c.hijacked;
    http_conn_free(&c);
    return reuse;
}

/* ---- the workers ---------------------------------------------------------------------------
 *
 * Processes are forked ahead of the connections (Apache's prefork): a worker
 * opens the engine, waits on the listeners, accepts a connection and serves
 * it alone; then, with the engine opened afresh, it waits for the next.  So a
 * connection still has a process of its own while it lasts, and a request
 * finds that process warm: no fork, no first touches of copy-on-write memory
 * on its path.  A worker ends instead of waiting again after a hijacked
 * connection (its streams had processes and a terminal of their own), after
 * WORKER_CONNS connections (whatever a handler might leak stays bounded), when
 * a connection left a descriptor open, or when MAX_IDLE others already wait.
 *
 * Each worker's state is in a page shared with the server, which forks while
 * fewer than SPARES workers wait; a worker that takes a connection wakes the
 * server through the notify pipe when too few are left.  A worker's slot is
 * freed when the server reaps it, so one that was killed never counts. */

#define SPARES 2
#define MAX_IDLE (SPARES + 4) /* well apart from SPARES: back-to-back requests fork nothing */
#define WORKER_CONNS 1000

enum { SLOT_FREE, SLOT_IDLE, SLOT_BUSY };

struct pool {
    pid_t pid[MAX_CONNS]; /* the server's view; 0: a free slot */
    _Atomic int *state;   /* shared with the workers, MAX_CONNS entries */
    size_t n;             /* live workers */
};

static size_t count_idle(_Atomic int *state)
{
    size_t n = 0;
    for (size_t i = 0; i < MAX_CONNS; i++)
        n += atomic_load_explicit(&state[i], memory_order_relaxed) == SLOT_IDLE;
    return n;
}

/* The lowest descriptor not in use: a connection that left one open moves it. */
static int lowest_free_fd(int any)
{
    int fd = fcntl(any, F_DUPFD_CLOEXEC, 0);
    if (fd >= 0)
        close(fd);
    return fd;
}

/* Wait for a connection on any listener: its fd, or -1.  The waiting
 * workers share the listeners through epoll instances of their own with
 * EPOLLEXCLUSIVE, so a connection wakes one of them, not every one. */
static int accept_one(int ep, struct listener *ls)
{
    for (;;) {
        struct epoll_event ev;
        int n = epoll_wait(ep, &ev, 1, -1);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n <= 0)
            continue;
        int fd = accept4(ls[ev.data.u32].fd, NULL, NULL, SOCK_CLOEXEC); /* EAGAIN: another worker won */
        if (fd >= 0)
            return fd;
    }
}

static int listeners_epoll(struct listener *ls, size_t nl)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; ep >= 0 && i < nl; i++) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, ls[i].fd, &ev) < 0) {
            sk_log(SK_LOG_ERROR, "epoll: %s", strerror(errno));
            close(ep);
            ep = -1;
        }
    }
    return ep;
}

/* A worker's life: connections one after the other, as said above. */
static void worker_main(const struct api_serve_opts *o, struct listener *ls, size_t nl, int notify,
                        _Atomic int *state, size_t slot)
{
    int ep = listeners_epoll(ls, nl);
    if (ep < 0)
        sleep(1); /* the server forks another: not in a tight loop */
    int low = lowest_free_fd(ls[0].fd);
    for (int served = 0; ep >= 0 && served < WORKER_CONNS; served++) {
        struct sk_engine *e = NULL;
        sk_error err;
        if (sk_engine_open(o->engine, &e, &err) < 0) {
            sk_log(SK_LOG_ERROR, "%s", err.msg);
            sleep(1); /* the server forks another: not in a tight loop */
            break;
        }
        int fd = accept_one(ep, ls);
        if (fd < 0) {
            sk_engine_close(e);
            break;
        }
        atomic_store(&state[slot], SLOT_BUSY);
        char one = 1;
        if (count_idle(state) < SPARES && write(notify, &one, 1) < 0) {
            /* the pipe is full (the server wakes anyway) or the server is gone */
        }
        bool reuse = serve_conn(e, fd);
        close(fd);
        sk_engine_close(e);
        while (waitpid(-1, NULL, WNOHANG) > 0) /* a handler's child left behind */
            ;
        if (!reuse || lowest_free_fd(ls[0].fd) != low || count_idle(state) >= MAX_IDLE)
            break;
        atomic_store(&state[slot], SLOT_IDLE);
    }
    atomic_store(&state[slot], SLOT_FREE);
    if (ep >= 0)
        close(ep);
    close(notify);
    close_listeners(ls, nl, false);
}

static void reap(struct pool *p)
{
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
        for (size_t i = 0; i < MAX_CONNS; i++)
            if (p->pid[i] == pid) {
                p->pid[i] = 0;
                atomic_store(&p->state[i], SLOT_FREE);
                p->n--;
                break;
            }
}

/* End the workers: SIGTERM, then SIGKILL after 5 s. */
static void end_workers(struct pool *p)
{
    for (size_t i = 0; i < MAX_CONNS; i++)
        if (p->pid[i] > 0)
            kill(p->pid[i], SIGTERM);
    for (int t = 0; p->n > 0 && t < 500; t++) {
        reap(p);
        if (p->n > 0)
            usleep(10000);
    }
    for (size_t i = 0; i < MAX_CONNS; i++)
        if (p->pid[i] > 0)
            kill(p->pid[i], SIGKILL);
    while (p->n > 0 && waitpid(-1, NULL, 0) > 0)
        reap(p);
}

/* Fork workers until SPARES wait (or MAX_CONNS live).  1 in a worker once
 * it is done, else 0. */
static int fork_workers(const struct api_serve_opts *o, struct pool *p, struct listener *ls, size_t nl,
                        int sfd, const int notify[2], const sigset_t *old)
{
    pid_t server = getpid();
    while (count_idle(p->state) < SPARES && p->n < MAX_CONNS) {
        size_t slot = 0;
        while (p->pid[slot] != 0)
            slot++;
        atomic_store(&p->state[slot], SLOT_IDLE);
        pid_t pid = fork();
        if (pid == 0) {
            /* a server killed outright takes its workers along: no worker
             * left listening on a socket nobody owns */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != server)
                _exit(0);
            close(sfd);
            close(notify[0]);
            _Atomic int *state = p->state;
            free(p);
            sigprocmask(SIG_SETMASK, old, NULL);
            worker_main(o, ls, nl, notify[1], state, slot);
            return 1;
        }
        if (pid < 0) {
            atomic_store(&p->state[slot], SLOT_FREE);
            sk_warn("fork: %s", strerror(errno));
            return 0;
        }
        p->pid[slot] = pid;
        p->n++;
    }
    return 0;
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
    size_t shared = MAX_CONNS * sizeof *p->state;
    int rc = -1;
    if (p != NULL) {
        p->state = mmap(NULL, shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p->state == MAP_FAILED) {
            free(p);
            p = NULL;
        }
    }
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
        if (fork_workers(o, p, ls, nl, sfd, notify, &old) != 0)
            return 1; /* a worker: its caller returns from main */
        size_t idle = count_idle(p->state);
        struct pollfd pf[2] = {{sfd, POLLIN, 0}, {notify[0], POLLIN, 0}};
        if (poll(pf, 2, idle < SPARES ? 1000 : -1) < 0 && errno != EINTR) {
            rc = sk_err(err, errno, "poll");
            break;
        }
        char buf[64];
        while (read(notify[0], buf, sizeof buf) > 0)
            ;
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si)
            if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                done = true;
        reap(p);
        static bool full;
        if (!full && p->n >= MAX_CONNS && count_idle(p->state) == 0)
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
    if (p != NULL) {
        munmap((void *)p->state, shared);
        free(p);
    }
    if (sfd >= 0)
        close(sfd);
    if (notify[0] >= 0)
        close(notify[0]);
    if (notify[1] >= 0)
        close(notify[1]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

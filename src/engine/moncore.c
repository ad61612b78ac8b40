/* moncore.c - skiff-monitor: a monitor's steady state, alone (monloop.h).
 *
 *   skiff-monitor [--health FD,INTERVAL,START-INTERVAL] [--dns FD,FD,FD] -- SKIFF-ARGV...
 *   (with SKIFF_MONITOR_STATE in the environment)
 *
 * The full monitor (`skiff monitor`, monitor.c) creates and starts the
 * container, then execs this small static binary in its own process; the
 * container stays its child.  This serves the log, the attach clients and
 * the reaping until the container's process has ended and its output is
 * drained, then execs SKIFF-ARGV (`skiff ... monitor --resume ID`, through
 * the fd named in the state) with the state updated, which records how the
 * container ended and applies the restart policy and --rm.  Should this not
 * be able to take over, it goes back at once with the container still
 * running, and the full monitor carries on with the loop itself.
 *
 * What needs the engine runs as a helper: SKIFF-ARGV with --resume replaced.
 *   --health: the timerfd FD says when a check is due; each is a `monitor
 *     --health-check ID` whose exit status says which interval (ns) comes
 *     next: 0 INTERVAL, 1 START-INTERVAL (still starting).
 *   --dns: the name server's sockets (UDP, upstream, TCP listening); when a
 *     question or a connection comes, a `monitor --dns ID` gets them as fds
 *     3, 4 and 5 and serves until none has come for a while.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/monloop.h"

static char state[1 << 16];

struct helper {
    char **argv; /* SKIFF-ARGV with flag for --resume */
    pid_t pid;   /* running */
    int fds[3];  /* handed on as 3, 4 and 5 (-1: none) */
};

struct core {
    struct monloop *m;
    char **back; /* SKIFF-ARGV */
    int exe_fd;
    struct helper check, dns;
    int timer_fd; /* health checks */
    long long interval, start_interval;
    int dns_fds[3]; /* UDP, upstream, TCP */
    int dns_poll, dns_poll_tcp; /* dns_fds[0], [2] while no helper serves them, else -1 */
};

/* SKIFF-ARGV with --resume as flag (a copy). */
static char **helper_argv(char **back, const char *flag)
{
    size_t n = 0;
    while (back[n] != NULL)
        n++;
    char **argv = calloc(n + 1, sizeof *argv);
    bool found = false;
    for (size_t i = 0; argv != NULL && i < n; i++) {
        found |= strcmp(back[i], "--resume") == 0;
        argv[i] = strcmp(back[i], "--resume") == 0 ? (char *)flag : back[i];
    }
    if (!found) {
        free(argv);
        return NULL;
    }
    return argv;
}

static void spawn(struct core *k, struct helper *h)
{
    h->pid = fork();
    if (h->pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int exe = fcntl(k->exe_fd, F_DUPFD_CLOEXEC, 10);
        if (exe < 0)
            _exit(127);
        int moved[3] = {-1, -1, -1};
        for (int i = 0; i < 3; i++) /* to 3, 4, 5, by way of fds out of their way */
            if (h->fds[i] >= 0 && (moved[i] = fcntl(h->fds[i], F_DUPFD, 10)) < 0)
                _exit(127);
        for (int i = 0; i < 3; i++) {
            if (moved[i] >= 0 && (dup2(moved[i], 3 + i) < 0 || close(moved[i]) < 0))
                _exit(127);
        }
        syscall(SYS_execveat, exe, "", h->argv, environ, AT_EMPTY_PATH);
        _exit(127);
    }
    if (h->pid < 0)
        h->pid = 0;
}

static void end(struct helper *h)
{
    if (h->pid > 0) {
        kill(h->pid, SIGKILL);
        waitpid(h->pid, NULL, 0);
        h->pid = 0;
    }
}

static void arm(int fd, long long ns)
{
    struct itimerspec its = {{0, 0}, {(time_t)(ns / 1000000000LL), ns % 1000000000LL}};
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;
    timerfd_settime(fd, 0, &its, NULL);
}

static void check_due(void *ud)
{
    struct core *k = ud;
    uint64_t ticks;
    if (read(k->timer_fd, &ticks, sizeof ticks) < 0 || k->check.pid > 0)
        return;
    spawn(k, &k->check);
    if (k->check.pid == 0)
        arm(k->timer_fd, k->interval); /* try again at the next interval */
}

/* What waits for the name server dropped: the questions (the client asks
 * again), the connections (closed). */
static void drop_questions(struct core *k)
{
    char buf[512];
    while (recv(k->dns_fds[0], buf, sizeof buf, MSG_DONTWAIT) >= 0) {
    }
    int c;
    while (k->dns_fds[2] >= 0 && (c = accept4(k->dns_fds[2], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
        close(c);
}

static void question(void *ud)
{
    struct core *k = ud;
    spawn(k, &k->dns);
    if (k->dns.pid > 0)
        k->dns_poll = k->dns_poll_tcp = -1; /* its now, until it ends */
    else /* no process for it: unanswered */
        drop_questions(k);
}

static void reaped(void *ud, pid_t pid, int status)
{
    struct core *k = ud;
    if (pid == k->check.pid) {
        k->check.pid = 0;
        bool starting = WIFEXITED(status) && WEXITSTATUS(status) == 1;
        arm(k->timer_fd, starting ? k->start_interval : k->interval);
    } else if (pid == k->dns.pid) {
        k->dns.pid = 0;
        k->dns_poll = k->dns_fds[0];
        k->dns_poll_tcp = k->dns_fds[2];
        /* it failed: what it left unanswered is dropped, not the cause of another one at once */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            drop_questions(k);
    } /* else left behind by the container, or by a helper (its TCP sessions) */
}

/* network connect bound 127.0.0.11 in the container: names from now on */
static void name_server(void *ud, int fd, int tcp)
{
    struct core *k = ud;
    int up = -1, off = 0;
    if (k->dns_fds[0] < 0 && (k->dns.argv != NULL || (k->dns.argv = helper_argv(k->back, "--dns")) != NULL) &&
        k->m->nhooks + 2 <= MON_MAX_HOOKS)
        up = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (up < 0 || setsockopt(up, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
        close(fd); /* served already, or no room: they stay the other's */
        close(tcp);
        if (up >= 0)
            close(up);
        return;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(tcp, F_SETFD, FD_CLOEXEC);
    k->dns_fds[0] = k->dns.fds[0] = k->dns_poll = fd;
    k->dns_fds[1] = k->dns.fds[1] = up;
    k->dns_fds[2] = k->dns.fds[2] = k->dns_poll_tcp = tcp;
    k->m->hooks[k->m->nhooks++] = (struct mon_hook){&k->dns_poll, true, question};
    k->m->hooks[k->m->nhooks++] = (struct mon_hook){&k->dns_poll_tcp, true, question};
}

static void ended(void *ud)
{
    struct core *k = ud;
    end(&k->check);
    end(&k->dns);
}

/* The options before "--": the helpers as the loop's hooks. */
static bool setup(struct monloop *m, struct core *k, const char *health, const char *dns, char **back)
{
    *k = (struct core){.m = m, .back = back, .exe_fd = m->exe_fd, .timer_fd = -1, .dns_fds = {-1, -1, -1},
                       .dns_poll = -1, .dns_poll_tcp = -1, .check.fds = {-1, -1, -1}, .dns.fds = {-1, -1, -1}};
    m->ud = k;
    m->reaped = reaped;
    m->ended = ended;
    m->name_server = name_server;
    if (health != NULL) {
        if (sscanf(health, "%d,%lld,%lld", &k->timer_fd, &k->interval, &k->start_interval) != 3 ||
            k->timer_fd < 0 || k->interval <= 0 || k->start_interval <= 0 ||
            (k->check.argv = helper_argv(back, "--health-check")) == NULL)
            return false;
        fcntl(k->timer_fd, F_SETFD, FD_CLOEXEC);
        m->hooks[m->nhooks++] = (struct mon_hook){&k->timer_fd, true, check_due};
    }
    if (dns != NULL) {
        if (sscanf(dns, "%d,%d,%d", &k->dns_fds[0], &k->dns_fds[1], &k->dns_fds[2]) != 3 ||
            k->dns_fds[0] < 0 || k->dns_fds[1] < 0 || k->dns_fds[2] < -1 ||
            (k->dns.argv = helper_argv(back, "--dns")) == NULL)
            return false;
        for (int i = 0; i < 3; i++) {
            if (k->dns_fds[i] >= 0)
                fcntl(k->dns_fds[i], F_SETFD, FD_CLOEXEC);
            k->dns.fds[i] = k->dns_fds[i];
        }
        k->dns_poll = k->dns_fds[0];
        k->dns_poll_tcp = k->dns_fds[2];
        m->hooks[m->nhooks++] = (struct mon_hook){&k->dns_poll, true, question};
        m->hooks[m->nhooks++] = (struct mon_hook){&k->dns_poll_tcp, true, question};
    }
    return true;
}

/* What starting up touched of our code stays mapped, and counts as
 * resident, for as long as we live; most of it never runs again.  The
 * executable mapping is let go (code is never written: it comes back from
 * the page cache, a page at a time, when it runs). */
static void drop_code_pages(void)
{
    char exe[4096], maps[8192];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    ssize_t len = fd >= 0 ? read(fd, maps, sizeof maps - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0 || len <= 0)
        return;
    exe[n] = '\0';
    maps[len] = '\0';
    for (char *l = maps, *next; l != NULL && *l; l = next) {
        next = strchr(l, '\n');
        if (next != NULL)
            *next++ = '\0';
        unsigned long lo, hi;
        char perms[8];
        const char *path = strchr(l, '/');
        if (sscanf(l, "%lx-%lx %7s", &lo, &hi, perms) == 3 && strcmp(perms, "r-xp") == 0 &&
            path != NULL && strcmp(path, exe) == 0)
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
    }
}

int main(int argc, char **argv)
{
    int back = 1;
    const char *health = NULL, *dns = NULL;
    for (; back < argc && strcmp(argv[back], "--") != 0; back++) {
        if (strcmp(argv[back], "--health") == 0 && back + 1 < argc)
            health = argv[++back];
        else if (strcmp(argv[back], "--dns") == 0 && back + 1 < argc)
            dns = argv[++back];
    }
    const char *text = getenv(MON_STATE_ENV);
    if (back + 1 >= argc || text == NULL) {
        fprintf(stderr, "skiff-monitor: internal to skiff (the monitor's steady state)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct monloop m;
    monloop_init(&m);
    bool imported = strlen(text) < sizeof state && monloop_import(&m, text) == 0 && m.exe_fd >= 0;
    if (imported) {
        monloop_cloexec(&m);
        char path[sizeof m.log.path];
        memcpy(path, m.log.path, sizeof path);
        sk_error err;
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD); /* blocked already: the full monitor blocked it */
        m.sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        struct core k;
        bool ok = setup(&m, &k, health, dns, argv + back + 1) && m.sig_fd >= 0 &&
                  logfile_open(&m.log, path, m.log_max_size[0] ? m.log_max_size : NULL,
                               m.log_max_file[0] ? m.log_max_file : NULL, &err) == 0;
        if (ok && !m.exited) {
            monloop_reap(&m); /* an end that came during the exec */
            drop_code_pages();
            monloop_run(&m);
        }
        ended(&k);
        free(k.check.argv);
        free(k.dns.argv);
        logfile_close(&m.log);
        monloop_flush(&m, false, NULL, false);
    }
    /* back to the full monitor: with the end, or, when this could not take
     * over, with the container still running */
    if (imported && monloop_export(&m, state, sizeof state) == 0)
        text = state;
    setenv(MON_STATE_ENV, text, 1);
    if (m.exe_fd >= 0)
        syscall(SYS_execveat, m.exe_fd, "", argv + back + 1, environ, AT_EMPTY_PATH);
    fprintf(stderr, "skiff-monitor: cannot go back to skiff: %s\n", strerror(errno));
    return 1;
}

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
#include "engine/monloop.h"
#include "network/dns.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/strbuf.h"
#include "util/strutil.h"

/* How long a container's first moments are served in process. */
#define HANDOFF_MS 200
/* A name server started by skiff-monitor ends after this long without a question. */
#define DNS_IDLE_MS 30000

struct mon {
    struct sk_engine *e;
    struct ctr *c;
    int sync_fd;
    bool attach_wait;
    struct monloop l; /* the output, attach clients, reaping; l.held: the host ports held */
    struct health h;
    json_t *ports;  /* published: docker's NetworkSettings.Ports */
    struct dns_server *dns; /* 127.0.0.11 on a user-defined network */
    int dns_fd[3]; /* UDP, upstream, TCP */
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

/* ---- the container -------------------------------------------------------------- */

int monitor_listen(const char *path, sk_error *err)
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
    if (m->l.tty) {
        snprintf(sockpath, sizeof sockpath, "%s.c", m->c->sockbase);
        if ((console = monitor_listen(sockpath, err)) < 0)
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
    if (m->l.tty) {
        struct pollfd p = {console, POLLIN, 0};
        int c = poll(&p, 1, 10000) == 1 ? accept4(console, NULL, NULL, SOCK_CLOEXEC) : -1;
        int master = c >= 0 ? recv_fd(c) : -1;
        if (c >= 0)
            close(c);
        if (master < 0) {
            rc = sk_err(err, 0, "the container's terminal did not arrive");
            goto out;
        }
        m->l.out_fd = master;
        m->l.in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
    } else {
        m->l.out_fd = out[0];
        m->l.err_fd = errp[0];
        m->l.in_fd = open_stdin ? in[1] : -1;
        out[0] = errp[0] = in[1] = -1;
    }
    if (m->l.out_fd >= 0)
        fcntl(m->l.out_fd, F_SETFL, O_NONBLOCK);
    if (m->l.err_fd >= 0)
        fcntl(m->l.err_fd, F_SETFL, O_NONBLOCK);
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
    monproxy_free(&m->l); /* its connections; the listeners are among the held fds */
    for (size_t i = 0; i < m->l.nheld; i++)
        close(m->l.held[i]);
    free(m->l.held);
    m->l.held = NULL;
    m->l.nheld = 0;
    json_decref(m->ports);
    m->ports = NULL;
}

/* The published ports that the monitor serves in user space. */
static int serve_proxies(struct mon *m, json_t *proxies, sk_error *err)
{
    size_t i;
    json_t *p;
    json_array_foreach(proxies, i, p)
    {
        json_int_t k = json_integer_value(obj(p, "Fd"));
        const char *to = json_string_value(obj(p, "To"));
        if (k < 0 || (size_t)k >= m->l.nheld || to == NULL ||
            monloop_add_proxy(&m->l, m->l.held[k], to, (int)json_integer_value(obj(p, "Port"))) < 0)
            return sk_err(err, errno, "published port for %s: cannot serve it", to ? to : "?");
    }
    return 0;
}

static int start_container(struct mon *m, sk_error *err)
{
    char rootfs[PATH_MAX], bundle[PATH_MAX + 16];
    m->l.tty = json_is_true(obj(obj(m->c->cfg, "Config"), "Tty"));
    m->l.out_fd = m->l.err_fd = m->l.in_fd = -1;
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
        (m->dns == NULL && ctr_net_wants_dns(m->c) && ctr_net_dns_open(m->e, m->c, NULL, &m->dns, err) < 0) ||
        write_bundle(m, rootfs, bundle, sizeof bundle, err) < 0 || create_process(m, bundle, err) < 0) {
        ctr_umount_rootfs(m->c, NULL);
        return -1;
    }
    m->l.pid = runtime_pid(m);
    char pidfile[PATH_MAX + 16], pidtext[16];
    snprintf(pidfile, sizeof pidfile, "%s/init.pid", m->c->rundir); /* for the keeper */
    sk_write_atomic(pidfile, pidtext, (size_t)snprintf(pidtext, sizeof pidtext, "%d", (int)m->l.pid), 0600, 0, NULL);
    report(m, "created");
    if (m->attach_wait && m->sync_fd >= 0) {
        /* the caller attaches now; "go" lets the process run (the first
         * start only: a restart has no caller, nor a resumed monitor) */
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
        monloop_accept_pending(&m->l, 1000);
    }
    _cleanup_json_ json_t *proxies = NULL;
    if (ctr_net_publish(m->e, m->c, &m->ports, &m->l.held, &m->l.nheld, &proxies, err) < 0 ||
        serve_proxies(m, proxies, err) < 0 || rt_start(&m->e->rt, m->c->id, err) < 0) {
        unpublish(m);
        rt_delete(&m->e->rt, m->c->id, true, NULL);
        ctr_umount_rootfs(m->c, NULL);
        return -1;
    }
    char now[40];
    sk_now(now, sizeof now);
    set_state(m, json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:i, s:b, s:o}", "Status", "running", "Pid",
                           (int)m->l.pid, "PidStart", (json_int_t)rt_pid_start_time(m->l.pid),
                           "StartedAt", now, "FinishedAt", "0001-01-01T00:00:00Z", "Error", "",
                           "ExitCode", 0, "OOMKilled", 0, "Ports", m->ports ? json_incref(m->ports) : json_object()));
    ctr_net_events(m->e, m->c, "connect");
    sk_event_container(m->e, m->c->cfg, "start", NULL);
    health_start(&m->h, m->e, m->c);
    report(m, "running %d", (int)m->l.pid);
    if (m->sync_fd >= 0) {
        close(m->sync_fd);
        m->sync_fd = -1;
    }
    /* from here on the monitor only waits: give back what creating took */
    sk_engine_release_images(m->e);
    malloc_trim(0);
    return 0;
}

static void on_health_tick(void *ud)
{
    struct mon *m = ud;
    health_tick(&m->h, m->e, m->c);
}

static void on_health_output(void *ud)
{
    health_read(&((struct mon *)ud)->h);
}

static void on_dns(void *ud)
{
    dns_serve(((struct mon *)ud)->dns);
}

static void on_reaped(void *ud, pid_t pid, int status)
{
    struct mon *m = ud;
    health_reaped(&m->h, m->e, m->c, pid, status);
}

static void set_hooks(struct mon *m);

/* network connect bound 127.0.0.11 in the container: serve names there */
static void on_name_server(void *ud, int fd, int tcp)
{
    struct mon *m = ud;
    sk_error err;
    int fds[3] = {fd, m->dns == NULL ? dns_upstream_socket(&err) : -1, tcp};
    if (fds[1] < 0 || ctr_net_dns_open(m->e, m->c, fds, &m->dns, &err) < 0) {
        if (m->dns == NULL)
            fprintf(stderr, "skiff monitor %.12s: %s\n", m->c->id, err.msg);
        close(fd);
        close(tcp);
        if (fds[1] >= 0)
            close(fds[1]);
        return;
    }
    set_hooks(m);
}

static void on_ended(void *ud)
{
    health_stop(&((struct mon *)ud)->h);
}

/* What the loop watches besides the container: health checks, names. */
static void set_hooks(struct mon *m)
{
    struct monloop *l = &m->l;
    l->nhooks = 0;
    l->ud = m;
    l->reaped = on_reaped;
    l->ended = on_ended;
    l->name_server = on_name_server;
    if (m->h.enabled) {
        l->hooks[l->nhooks++] = (struct mon_hook){&m->h.timer_fd, true, on_health_tick};
        l->hooks[l->nhooks++] = (struct mon_hook){&m->h.out_fd, false, on_health_output};
    }
    m->dns_fd[0] = m->dns_fd[1] = m->dns_fd[2] = -1;
    if (m->dns != NULL)
        dns_fds(m->dns, m->dns_fd);
    for (int i = 0; i < 3; i++)
        if (m->dns_fd[i] >= 0)
            l->hooks[l->nhooks++] = (struct mon_hook){&m->dns_fd[i], false, on_dns};
}

/* Serve until the container's process is gone and its output drained. */
static void loop(struct mon *m)
{
    set_hooks(m);
    m->l.deadline_ms = 0;
    monloop_run(&m->l);
}

/* Whether the loop can go to skiff-monitor as it is now: no output still
 * owed to a client, no health check of ours running. */
static bool can_hand_over(struct mon *m)
{
    for (int i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->l.cl[i].fd >= 0 && (m->l.cl[i].off < m->l.cl[i].out.len || m->l.cl[i].mode == 0))
            return false;
    return m->h.pid <= 0;
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
    int st = m->l.wstatus;
    if (WIFSIGNALED(st)) {
        o->code = 128 + WTERMSIG(st);
        o->reason = "signal";
        snprintf(o->signal, sizeof o->signal, "%s", sk_signal_name(WTERMSIG(st)) ?: "");
    } else {
        o->code = WEXITSTATUS(st);
        o->reason = "exited";
    }
    struct cg_stats cs = {0};
    if (rt_stats(&m->e->rt, m->c->id, &cs, NULL) == 0 && cs.oom_kills > 0) {
        o->oom = true;
        o->reason = "oom_killed";
    }
    logfile_flush(&m->l.log);
    rt_delete(&m->e->rt, m->c->id, true, NULL);
    ctr_umount_rootfs(m->c, NULL);
    unpublish(m);
    int *fds[] = {&m->l.out_fd, &m->l.err_fd, &m->l.in_fd};
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
    monloop_flush(&m->l, waiters, line, true);
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
    char sock[PATH_MAX + 4];
    snprintf(sock, sizeof sock, "%s.a", m->c->sockbase);
    unlink(sock);
    sk_error err;
    if (ctr_remove_files(m->c, &err) < 0)
        fprintf(stderr, "skiff monitor %.12s: %s\n", m->c->id, err.msg);
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
    m->l.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return m->l.sig_fd < 0 ? -1 : 0;
}

/* Hand the running container to skiff-monitor (moncore.c), a small static
 * binary exec'ed in this process, which comes back by exec when the
 * container has ended (`monitor --resume`).  Returns only when it cannot
 * (no such binary). */
static void to_core(struct mon *m, const struct timespec *t0, int delay_ms)
{
    static char text[1 << 16];
    const char *core = getenv("SKIFF_MONITOR_CORE");
    const char *argv[48];
    char health[80], dns[48];
    int n = 0;
    if (core == NULL || *core == '\0' || access(core, X_OK) < 0)
        return;
    argv[n++] = "skiff-monitor";
    int fds[4] = {-1, -1, -1, -1}; /* what goes along besides the loop's: timer, names (3) */
    if (m->h.enabled) { /* the checks' timer, armed */
        snprintf(health, sizeof health, "%d,%lld,%lld", m->h.timer_fd, (long long)m->h.interval,
                 (long long)m->h.start_interval);
        argv[n++] = "--health";
        argv[n++] = health;
        fds[0] = m->h.timer_fd;
    }
    if (m->dns != NULL) { /* the name server's sockets */
        dns_fds(m->dns, fds + 1);
        snprintf(dns, sizeof dns, "%d,%d,%d", fds[1], fds[2], fds[3]);
        argv[n++] = "--dns";
        argv[n++] = dns;
    }
    argv[n++] = "--";
    if (monitor_argv(m->e, m->c->id, "--resume", argv + n, sizeof argv / sizeof argv[0] - (size_t)n) < 0)
        return;
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0 && fcntl(fds[i], F_SETFD, 0) < 0)
            goto back;
    m->l.exe_fd = rt_sealed_exe_fd();
    if (m->l.exe_fd < 0)
        m->l.exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (m->l.exe_fd < 0)
        return;
    snprintf(m->l.user, sizeof m->l.user, "%lld %ld %d", (long long)t0->tv_sec, t0->tv_nsec, delay_ms);
    logfile_flush(&m->l.log);
    if (monloop_export(&m->l, text, sizeof text) == 0 && setenv(MON_STATE_ENV, text, 1) == 0)
        execve(core, (char *const *)argv, environ);
    fprintf(stderr, "skiff monitor %.12s: %s: %s\n", m->c->id, core, strerror(errno));
back:
    unsetenv(MON_STATE_ENV);
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    monloop_cloexec(&m->l);
    close(m->l.exe_fd);
    m->l.exe_fd = -1;
}

/* Back from skiff-monitor: the loop as it left it. */
static int resume(struct mon *m, struct timespec *t0, int *delay_ms, sk_error *err)
{
    const char *text = getenv(MON_STATE_ENV);
    if (text == NULL || monloop_import(&m->l, text) < 0)
        return sk_err(err, 0, "resume: no state from skiff-monitor");
    unsetenv(MON_STATE_ENV);
    monloop_cloexec(&m->l);
    if (m->l.exe_fd >= 0)
        close(m->l.exe_fd);
    m->l.exe_fd = -1;
    long long sec = 0;
    long nsec = 0;
    if (sscanf(m->l.user, "%lld %ld %d", &sec, &nsec, delay_ms) == 3) {
        t0->tv_sec = (time_t)sec;
        t0->tv_nsec = nsec;
    }
    m->ports = json_incref(obj(m->c->state, "Ports"));
    return 0;
}

/* The first start: the record says this monitor is the container's. */
static int take_over(struct mon *m, const char *sock, sk_error *err)
{
    /* one monitor per container: a second start finds the first alive */
    int lock = ctr_lock(m->c, err);
    if (lock < 0)
        return -1;
    int rc = ctr_reload_state(m->c, err);
    if (rc == 0 && ctr_monitor_alive(m->c))
        rc = sk_err(err, 0, "container %.12s is already running", m->c->id);
    if (rc == 0 && (m->l.listen_fd = monitor_listen(sock, err)) < 0)
        rc = -1;
    if (rc == 0) {
        /* the OOM killer takes containers first, not the process that
         * knows how they ended (containerd's shims are at -999 too) */
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (write(fd, "-999", 4) < 0) {
                /* not allowed here (a user namespace): the default stays */
            }
            close(fd);
        }
        json_object_set_new(m->c->state, "MonitorPid", json_integer(getpid()));
        /* the keeper (keeper.c) is our parent when there is one */
        char exe[PATH_MAX], link[64];
        snprintf(link, sizeof link, "/proc/%d/exe", (int)getppid());
        ssize_t n = readlink(link, exe, sizeof exe - 1);
        const char *base = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
        bool kept = base != NULL && strcmp(base, "/skiff-keeper") == 0;
        json_object_set_new(m->c->state, "KeeperPid", json_integer(kept ? getppid() : 0));
        json_object_set_new(m->c->state, "KeeperStart",
                            json_integer(kept ? (json_int_t)rt_pid_start_time(getppid()) : 0));
        json_object_set_new(m->c->state, "MonitorStart", json_integer((json_int_t)rt_pid_start_time(getpid())));
        rc = ctr_save_state(m->c, err);
    }
    close(lock);
    return rc;
}

/* The first moments in process (a short-lived container ends without two
 * more execs), then skiff-monitor's. */
static void serve(struct mon *m, const struct timespec *t0, int delay_ms)
{
    set_hooks(m);
    for (int tries = 0; !m->l.exited && tries < 50; tries++) {
        m->l.deadline_ms = sk_monotonic_ms() + HANDOFF_MS;
        monloop_run(&m->l);
        if (!m->l.exited && can_hand_over(m)) {
            to_core(m, t0, delay_ms); /* returns when it cannot be */
            break;
        }
    }
    if (!m->l.exited)
        loop(m);
}

/* `skiff monitor --health-check ID`: one check, for skiff-monitor; the exit
 * status says which interval comes next (0 the interval, 1 the start
 * interval: still starting). */
static int check_once(const struct sk_engine_opts *o, const char *id)
{
    struct sk_engine *e = NULL;
    struct ctr *c = NULL;
    struct health h;
    sk_error err;
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* skiff-monitor ends it with the container */
    if (sk_engine_open(o, &e, &err) < 0 || ctr_load(e, id, &c, &err) < 0) {
        fprintf(stderr, "skiff monitor --health-check: %s\n", err.msg);
        sk_engine_close(e);
        return 2;
    }
    int rc = 2;
    if (health_init(&h, obj(c->cfg, "Config"))) {
        rc = health_check_once(&h, e, c) == h.interval ? 0 : 1;
        health_free(&h);
    }
    ctr_free(c);
    sk_engine_close(e);
    return rc;
}

/* `skiff monitor --dns ID`: the name server's sockets are fds 3, 4 and 5
 * (UDP, upstream, TCP; from skiff-monitor, when a question came); served
 * until none has come for a while.  Its TCP sessions are children of its
 * own, reaped here (or by skiff-monitor, the subreaper, once it is gone). */
static int serve_names(const struct sk_engine_opts *o, const char *id)
{
    struct sk_engine *e = NULL;
    struct ctr *c = NULL;
    struct dns_server *d = NULL;
    sk_error err;
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* skiff-monitor ends it with the container */
    if (sk_engine_open(o, &e, &err) < 0 || ctr_load(e, id, &c, &err) < 0 ||
        ctr_net_dns_open(e, c, (const int[]){3, 4, 5}, &d, &err) < 0) {
        fprintf(stderr, "skiff monitor --dns: %s\n", err.msg);
        ctr_free(c);
        sk_engine_close(e);
        return 1;
    }
    for (;;) {
        struct pollfd p[3] = {{3, POLLIN, 0}, {4, POLLIN, 0}, {5, POLLIN, 0}};
        int r = poll(p, 3, DNS_IDLE_MS);
        if (r == 0 || (r < 0 && errno != EINTR))
            break;
        dns_serve(d);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
    }
    ctr_net_dns_close(d);
    ctr_free(c);
    sk_engine_close(e);
    return 0;
}

int sk_monitor_main(const struct sk_engine_opts *o, const char *id, int sync_fd, int flags)
{
    if (flags & SK_MONITOR_HEALTH_CHECK)
        return check_once(o, id);
    if (flags & SK_MONITOR_DNS)
        return serve_names(o, id);
    bool resumed = flags & SK_MONITOR_RESUME;
    struct mon m = {.sync_fd = resumed ? -1 : sync_fd, .attach_wait = flags & SK_MONITOR_ATTACH_WAIT};
    monloop_init(&m.l);
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
        fprintf(stderr, "skiff monitor: %s\n", err.msg);
        return 1;
    }
    json_t *lc = obj(obj(obj(m.c->cfg, "HostConfig"), "LogConfig"), "Config");
    const char *max_size = json_string_value(obj(lc, "max-size"));
    const char *max_file = json_string_value(obj(lc, "max-file"));
    char logpath[PATH_MAX + 80], sock[PATH_MAX + 16];
    snprintf(logpath, sizeof logpath, "%s/%s-json.log", m.c->dir, m.c->id);
    snprintf(sock, sizeof sock, "%s.a", m.c->sockbase);
    snprintf(m.l.exit_path, sizeof m.l.exit_path, "%s/exit.json", m.c->rundir);
    struct timespec t0 = {0, 0};
    int delay_ms = 100;
    if (sk_mkdir_p(m.c->rundir, 0700, &err) < 0 ||
        (resumed ? resume(&m, &t0, &delay_ms, &err) : take_over(&m, sock, &err)) < 0 ||
        logfile_open(&m.l.log, logpath, max_size, max_file, &err) < 0) {
        report(&m, "error %s", err.msg);
        fprintf(stderr, "skiff monitor %.12s: %s\n", m.c->id, err.msg);
        return 1;
    }
    snprintf(m.l.log_max_size, sizeof m.l.log_max_size, "%s", max_size ? max_size : "");
    snprintf(m.l.log_max_file, sizeof m.l.log_max_file, "%s", max_file ? max_file : "");
    health_init(&m.h, obj(m.c->cfg, "Config"));
    if (resumed && !m.l.exited) { /* skiff-monitor could not take over: all is ours again */
        health_start(&m.h, m.e, m.c);
        if (ctr_net_wants_dns(m.c) && ctr_net_dns_open(m.e, m.c, NULL, &m.dns, &err) < 0)
            fprintf(stderr, "skiff monitor %.12s: %s\n", m.c->id, err.msg);
    }
    int restarts = (int)json_integer_value(obj(m.c->state, "RestartCount"));
    for (;;) {
        if (!resumed) {
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
            m.l.exited = false;
            serve(&m, &t0, delay_ms);
        }
        resumed = false;
        if (!m.l.exited)
            loop(&m);
        if (!m.l.exited) { /* the loop failed: the process still needs its reaping */
            int st;
            if (waitpid(m.l.pid, &st, 0) == m.l.pid)
                m.l.wstatus = st;
        }
        struct outcome out;
        finish(&m, &out);
        monloop_accept_pending(&m.l, 0);
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
    monloop_free(&m.l);
    health_free(&m.h);
    ctr_net_dns_close(m.dns);
    close(m.l.listen_fd);
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

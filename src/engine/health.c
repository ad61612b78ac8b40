/* health.c - docker's health checks, driven by the monitor's loop. */
#define _GNU_SOURCE
#include "engine/health.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/json.h"
#include "util/timefmt.h"
#include "util/strutil.h"

#define DEFAULT_NS (30LL * 1000000000LL)
#define OUTPUT_MAX 4096

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t dur(json_t *hc, const char *k, int64_t dflt)
{
    json_int_t v = json_integer_value(json_object_get(hc, k));
    return v > 0 ? (int64_t)v : dflt;
}

bool health_init(struct health *h, json_t *config)
{
    memset(h, 0, sizeof *h);
    h->timer_fd = h->out_fd = -1;
    json_t *hc = json_object_get(config, "Healthcheck");
    json_t *test = json_object_get(hc, "Test");
    const char *kind = json_string_value(json_array_get(test, 0));
    if (kind == NULL || strcmp(kind, "NONE") == 0 || json_array_size(test) < 2)
        return false;
    if (strcmp(kind, "CMD-SHELL") == 0)
        h->test = json_pack("[s, s, O]", "/bin/sh", "-c", json_array_get(test, 1));
    else if (strcmp(kind, "CMD") == 0) {
        h->test = json_array();
        for (size_t i = 1; i < json_array_size(test); i++)
            json_array_append(h->test, json_array_get(test, i));
    } else {
        return false;
    }
    h->interval = dur(hc, "Interval", DEFAULT_NS);
    h->timeout = dur(hc, "Timeout", DEFAULT_NS);
    h->start_period = dur(hc, "StartPeriod", 0);
    h->start_interval = dur(hc, "StartInterval", 5LL * 1000000000LL);
    json_t *r = json_object_get(hc, "Retries");
    h->retries = json_is_integer(r) && json_integer_value(r) > 0 ? (int)json_integer_value(r) : 3;
    h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    h->enabled = h->timer_fd >= 0;
    return h->enabled;
}

static void arm(struct health *h, int64_t ns)
{
    struct itimerspec its = {{0, 0}, {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)}};
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;
    timerfd_settime(h->timer_fd, 0, &its, NULL);
}

/* The delay to the next check after one that has ended. */
static int64_t next_delay(const struct health *h)
{
    bool starting = strcmp(h->status, "starting") == 0 && now_ns() - h->container_start_ns < h->start_period;
    return starting ? h->start_interval : h->interval;
}

/* Status "starting", no failures; the results so far stay (as docker's). */
static void save_starting(struct ctr *c)
{
    int lock = ctr_lock(c, NULL);
    if (ctr_reload_state(c, NULL) == 0) {
        json_t *log = json_object_get(json_object_get(c->state, "Health"), "Log");
        log = json_is_array(log) ? json_incref(log) : json_array();
        json_object_set_new(c->state, "Health", json_pack("{s:s, s:i, s:o}", "Status", "starting",
                                                          "FailingStreak", 0, "Log", log));
        ctr_save_state(c, NULL);
    }
    if (lock >= 0)
        close(lock);
}

void health_start(struct health *h, struct sk_engine *e, struct ctr *c)
{
    if (!h->enabled)
        return;
    h->status = "starting";
    h->streak = 0;
    h->container_start_ns = now_ns();
    save_starting(c);
    (void)e;
    /* docker runs the first check one interval after the start (start
     * interval while in the start period) */
    arm(h, h->start_period > 0 ? h->start_interval : h->interval);
}

static void spawn_check(struct health *h, struct sk_engine *e, struct ctr *c)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    sk_now(h->start_time, sizeof h->start_time);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        /* the monitor is single-threaded: the runtime library is safe to use here */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, 0);
        dup2(p[1], 1);
        dup2(p[1], 2);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); /* not the monitor's -999 */
        if (oom >= 0) {
            if (write(oom, "0", 1) < 0) {
                /* the check then runs with the monitor's */
            }
            close(oom);
        }
        size_t n = json_array_size(h->test);
        char **argv = calloc(n + 1, sizeof *argv);
        for (size_t i = 0; argv && i < n; i++)
            argv[i] = (char *)json_string_value(json_array_get(h->test, i));
        struct sk_exec_opts xo = {.cmd = argv};
        int status = 1;
        sk_error err;
        if (argv == NULL || sk_container_exec(e, c->id, &xo, &status, &err) < 0) {
            dprintf(1, "%s\n", argv ? err.msg : "out of memory");
            _exit(1);
        }
        _exit(status & 0xff);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    h->pid = pid;
    h->out_fd = p[0];
    h->out.len = 0;
    h->killed = false;
    h->started_ns = now_ns();
    arm(h, h->timeout);
}

void health_tick(struct health *h, struct sk_engine *e, struct ctr *c)
{
    uint64_t ticks;
    if (read(h->timer_fd, &ticks, sizeof ticks) < 0 && errno == EAGAIN)
        return;
    if (h->pid > 0) { /* still running: out of time */
        kill(h->pid, h->killed ? SIGKILL : SIGTERM);
        h->killed = true;
        arm(h, 1000000000LL);
        return;
    }
    spawn_check(h, e, c);
}

void health_read(struct health *h)
{
    char buf[4096];
    ssize_t n;
    while (h->out_fd >= 0 && (n = read(h->out_fd, buf, sizeof buf)) > 0)
        if (h->out.len < OUTPUT_MAX)
            sb_add(&h->out, buf, h->out.len + (size_t)n > OUTPUT_MAX ? OUTPUT_MAX - h->out.len : (size_t)n);
    if (h->out_fd >= 0 && n == 0) {
        close(h->out_fd);
        h->out_fd = -1;
    }
}

bool health_reaped(struct health *h, struct sk_engine *e, struct ctr *c, pid_t pid, int status)
{
    if (!h->enabled || pid != h->pid)
        return false;
    health_read(h);
    if (h->out_fd >= 0) {
        close(h->out_fd);
        h->out_fd = -1;
    }
    h->pid = 0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    char end[40];
    sk_now(end, sizeof end);
    if (h->killed) {
        code = -1;
        sb_free(&h->out);
        sb_printf(&h->out, "Health check exceeded timeout (%lldms)", (long long)(h->timeout / 1000000));
    }
    bool in_start = now_ns() - h->container_start_ns < h->start_period;
    const char *before = h->status;
    if (code == 0) {
        h->streak = 0;
        h->status = "healthy";
    } else if (!in_start || strcmp(h->status, "healthy") == 0) {
        if (++h->streak >= h->retries)
            h->status = "unhealthy";
    }
    /* the record: status, streak, and the last five results */
    int lock = ctr_lock(c, NULL);
    if (ctr_reload_state(c, NULL) == 0) {
        json_t *health = json_object_get(c->state, "Health");
        if (!json_is_object(health)) {
            health = json_object();
            json_object_set_new(c->state, "Health", health);
        }
        json_t *log = json_object_get(health, "Log");
        if (!json_is_array(log)) {
            log = json_array();
            json_object_set_new(health, "Log", log);
        }
        json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s%}", "Start", h->start_time, "End",
                                             end, "ExitCode", code, "Output", h->out.s ? h->out.s : "",
                                             h->out.len));
        while (json_array_size(log) > 5)
            json_array_remove(log, 0);
        json_object_set_new(health, "Status", json_string(h->status));
        json_object_set_new(health, "FailingStreak", json_integer(h->streak));
        ctr_save_state(c, NULL);
    }
    if (lock >= 0)
        close(lock);
    if (strcmp(before, h->status) != 0) {
        char action[64];
        snprintf(action, sizeof action, "health_status: %s", h->status);
        sk_event_container(e, c->cfg, action, NULL);
    }
    arm(h, next_delay(h));
    return true;
}

void health_stop(struct health *h)
{
    if (!h->enabled)
        return;
    struct itimerspec off = {{0, 0}, {0, 0}};
    timerfd_settime(h->timer_fd, 0, &off, NULL);
    if (h->pid > 0) {
        kill(h->pid, SIGKILL);
        /* reaped with the others */
    }
}

void health_free(struct health *h)
{
    json_decref(h->test);
    sb_free(&h->out);
    if (h->timer_fd >= 0)
        close(h->timer_fd);
    if (h->out_fd >= 0)
        close(h->out_fd);
    h->timer_fd = h->out_fd = -1;
}

int64_t health_check_once(struct health *h, struct sk_engine *e, struct ctr *c)
{
    json_t *rec = json_object_get(c->state, "Health");
    const char *st = json_string_value(json_object_get(rec, "Status"));
    h->status = st && strcmp(st, "healthy") == 0 ? "healthy" : st && strcmp(st, "unhealthy") == 0 ? "unhealthy" : "starting";
    h->streak = (int)json_integer_value(json_object_get(rec, "FailingStreak"));
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    int64_t started = sk_parse_rfc3339(json_string_value(json_object_get(c->state, "StartedAt")));
    int64_t since = (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec - started;
    h->container_start_ns = now_ns() - (started > 0 && since > 0 ? since : 0);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sig = signalfd(-1, &chld, SFD_CLOEXEC);
    if (sig < 0)
        return h->interval;
    spawn_check(h, e, c);
    for (bool done = h->pid <= 0; !done;) {
        struct pollfd p[3] = {{sig, POLLIN, 0}, {h->timer_fd, POLLIN, 0}, {h->out_fd, POLLIN, 0}};
        if (poll(p, 3, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            health_tick(h, e, c); /* out of time: the check is ended */
        if (p[2].revents)
            health_read(h);
        if (p[0].revents) {
            struct signalfd_siginfo si;
            int status;
            pid_t pid;
            if (read(sig, &si, sizeof si) < 0 && errno != EAGAIN) {
                /* nothing to do: the children are looked for below */
            }
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                done = health_reaped(h, e, c, pid, status) || done;
        }
    }
    close(sig);
    return next_delay(h);
}

/* ops.c - start, stop, kill, pause, remove, wait, rename, attach. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/strutil.h"

extern char **environ;

static json_t *obj(json_t *o, const char *k)
{
    return json_object_get(o, k);
}

/* Change state fields under the container's lock. */
static int update_state(struct ctr *c, json_t *fields, sk_error *err)
{
    int lock = ctr_lock(c, err);
    if (lock < 0) {
        json_decref(fields);
        return -1;
    }
    int r = ctr_reload_state(c, err);
    if (r == 0) {
        json_object_update(c->state, fields);
        r = ctr_save_state(c, err);
    }
    close(lock);
    json_decref(fields);
    return r;
}

static int load_running(struct sk_engine *e, const char *ref, struct ctr **out, sk_error *err)
{
    if (ctr_find(e, ref, out, err) < 0)
        return -1;
    ctr_reconcile(e, *out);
    return 0;
}

/* ---- start --------------------------------------------------------------------------- */

int monitor_argv(struct sk_engine *e, const char *id, const char *flag, const char **argv, size_t cap)
{
    size_t n = 0, need = 10 + (flag != NULL);
    for (size_t i = 0; e->insecure && e->insecure[i]; i++)
        need += 2;
    if (need > cap)
        return -1;
    argv[n++] = "skiff";
    argv[n++] = "--root";
    argv[n++] = e->root;
    argv[n++] = "--runroot";
    argv[n++] = e->runroot;
    argv[n++] = "--log-level";
    argv[n++] = e->log_level;
    for (size_t i = 0; e->insecure && e->insecure[i]; i++) {
        argv[n++] = "--insecure-registry";
        argv[n++] = e->insecure[i];
    }
    argv[n++] = "monitor";
    if (flag != NULL)
        argv[n++] = flag;
    argv[n++] = id;
    argv[n] = NULL;
    return (int)n;
}

/* In the child of a fork: become `skiff-keeper PID RUNDIR` (keeper.c), or
 * end without one.  Async-signal-safe. */
static void exec_keeper(const char *keeper, pid_t mon, const char *rundir)
{
    char num[16], *d = num + sizeof num;
    *--d = '\0';
    for (unsigned v = (unsigned)mon; d == num + sizeof num - 1 || v > 0; v /= 10)
        *--d = (char)('0' + v % 10);
    if (keeper != NULL) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        syscall(SYS_close_range, 3U, ~0U, 0U);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        const char *argv[] = {"skiff-keeper", d, rundir, NULL};
        execve(keeper, (char *const *)argv, environ);
    }
    _exit(0);
}

/* fork three times (the monitor belongs to nobody but its keeper), exec
 * `skiff monitor ID` with a socket to us as fd 3.  Everything the children
 * do is async-signal-safe. */
static int spawn_monitor(struct sk_engine *e, struct ctr *c, bool attach_wait, sk_error *err)
{
    const char *argv[48];
    if (monitor_argv(e, c->id, attach_wait ? "--attach-wait" : NULL, argv, sizeof argv / sizeof argv[0]) < 0)
        return sk_err(err, E2BIG, "too many --insecure-registry options");
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return sk_err(err, errno, "socketpair");
    /* the monitor clones containers: started from a sealed view of this
     * binary it need not re-exec itself to get one (CVE-2019-5736) */
    int sealed = strcmp(e->exe, "/proc/self/exe") == 0 ? rt_sealed_exe_fd() : -1;
    const char *keeper = getenv("SKIFF_KEEPER");
    if (keeper != NULL && (*keeper == '\0' || access(keeper, X_OK) < 0))
        keeper = NULL;
    pid_t p = fork();
    if (p < 0) {
        close(sv[0]);
        close(sv[1]);
        if (sealed >= 0)
            close(sealed);
        return sk_err(err, errno, "fork");
    }
    if (p == 0) {
        setsid();
        pid_t k = fork();
        if (k != 0)
            _exit(k < 0);
        /* the keeper: the monitor's parent, so that the container comes
         * to it should the monitor die (keeper.c); without skiff-keeper
         * the monitor's parent goes at once */
        pid_t q = fork();
        if (q < 0)
            _exit(1);
        if (q > 0)
            exec_keeper(keeper, q, c->rundir);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        /* the socket goes to 3, the sealed binary to 4 (out of the way of
         * the close below); neither move may clobber the other */
        if (sealed == 3 && (sealed = fcntl(3, F_DUPFD_CLOEXEC, 5)) < 0)
            _exit(127);
        /* dup2 onto itself would keep close-on-exec */
        if (sv[1] == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(sv[1], 3) < 0)
            _exit(127);
        if (sealed >= 0 && sealed != 4) {
            if (dup3(sealed, 4, O_CLOEXEC) < 0)
                _exit(127);
            sealed = 4;
        }
        syscall(SYS_close_range, 5U, ~0U, 0U);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (sealed >= 0)
            syscall(SYS_execveat, sealed, "", (char *const *)argv, environ, AT_EMPTY_PATH);
        execv(e->exe, (char *const *)argv);
        _exit(127);
    }
    if (sealed >= 0)
        close(sealed);
    close(sv[1]);
    int st;
    while (waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
    return sv[0];
}

/* One line from the monitor ("created", "running 42", "error ..."). */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 120000) != 1)
            return -1;
        ssize_t n = read(fd, buf + len, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (buf[len] == '\n') {
            buf[len] = '\0';
            return 0;
        }
        len++;
    }
    buf[len] = '\0';
    return len ? 0 : -1;
}

static int start_container(struct sk_engine *e, const char *ref, struct sk_start_opts *o,
                           sk_error *err);

int sk_container_start(struct sk_engine *e, const char *ref, struct sk_start_opts *o,
                       sk_error *err)
{
    /* from the start's first moment: the first cgroup move's wait passes
     * beside the work before it (runtime.h) */
    struct rt_warm *warm = rt_cgroup_warm_begin();
    int rc = start_container(e, ref, o, err);
    rt_cgroup_warm_end(warm);
    return rc;
}

static int start_container(struct sk_engine *e, const char *ref, struct sk_start_opts *o,
                           sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (o != NULL)
        o->attach_fd = o->wait_fd = -1;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    if (ctr_is_running(c) && ctr_monitor_alive(c))
        return 0; /* docker: starting a running container is no error */
    if (ctr_is_running(c))
        return sk_err(err, 0, "container %.12s is still running without its monitor: stop it first",
                      c->id);
    if (update_state(c, json_pack("{s:b, s:s}", "ManualStop", 0, "Error", ""), err) < 0)
        return -1;
    bool attach = o != NULL && o->attach;
    bool others = ctr_has_attachers(c); /* attached before the start (attach.c) */
    _cleanup_close_ int sync = spawn_monitor(e, c, attach || others, err);
    if (sync < 0)
        return -1;
    char line[2048];
    int afd = -1, wfd = -1;
    for (;;) {
        if (read_line(sync, line, sizeof line) < 0) {
            sk_err(err, 0, "container %.12s: the monitor did not answer", c->id);
            break;
        }
        if (strncmp(line, "error ", 6) == 0) {
            sk_err(err, 0, "%s", line + 6);
            break;
        }
        if (strcmp(line, "created") == 0 && (attach || others)) {
            /* attach first: the monitor takes the connections in order */
            if (others)
                ctr_serve_attachers(c);
            if (attach) {
                afd = monitor_connect(c, o->attach_stdin ? 'a' : 'o', err);
                wfd = afd >= 0 ? monitor_connect(c, 'w', err) : -1;
                if (wfd < 0)
                    break;
            }
            if (write(sync, "go\n", 3) != 3) {
                sk_err(err, errno, "monitor");
                break;
            }
        }
        if (strncmp(line, "running", 7) == 0) {
            if (o != NULL) {
                o->attach_fd = afd;
                o->wait_fd = wfd;
            }
            return 0;
        }
    }
    if (afd >= 0)
        close(afd);
    if (wfd >= 0)
        close(wfd);
    return -1;
}

int sk_wait_fd(int fd, struct sk_exit *out, sk_error *err)
{
    return monitor_wait(fd, -1, out, err);
}

/* ---- stop, kill -------------------------------------------------------------------------- */

static bool process_alive(struct ctr *c)
{
    return rt_pid_alive((pid_t)json_integer_value(obj(c->state, "Pid")),
                        (uint64_t)json_integer_value(obj(c->state, "PidStart")));
}

/* Wait (up to ms; < 0 forever) for the container's process to end.  0 when it did. */
static int wait_gone(struct ctr *c, int wfd, int ms)
{
    if (wfd >= 0) {
        int r = monitor_wait(wfd, ms, NULL, NULL);
        if (r != 1)
            return 0; /* the end was reported, or the monitor is gone */
        return 1;
    }
    for (int waited = 0; ms < 0 || waited < ms; waited += 20) {
        if (!process_alive(c))
            return 0;
        usleep(20000);
    }
    return process_alive(c) ? 1 : 0;
}

static int stop_signal(struct ctr *c)
{
    const char *s = json_string_value(obj(obj(c->cfg, "Config"), "StopSignal"));
    int sig = s && *s ? sk_signal_parse(s) : SIGTERM;
    return sig > 0 ? sig : SIGTERM;
}

static int stop_locked_out(struct sk_engine *e, struct ctr *c, int timeout, int signo, bool removing,
                           sk_error *err)
{
    if (update_state(c, removing ? json_pack("{s:b, s:b}", "ManualStop", 1, "Removing", 1)
                                 : json_pack("{s:b}", "ManualStop", 1),
                     err) < 0)
        return -1;
    if (!ctr_is_running(c))
        return 0;
    if (strcmp(ctr_status(c), "paused") == 0)
        rt_resume(&e->rt, c->id, NULL); /* a frozen process gets no signal */
    int wfd = ctr_monitor_alive(c) ? monitor_connect(c, 'w', NULL) : -1;
    if (timeout < 0) {
        json_t *t = obj(obj(c->cfg, "Config"), "StopTimeout");
        timeout = json_is_integer(t) ? (int)json_integer_value(t) : 10;
    }
    int r = 1;
    char sig[16];
    if (signo <= 0)
        signo = stop_signal(c);
    snprintf(sig, sizeof sig, "%d", signo);
    if (timeout > 0 && rt_kill(&e->rt, c->id, signo, false, NULL) == 0) {
        sk_event_container(e, c->cfg, "kill", json_pack("{s:s}", "signal", sig));
        r = wait_gone(c, wfd, timeout * 1000);
    }
    if (r != 0) {
        rt_kill(&e->rt, c->id, SIGKILL, true, NULL);
        sk_event_container(e, c->cfg, "kill", json_pack("{s:s}", "signal", "9"));
        if (wait_gone(c, wfd, 30000) != 0) {
            if (wfd >= 0)
                close(wfd);
            return sk_err(err, 0, "container %.12s did not stop after SIGKILL", c->id);
        }
    }
    if (wfd >= 0)
        close(wfd);
    /* the monitor reports the end before its last steps (its attach socket, its name
     * server's sockets, MonitorPid off the record): a start right after (restart) would
     * race them, so they are waited for (10 s at most); so is the record of the end,
     * should the connection have ended without a word */
    for (int i = 0; i < 2000 && ctr_reload_state(c, NULL) == 0 && ctr_monitor_alive(c); i++)
        usleep(5000);
    /* without a monitor nobody records the end: do it here */
    if (ctr_reload_state(c, NULL) == 0 && ctr_is_running(c) && !ctr_monitor_alive(c))
        ctr_reconcile(e, c);
    return 0;
}

int sk_container_stop(struct sk_engine *e, const char *ref, int timeout, int sig, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    bool was = ctr_is_running(c);
    if (stop_locked_out(e, c, timeout, sig, false, err) < 0)
        return -1;
    if (was)
        sk_event_container(e, c->cfg, "stop", NULL);
    return 0;
}

int sk_container_restart(struct sk_engine *e, const char *ref, int timeout, sk_error *err)
{
    struct sk_start_opts so = {0};
    if (sk_container_stop(e, ref, timeout, 0, err) < 0 || sk_container_start(e, ref, &so, err) < 0)
        return -1;
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, NULL) == 0)
        sk_event_container(e, c->cfg, "restart", NULL);
    return 0;
}

int sk_container_kill(struct sk_engine *e, const char *ref, int sig, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    if (!ctr_is_running(c))
        return sk_err(err, 0, "Cannot kill container: %s: Container %s is not running", ref, c->id);
    if (rt_kill(&e->rt, c->id, sig, false, err) < 0)
        return sk_err_prefix(err, "Cannot kill container: %s", ref);
    char s[16];
    snprintf(s, sizeof s, "%d", sig);
    sk_event_container(e, c->cfg, "kill", json_pack("{s:s}", "signal", s));
    return 0;
}

int sk_container_pause(struct sk_engine *e, const char *ref, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    if (strcmp(ctr_status(c), "running") != 0)
        return sk_err(err, 0, "Container %s is not running", c->id);
    if (rt_pause(&e->rt, c->id, err) < 0)
        return -1;
    sk_event_container(e, c->cfg, "pause", NULL);
    return update_state(c, json_pack("{s:s}", "Status", "paused"), err);
}

int sk_container_unpause(struct sk_engine *e, const char *ref, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    if (strcmp(ctr_status(c), "paused") != 0)
        return sk_err(err, 0, "Container %s is not paused", c->id);
    if (rt_resume(&e->rt, c->id, err) < 0)
        return -1;
    sk_event_container(e, c->cfg, "unpause", NULL);
    return update_state(c, json_pack("{s:s}", "Status", "running"), err);
}

/* ---- remove, rename ----------------------------------------------------------------------- */

int sk_container_remove(struct sk_engine *e, const char *ref, bool force, bool volumes,
                        sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    if (ctr_is_running(c)) {
        if (!force)
            return sk_err(err, 0,
                          "You cannot remove a running container %s. Stop the container before "
                          "attempting removal or force remove",
                          c->id);
        if (stop_locked_out(e, c, 0, 0, true, err) < 0)
            return -1;
    }
    /* the monitor of a --rm container may be removing it right now: both may */
    update_state(c, json_pack("{s:s, s:b}", "Status", "removing", "Removing", 1), NULL);
    /* a monitor finishing up still writes the state: let it end first */
    for (int i = 0; i < 1000 && ctr_reload_state(c, NULL) == 0 && ctr_monitor_alive(c); i++)
        usleep(10000);
    ctr_umount_rootfs(c, NULL);
    rt_delete(&e->rt, c->id, true, NULL);
    ctr_net_remove(e, c);
    char sock[PATH_MAX + 4];
    snprintf(sock, sizeof sock, "%s.a", c->sockbase);
    unlink(sock);
    if (ctr_remove_files(c, err) < 0)
        return sk_err_prefix(err, "remove container %.12s", c->id);
    sk_event_container(e, c->cfg, "destroy", NULL);
    if (volumes)
        ctr_remove_anonymous_volumes(e, json_object_get(c->cfg, "MountPoints"));
    return 0;
}

int sk_container_rename(struct sk_engine *e, const char *ref, const char *name, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    const char *n = name[0] == '/' ? name + 1 : name;
    if (!ctr_valid_name(n))
        return sk_err(err, 0, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", n);
    _cleanup_close_ int lock = ctr_lock_all(e, err);
    if (lock < 0)
        return -1;
    char other[SK_ID_LEN + 1];
    if (ctr_name_taken(e, n, other)) {
        if (strcmp(other, c->id) == 0)
            return sk_err(err, 0, "Renaming a container with the same name as its current name");
        return sk_err(err, 0, "Error when allocating new name: Conflict. The container name \"/%s\" "
                              "is already in use by container \"%s\". You have to remove (or rename) "
                              "that container to be able to reuse that name.",
                      n, other);
    }
    char nm[300];
    snprintf(nm, sizeof nm, "/%s", n);
    const char *oldn = json_string_value(json_object_get(c->cfg, "Name"));
    json_t *extra = json_pack("{s:s}", "oldName", oldn ? oldn : "");
    json_object_set_new(c->cfg, "Name", json_string(nm));
    if (ctr_save_config(c, err) < 0) {
        json_decref(extra);
        return -1;
    }
    sk_event_container(e, c->cfg, "rename", extra);
    return 0;
}

/* ---- wait, attach ----------------------------------------------------------------------- */

static void exit_from_state(struct ctr *c, struct sk_exit *out)
{
    memset(out, 0, sizeof *out);
    out->code = (int)json_integer_value(obj(c->state, "ExitCode"));
    out->oom_killed = json_is_true(obj(c->state, "OOMKilled"));
    snprintf(out->reason, sizeof out->reason, "%s",
             json_string_value(obj(c->state, "Reason")) ?: "exited");
    snprintf(out->signal, sizeof out->signal, "%s", json_string_value(obj(c->state, "Signal")) ?: "");
    snprintf(out->finished_at, sizeof out->finished_at, "%s",
             json_string_value(obj(c->state, "FinishedAt")) ?: "");
}

int sk_container_wait(struct sk_engine *e, const char *ref, const char *condition,
                      struct sk_exit *out, sk_error *err)
{
    return sk_container_wait_ready(e, ref, condition, NULL, out, err);
}

int sk_container_wait_ready(struct sk_engine *e, const char *ref, const char *condition,
                            const struct sk_ready *ready, struct sk_exit *out, sk_error *err)
{
    bool told = false;
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    bool removed = sk_streq(condition, "removed");
    bool next = sk_streq(condition, "next-exit");
    /* a created container is waited for until it has run, next-exit for
     * the next run: from before its start, as its monitor tells */
    struct sk_exit ex;
    bool have = false;
    if ((next || strcmp(ctr_status(c), "created") == 0) && !ctr_is_running(c)) {
        int wfd = -1;
        int r = ctr_wait_start(e, c, 'w', -1, ready, &wfd, err);
        told = true;
        if (r < 0)
            return removed ? (memset(out, 0, sizeof *out), 0) : -1;
        if (r == 1) {
            have = monitor_wait(wfd, -1, &ex, NULL) == 0;
            close(wfd);
        }
        if (ctr_reload_state(c, NULL) == 0)
            ctr_reconcile(e, c);
    }
    if (!have && ctr_is_running(c)) {
        int wfd = monitor_connect(c, 'w', NULL);
        ctr_tell_ready(ready, &told);
        have = wfd >= 0 && monitor_wait(wfd, -1, &ex, NULL) == 0;
        if (wfd >= 0)
            close(wfd);
        if (!have) {
            while (process_alive(c))
                usleep(50000);
            ctr_reconcile(e, c);
        }
    }
    if (ctr_reload_state(c, NULL) == 0) {
        if (have)
            snprintf(ex.finished_at, sizeof ex.finished_at, "%s",
                     json_string_value(obj(c->state, "FinishedAt")) ?: "");
        else
            exit_from_state(c, &ex);
    } else if (!have) {
        memset(&ex, 0, sizeof ex); /* removed meanwhile (--rm) and its end unknown */
    }
    ctr_tell_ready(ready, &told);
    /* removed: how it ended, once it is gone (docker run --rm's exit code) */
    while (removed && ctr_reload_state(c, NULL) == 0)
        usleep(20000);
    *out = ex;
    return 0;
}

int sk_container_attach(struct sk_engine *e, const char *ref, bool with_stdin, int *fd,
                        sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (load_running(e, ref, &c, err) < 0)
        return -1;
    if (!ctr_is_running(c))
        return sk_err(err, 0, "You cannot attach to a stopped container, start it first");
    *fd = monitor_connect(c, with_stdin ? 'a' : 'o', err);
    if (*fd < 0)
        return -1;
    sk_event_container(e, c->cfg, "attach", NULL);
    return 0;
}

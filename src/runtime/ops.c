/* ops.c - state, list, kill, delete, pause, resume, ps, update, stats. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

/* load + lock + status, the start of every operation */
static int open_container(const struct rt_global *g, const char *id, struct rt_container **c,
                          enum rt_status *st, sk_error *err)
{
    if (rt_container_load(g, id, c, err) < 0)
        return -1;
    if (rt_container_lock(*c, err) < 0) {
        rt_container_free(*c);
        return -1;
    }
    *st = rt_container_status(*c);
    return 0;
}

int rt_state(const struct rt_global *g, const char *id, json_t **out, sk_error *err)
{
    struct rt_container *c;
    if (rt_container_load(g, id, &c, err) < 0)
        return -1;
    *out = rt_container_oci_state(c, rt_container_status(c));
    rt_container_free(c);
    return *out ? 0 : sk_err(err, ENOMEM, "state");
}

int rt_list(const struct rt_global *g, json_t **out, sk_error *err)
{
    json_t *arr = json_array();
    DIR *d = opendir(g->root);
    if (d == NULL) {
        if (errno == ENOENT) {
            *out = arr;
            return 0;
        }
        json_decref(arr);
        return sk_err(err, errno, "list %s", g->root);
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        struct rt_container *c;
        if (rt_container_load(g, de->d_name, &c, NULL) < 0)
            continue;
        json_t *s = rt_container_oci_state(c, rt_container_status(c));
        if (s != NULL)
            json_array_append_new(arr, s);
        rt_container_free(c);
    }
    closedir(d);
    *out = arr;
    return 0;
}

static int signal_init(struct rt_container *c, int sig, sk_error *err)
{
    int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    if (pidfd >= 0) {
        /* the pidfd pins the process: check it is still ours, then signal */
        if (!rt_pid_alive(c->pid, c->start_time)) {
            close(pidfd);
            return sk_err(err, 0, "container \"%s\" is not running", c->id);
        }
        long r = syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
        int e = errno;
        close(pidfd);
        if (r < 0)
            return sk_err(err, e, "signal container \"%s\"", c->id);
        return 0;
    }
    if (kill(c->pid, sig) < 0)
        return sk_err(err, errno, "signal container \"%s\"", c->id);
    return 0;
}

static int signal_all(struct rt_container *c, int sig, sk_error *err)
{
    if (c->cg == NULL)
        return sk_err(err, 0, "container \"%s\" has no cgroup to find its processes", c->id);
    if (sig == SIGKILL && c->cg->unified_dir != NULL &&
        cg_has_file(c->cg->unified_dir, "cgroup.kill") && c->cg->host.mode == CG_MODE_V2)
        return cg_write(c->cg->unified_dir, "cgroup.kill", "1", err);
    pid_t *pids;
    size_t n;
    if (cg_pids(c->cg, &pids, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH) {
            int e = errno;
            free(pids);
            return sk_err(err, e, "signal process %d", pids[i]);
        }
    free(pids);
    return 0;
}

int rt_kill(const struct rt_global *g, const char *id, int sig, bool all, sk_error *err)
{
    struct rt_container *c;
    enum rt_status st;
    if (open_container(g, id, &c, &st, err) < 0)
        return -1;
    int r;
    if (st == RT_STOPPED && !all)
        r = sk_err(err, 0, "container \"%s\" is not running", id);
    else
        r = all ? signal_all(c, sig, err) : signal_init(c, sig, err);
    rt_container_free(c);
    return r;
}

/* Wait until the init process is gone (not our child: no waitpid). */
static void wait_gone(struct rt_container *c, int timeout_ms)
{
    int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    if (pidfd >= 0) {
        if (rt_pid_alive(c->pid, c->start_time)) {
            struct pollfd pf = {pidfd, POLLIN, 0};
            poll(&pf, 1, timeout_ms);
        }
        close(pidfd);
        return;
    }
    for (int i = 0; i < timeout_ms && rt_pid_alive(c->pid, c->start_time); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int kill_everything(struct rt_container *c, enum rt_status st, sk_error *err)
{
    struct oci_spec *s = NULL;
    bool pidns = rt_container_spec(c, &s, NULL) == 0 && s->lx.ns[OCI_NS_PID].present &&
                 s->lx.ns[OCI_NS_PID].path == NULL;
    if (pidns)
        signal_init(c, SIGKILL, NULL); /* init's death takes the namespace with it */
    else if (signal_all(c, SIGKILL, err) < 0)
        return -1;
    if (st == RT_PAUSED && c->cg != NULL)
        cg_freeze(c->cg, false, NULL);
    wait_gone(c, 10000);
    if (rt_pid_alive(c->pid, c->start_time))
        return sk_err(err, 0, "container \"%s\" did not die after SIGKILL", c->id);
    return 0;
}

int rt_delete(const struct rt_global *g, const char *id, bool force, sk_error *err)
{
    struct rt_container *c;
    enum rt_status st;
    if (open_container(g, id, &c, &st, err) < 0) {
        /* --force also clears a record that never completed (create killed
         * midway) and succeeds for one that does not exist, as runc does */
        if (!force || !rt_valid_id(id, NULL))
            return -1;
        _cleanup_free_ char *dir = sk_strdup_printf("%s/%s", g->root, id);
        sk_err_clear(err);
        return dir ? sk_rm_rf(dir, err) : sk_err(err, ENOMEM, "delete");
    }
    int ret = -1;
    if ((st == RT_RUNNING || st == RT_PAUSED) && !force) {
        sk_err(err, 0, "cannot delete container \"%s\" that is %s (use --force)", id,
               rt_status_name(st));
        goto out;
    }
    if (st != RT_STOPPED && kill_everything(c, st, err) < 0)
        goto out;
    if (c->cg != NULL) {
        sk_error e;
        if (cg_destroy(c->cg, &e) < 0)
            sk_warn("%s", e.msg);
    }
    rt_container_run_hooks(c, OCI_HOOK_POSTSTOP, RT_STOPPED);
    ret = sk_rm_rf(c->dir, err);
out:
    rt_container_free(c);
    return ret;
}

static int freeze(const struct rt_global *g, const char *id, bool pause, sk_error *err)
{
    struct rt_container *c;
    enum rt_status st;
    if (open_container(g, id, &c, &st, err) < 0)
        return -1;
    int r;
    enum rt_status need = pause ? RT_RUNNING : RT_PAUSED;
    if (st != need)
        r = sk_err(err, 0, "container \"%s\" is %s, not %s", id, rt_status_name(st),
                   rt_status_name(need));
    else if (c->cg == NULL)
        r = sk_err(err, 0, "container \"%s\" has no cgroup", id);
    else
        r = cg_freeze(c->cg, pause, err);
    rt_container_free(c);
    return r;
}

int rt_pause(const struct rt_global *g, const char *id, sk_error *err)
{
    return freeze(g, id, true, err);
}

int rt_resume(const struct rt_global *g, const char *id, sk_error *err)
{
    return freeze(g, id, false, err);
}

int rt_pids(const struct rt_global *g, const char *id, pid_t **pids, size_t *n, sk_error *err)
{
    struct rt_container *c;
    if (rt_container_load(g, id, &c, err) < 0)
        return -1;
    int r = c->cg ? cg_pids(c->cg, pids, n, err)
                  : sk_err(err, 0, "container \"%s\" has no cgroup", id);
    rt_container_free(c);
    return r;
}

int rt_update(const struct rt_global *g, const char *id, const struct oci_resources *res,
              sk_error *err)
{
    struct rt_container *c;
    enum rt_status st;
    if (open_container(g, id, &c, &st, err) < 0)
        return -1;
    int r;
    if (st == RT_STOPPED)
        r = sk_err(err, 0, "container \"%s\" is not running", id);
    else
        r = c->cg ? cg_apply(c->cg, res, err) : sk_err(err, 0, "container \"%s\" has no cgroup", id);
    rt_container_free(c);
    return r;
}

int rt_stats(const struct rt_global *g, const char *id, struct cg_stats *stats, sk_error *err)
{
    struct rt_container *c;
    if (rt_container_load(g, id, &c, err) < 0)
        return -1;
    int r = c->cg ? cg_stats(c->cg, stats, err) : sk_err(err, 0, "container \"%s\" has no cgroup", id);
    rt_container_free(c);
    return r;
}

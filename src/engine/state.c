/* state.c - a container's state: what state.json says, checked against the
 * processes it names. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "runtime/state.h"
#include "util/json.h"
#include "util/signals.h"

void sk_now(char *buf, size_t cap)
{
    rt_now_rfc3339(buf, cap);
}

static json_int_t geti(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

const char *ctr_status(struct ctr *c)
{
    const char *s = json_string_value(json_object_get(c->state, "Status"));
    return s ? s : "created";
}

bool ctr_is_running(struct ctr *c)
{
    const char *s = ctr_status(c);
    return strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 || strcmp(s, "restarting") == 0;
}

bool ctr_monitor_alive(struct ctr *c)
{
    return rt_pid_alive((pid_t)geti(c->state, "MonitorPid"),
                        (uint64_t)geti(c->state, "MonitorStart"));
}

/* The exit the monitor put on record before it died (monitor.c). */
static bool exit_from_file(struct ctr *c)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/exit.json", c->rundir);
    json_t *x = json_load_file(path, 0, NULL);
    if (!json_is_integer(json_object_get(x, "ExitCode"))) {
        json_decref(x);
        return false;
    }
    json_int_t sig = json_integer_value(json_object_get(x, "Signal"));
    char name[32] = "";
    if (sig > 0)
        snprintf(name, sizeof name, "%s", sk_signal_name((int)sig) ?: "");
    json_object_set_new(c->state, "Status", json_string("exited"));
    json_object_set_new(c->state, "Pid", json_integer(0));
    json_object_set(c->state, "ExitCode", json_object_get(x, "ExitCode"));
    json_object_set(c->state, "FinishedAt", json_object_get(x, "FinishedAt"));
    json_object_set_new(c->state, "Reason", json_string(sig > 0 ? "signal" : "exited"));
    json_object_set_new(c->state, "Signal", json_string(name));
    json_object_set_new(c->state, "Error", json_string(""));
    json_decref(x);
    ctr_save_state(c, NULL);
    unlink(path);
    return true;
}

int ctr_find_running(struct sk_engine *e, const char *ref, const char *what, struct ctr **out,
                     sk_error *err)
{
    if (ctr_find(e, ref, out, err) < 0)
        return -1;
    ctr_reconcile(e, *out);
    if (ctr_is_running(*out))
        return 0;
    sk_err(err, 0, "cannot join %s of a non running container: %.12s", what, (*out)->id);
    ctr_free(*out);
    *out = NULL;
    return -1;
}

void ctr_reconcile(struct sk_engine *e, struct ctr *c)
{
    if (!ctr_is_running(c) || ctr_monitor_alive(c))
        return;
    int lock = ctr_lock(c, NULL);
    if (lock < 0)
        return;
    /* under the lock: the monitor may have finished just now */
    if (ctr_reload_state(c, NULL) == 0 && ctr_is_running(c) && !ctr_monitor_alive(c)) {
        if (rt_pid_alive((pid_t)geti(c->state, "Pid"), (uint64_t)geti(c->state, "PidStart"))) {
            /* the process lives on without its monitor: it is still running */
            goto out;
        }
        /* the ports the dead monitor published go (its held sockets went with it) */
        ctr_net_unpublish(e, c, json_object_get(c->state, "Ports"));
        json_object_set_new(c->state, "Ports", json_object());
        /* the monitor's keeper reaps the process and records its exit: a
         * moment, if it is still there */
        for (int i = 0; i < 100 && !exit_from_file(c); i++) {
            if (!rt_pid_alive((pid_t)geti(c->state, "KeeperPid"), (uint64_t)geti(c->state, "KeeperStart")))
                break;
            usleep(10000);
        }
        if (ctr_is_running(c)) { /* nothing on record */
            char now[40];
            sk_now(now, sizeof now);
            json_object_set_new(c->state, "Status", json_string("exited"));
            json_object_set_new(c->state, "Pid", json_integer(0));
            json_object_set_new(c->state, "ExitCode", json_integer(255));
            json_object_set_new(c->state, "Error",
                                json_string("the container's monitor ended before it recorded the "
                                            "exit; the exit code is unknown"));
            json_object_set_new(c->state, "Reason", json_string("runtime_error"));
            json_object_set_new(c->state, "FinishedAt", json_string(now));
            ctr_save_state(c, NULL);
        }
    }
out:
    close(lock);
}

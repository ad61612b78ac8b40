/* state.c - a container's state: what state.json says, checked against the
 * processes it names. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "runtime/state.h"
#include "util/json.h"

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

void ctr_reconcile(struct sk_engine *e, struct ctr *c)
{
    (void)e;
    if (!ctr_is_running(c) || ctr_monitor_alive(c))
        return;
    int lock = ctr_lock(c, NULL);
    if (lock < 0)
        return;
    /* under the lock: the monitor may have finished just now */
    if (ctr_reload_state(c, NULL) == 0 && ctr_is_running(c) && !ctr_monitor_alive(c)) {
        if (rt_pid_alive((pid_t)geti(c->state, "Pid"), (uint64_t)geti(c->state, "PidStart"))) {
            /* the process lives on without its monitor: it is still running */
        } else {
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
    close(lock);
}

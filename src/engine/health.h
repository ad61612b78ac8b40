/* health.h - health checks, run by the monitor on a timer (internal).
 *
 * Config.Healthcheck as docker has it: Test ["CMD-SHELL", s] | ["CMD", ...]
 * | ["NONE"], Interval, Timeout, StartPeriod, StartInterval (ns), Retries.
 * Each check is a fork of the monitor that runs the command inside the
 * container (the runtime's exec) with its output on a pipe; the monitor
 * reaps it.  Under skiff-monitor (moncore.c), each check is a `skiff monitor
 * --health-check ID` of its own that does the same once.  State.Health {Status starting|healthy|unhealthy, FailingStreak,
 * Log: the last five results} is written to state.json, and a change of
 * status is an event ("health_status: healthy").
 */
#ifndef SKIFF_ENGINE_HEALTH_H
#define SKIFF_ENGINE_HEALTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine_int.h"
#include "util/strbuf.h"

struct health {
    bool enabled;
    json_t *test;          /* the command, as exec args */
    int64_t interval, timeout, start_period, start_interval;
    int retries;
    int timer_fd;          /* when the next check is due */
    pid_t pid;             /* a check running */
    int out_fd;
    struct strbuf out;
    int64_t started_ns, container_start_ns;
    char start_time[40];
    int streak;
    const char *status;
    bool killed;
};

/* From the container's config; false when it has no check. */
bool health_init(struct health *h, json_t *config);
/* The container (re)started: status "starting", the first check scheduled. */
void health_start(struct health *h, struct sk_engine *e, struct ctr *c);
/* The timer fired: start a check (or time out the running one). */
void health_tick(struct health *h, struct sk_engine *e, struct ctr *c);
/* Output of the running check. */
void health_read(struct health *h);
/* A child was reaped: true when it was the check (then recorded). */
bool health_reaped(struct health *h, struct sk_engine *e, struct ctr *c, pid_t pid, int status);
/* One check now, to its end (`skiff monitor --health-check`, run by
 * skiff-monitor on its timer): the status and streak so far come from the
 * record.  Returns when the next check is due (ns from now). */
int64_t health_check_once(struct health *h, struct sk_engine *e, struct ctr *c);
/* The container stopped: stop checking. */
void health_stop(struct health *h);
void health_free(struct health *h);

#endif

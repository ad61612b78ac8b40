/* state.h - one container's record under the state root (internal). */
#ifndef SKIFF_RUNTIME_STATE_H
#define SKIFF_RUNTIME_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/runtime.h"
#include "util/error.h"

enum rt_status { RT_CREATING, RT_CREATED, RT_RUNNING, RT_PAUSED, RT_STOPPED };

struct rt_container {
    char *id;
    char *dir;   /* root/id */
    int dirfd;   /* open, flock'ed when locked */
    json_t *rec; /* state.json */
    pid_t pid;              /* 0 while creating */
    uint64_t start_time;
    pid_t creator;          /* the create still at work (0 once created) */
    uint64_t creator_start;
    const char *bundle, *rootfs, *created; /* borrowed from rec */
    struct cgroup *cg;
    struct oci_spec *spec; /* loaded on demand by rt_container_spec */
};

const char *rt_status_name(enum rt_status s);

/* Load id's record; "container \"x\" does not exist" when absent. */
int rt_container_load(const struct rt_global *g, const char *id, struct rt_container **out,
                      sk_error *err);
void rt_container_free(struct rt_container *c);
/* Exclusive lock on the container directory (flock, blocking). */
int rt_container_lock(struct rt_container *c, sk_error *err);
enum rt_status rt_container_status(struct rt_container *c);
/* The OCI state object (ociVersion, id, status, pid, bundle, ...). */
json_t *rt_container_oci_state(struct rt_container *c, enum rt_status st);
/* The container's config.json as it was at create. */
int rt_container_spec(struct rt_container *c, struct oci_spec **out, sk_error *err);
/* Run the container's hooks of one kind with its state (as `status`) on
 * stdin.  These are poststart/poststop: failures are warnings, never errors. */
void rt_container_run_hooks(struct rt_container *c, enum oci_hook_kind kind, enum rt_status status);
/* Is the process with this pid and start time alive (zombies are not)? */
bool rt_pid_alive(pid_t pid, uint64_t start_time);
/* Field 22 of /proc/PID/stat; 0 when the process is gone. */
uint64_t rt_pid_start_time(pid_t pid);
/* Validate id and make sure root exists (0700).  Returns an fd of root. */
int rt_open_root(const struct rt_global *g, bool create, sk_error *err);
bool rt_valid_id(const char *id, sk_error *err);
/* RFC 3339 with nanoseconds, UTC. */
void rt_now_rfc3339(char *buf, size_t cap);
/* Write pid to path atomically (for --pid-file). */
int rt_write_pid_file(const char *path, pid_t pid, sk_error *err);

#endif

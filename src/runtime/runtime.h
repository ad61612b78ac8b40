/* runtime.h - the OCI runtime: containers from bundles, runc's lifecycle.
 *
 * create -> (created) -> start -> (running) <-> pause/resume -> (stopped) -> delete
 *
 * State lives under g->root/<id>/ (state.json written atomically, a copy of
 * config.json, and exec.fifo while the container waits to be started); the
 * status is always derived from the kernel (is the init process alive, is
 * the cgroup frozen), never trusted from disk.  No function here prints or
 * exits: errors come back in sk_error.
 */
#ifndef SKIFF_RUNTIME_RUNTIME_H
#define SKIFF_RUNTIME_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/cgroup/cgroup.h"
#include "util/error.h"

#define RT_DEFAULT_ROOT "/run/skiff-runc"

struct rt_global {
    const char *root;    /* state directory */
    bool systemd_cgroup; /* cgroupsPath is "slice:prefix:name" */
};

struct rt_create_opts {
    const char *id;
    const char *bundle; /* NULL: the current directory */
    const char *pid_file;
    const char *console_socket;
    bool no_pivot;
    bool no_new_keyring;
    unsigned preserve_fds;
};

int rt_create(const struct rt_global *g, const struct rt_create_opts *o, sk_error *err);
int rt_start(const struct rt_global *g, const char *id, sk_error *err);
/* create + start.  Detached: returns once started.  Otherwise waits,
 * forwarding signals (and proxying the terminal), deletes the container and
 * stores the exit status the way a shell reports it ($?) in *status. */
int rt_run(const struct rt_global *g, const struct rt_create_opts *o, bool detach, int *status,
           sk_error *err);

/* The OCI state of one container, as `state` prints it. */
int rt_state(const struct rt_global *g, const char *id, json_t **out, sk_error *err);
/* All containers' states (an array). */
int rt_list(const struct rt_global *g, json_t **out, sk_error *err);
int rt_kill(const struct rt_global *g, const char *id, int sig, bool all, sk_error *err);
int rt_delete(const struct rt_global *g, const char *id, bool force, sk_error *err);
int rt_pause(const struct rt_global *g, const char *id, sk_error *err);
int rt_resume(const struct rt_global *g, const char *id, sk_error *err);
int rt_pids(const struct rt_global *g, const char *id, pid_t **pids, size_t *n, sk_error *err);
int rt_update(const struct rt_global *g, const char *id, const struct oci_resources *r,
              sk_error *err);
int rt_stats(const struct rt_global *g, const char *id, struct cg_stats *st, sk_error *err);

struct rt_exec_opts {
    const char *id;
    struct oci_process *process; /* complete: args, env, cwd, user, caps ... */
    const char *console_socket;
    const char *pid_file;
    bool detach;
    unsigned preserve_fds;
};
/* Run a process inside a running container.  Without detach, waits and
 * stores its shell-style exit status in *status. */
int rt_exec(const struct rt_global *g, const struct rt_exec_opts *o, int *status, sk_error *err);

/* The container's own process as the base of an exec: its env, cwd, user,
 * capabilities, no_new_privs and rlimits (what runc exec inherits). */
int rt_exec_base(const struct rt_global *g, const char *id, struct oci_process *p, sk_error *err);

/* Re-exec the running binary through a read-only view of itself (a
 * detached read-only bind mount, else a sealed memfd copy) unless it already
 * runs from one, so /proc/self/exe in a container can never be written
 * (CVE-2019-5736).  Returns 0 when already sealed, -1 when it failed. */
int rt_ensure_sealed(char **argv, sk_error *err);
bool rt_is_sealed(void);
/* An O_CLOEXEC fd of a read-only, detached view of our binary, for
 * execveat(fd, "", ..., AT_EMPTY_PATH): a child started that way runs
 * sealed from the start (no second exec).  -1 when it cannot be had. */
int rt_sealed_exe_fd(void);
/* The memfd variant alone (the fallback; exposed for tests). */
int rt_seal_memfd(char **argv, sk_error *err);

/* A start's first cgroup move on a host with v1 hierarchies waits for an
 * RCU grace period (5-25 ms); between begin and end a thread of the caller
 * lets it pass beside the start's other work (cgroup/warm.c).  Best effort:
 * NULL (nothing to end) on pure v2 hosts, while another start warms, or
 * when it cannot be done. */
struct rt_warm;
struct rt_warm *rt_cgroup_warm_begin(void);
void rt_cgroup_warm_end(struct rt_warm *w);

#endif

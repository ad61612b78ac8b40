/* plan_build.h - parent side: config.json -> plan (see plan.h). */
#ifndef SKIFF_RUNTIME_PLAN_BUILD_H
#define SKIFF_RUNTIME_PLAN_BUILD_H

#include "runtime/plan.h"
#include "util/arena.h"
#include "util/error.h"

struct cgroup;

struct plan_opts {
    const char *id;
    const char *bundle; /* absolute */
    const struct cgroup *cgroup;
    bool no_pivot;
    bool no_new_keyring;
};

int plan_build_init(struct init_plan *p, struct sk_arena *a, const struct oci_spec *s,
                    const struct plan_opts *o, sk_error *err);
void plan_build_proc(struct proc_plan *pp, const struct oci_process *proc,
                     const struct oci_spec *s);
/* Open a namespace file and check it is of the expected type. */
int plan_open_ns(const char *path, enum oci_ns ns, sk_error *err);
void plan_close_fds(struct init_plan *p);

/* pid and time namespaces apply to children only: the parent enters them
 * (join_fds, or a new time namespace with linux.timeOffsets) just for the
 * clone, and restores its own right after. */
struct ns_saved {
    int pid, time;
};
int plan_parent_ns_enter(const struct init_plan *p, const struct oci_linux *l, struct ns_saved *sv,
                         sk_error *err);
void plan_parent_ns_restore(struct ns_saved *sv);

#endif

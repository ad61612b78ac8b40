/* child.h - the cloned process: from clone() to execve().
 *
 * spawn_init() clones the container's first process into new namespaces and
 * runs init_main() in it; spawn_exec() clones a process that joins an
 * existing container and runs exec_main().  Both return the parent's end of
 * the sync socket.  Child code never returns: it execs or _exits, reporting
 * any failure over the socket first. */
#ifndef SKIFF_RUNTIME_CHILD_H
#define SKIFF_RUNTIME_CHILD_H

#include <sys/types.h>

#include "runtime/plan.h"
#include "util/error.h"

int spawn_init(struct init_plan *p, pid_t *pid, int *sock, sk_error *err);
int spawn_exec(struct init_plan *p, pid_t *pid, int *sock, sk_error *err);

#endif

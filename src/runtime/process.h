/* process.h - child side: turn the cloned process into the configured one
 * (terminal, rlimits, user and groups, capabilities, no_new_privs, seccomp,
 * cwd) and exec it.  Everything here runs between clone and exec. */
#ifndef SKIFF_RUNTIME_PROCESS_H
#define SKIFF_RUNTIME_PROCESS_H

#include <stddef.h>

#include "runtime/plan.h"
#include "util/error.h"

/* Open a pty in the container's /dev/pts, make it the controlling terminal
 * and stdio, and hand the master to the console socket (or to the parent
 * over sync_sock).  With bind_console, the slave also becomes /dev/console. */
int proc_terminal(const struct proc_plan *pp, int sync_sock, bool bind_console, sk_error *err);

/* Credentials and the rest, up to (not including) the exec.  Resolves the
 * program into exe (via the container's PATH).  May load seccomp early
 * (without no_new_privs it must happen while CAP_SYS_ADMIN is held). */
int proc_prepare(const struct proc_plan *pp, int sync_sock, char *exe, size_t cap,
                 bool *seccomp_loaded, sk_error *err);

/* Load seccomp now if not done, close what must not leak, exec. */
int proc_exec(const struct proc_plan *pp, const char *exe, bool seccomp_loaded, int sync_sock,
              sk_error *err);

/* PATH search the way runc does it; exposed for tests. */
int proc_lookup(const char *name, const char *path_env, char *out, size_t cap, sk_error *err);

#endif

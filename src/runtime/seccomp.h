/* seccomp.h - the OCI seccomp schema compiled to a BPF program.
 *
 * Compiled in the parent with libseccomp and exported as raw BPF; the child
 * only calls seccomp(2) with it (crun's way: no library code after clone). */
#ifndef SKIFF_RUNTIME_SECCOMP_H
#define SKIFF_RUNTIME_SECCOMP_H

#include <jansson.h>
#include <linux/filter.h>
#include <stdbool.h>

#include "util/error.h"

struct seccomp_program {
    struct sock_fprog prog; /* filter is malloc'd */
    unsigned flags;         /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
    bool notify;            /* some rule uses SCMP_ACT_NOTIFY */
    char *listener_path;
    char *listener_metadata;
};

/* Compile linux.seccomp.  An empty/absent object yields prog.len == 0. */
int seccomp_compile(json_t *spec, struct seccomp_program *out, sk_error *err);
void seccomp_program_clear(struct seccomp_program *p);
/* The same through a cache of compiled programs in cache_dir (the runtime's
 * state root): a profile compiles once per boot, not once per container. */
int seccomp_compile_cached(json_t *spec, const char *cache_dir, struct seccomp_program *out,
                           sk_error *err);

/* Hand a notify fd to linux.seccomp.listenerPath with the container state
 * (the runtime-spec's seccomp agent protocol).  Closes fd. */
int seccomp_forward_listener(const struct seccomp_program *p, int fd, const char *id, int pid,
                             const char *bundle, sk_error *err);

#endif

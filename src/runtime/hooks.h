/* hooks.h - OCI lifecycle hooks: run one with the state on stdin, a
 * timeout, and its output kept for the error message. */
#ifndef SKIFF_RUNTIME_HOOKS_H
#define SKIFF_RUNTIME_HOOKS_H

#include <stddef.h>

#include "oci/spec.h"
#include "util/error.h"

/* Run hooks[0..n) in order; the first failure stops and is returned.
 * `what` names the phase in errors ("createRuntime").  Safe to call in the
 * cloned child (no allocation). */
int hooks_run(const struct oci_hook *hooks, size_t n, const char *what, const char *state,
              size_t state_len, sk_error *err);

#endif

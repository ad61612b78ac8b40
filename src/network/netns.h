/* netns.h - network namespaces that outlive their processes: a namespace
 * bind-mounted on a file (as `ip netns` does), under a directory that is a
 * shared mount so that unmounting reaches every copy. */
#ifndef SKIFF_NETWORK_NETNS_H
#define SKIFF_NETWORK_NETNS_H

#include "util/error.h"

/* Make path a new namespace with its loopback up.  An existing one is kept
 * (returns 1); a new one returns 0. */
int netns_create(const char *path, sk_error *err);
/* Unmount and unlink; a missing one is no error. */
int netns_remove(const char *path, sk_error *err);
/* Switch this thread to the namespace at path; *saved gets what to switch
 * back to with netns_leave(). */
int netns_enter(const char *path, int *saved, sk_error *err);
void netns_leave(int saved);

#endif

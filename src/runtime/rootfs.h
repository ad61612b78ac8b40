/* rootfs.h - the container's filesystem view, built by the child in its
 * new mount namespace.  Every mount target is resolved inside the rootfs
 * (openat2 RESOLVE_IN_ROOT) and mounted through /proc/self/fd/N so a
 * symlink swapped in meanwhile cannot redirect it (CVE-2021-30465). */
#ifndef SKIFF_RUNTIME_ROOTFS_H
#define SKIFF_RUNTIME_ROOTFS_H

#include "runtime/plan.h"
#include "util/error.h"

/* Before pivot: propagation, rootfs bind, the config's mounts, devices.
 * Returns an O_PATH fd of the rootfs in *rootfd. */
int rootfs_prepare(const struct init_plan *p, int *rootfd, sk_error *err);
/* pivot_root (or MS_MOVE + chroot with no_pivot) into rootfd. */
int rootfs_pivot(const struct init_plan *p, int rootfd, sk_error *err);
/* After pivot: sysctls, masked and read-only paths, read-only root. */
int rootfs_finish(const struct init_plan *p, sk_error *err);
/* Bind the terminal's slave over /dev/console (after pivot). */
int rootfs_console(int slave, sk_error *err);

/* Whether dest is a /proc file that may be mounted over (lxcfs). */
bool rootfs_proc_mount_allowed(const char *dest);

#endif

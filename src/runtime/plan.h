/* plan.h - everything the container's first process (or an exec'd process)
 * needs, prepared by the parent before clone so the child only makes
 * syscalls: no parsing, no allocation it cannot do without, no decisions
 * that could fail for reasons other than the kernel saying no.
 */
#ifndef SKIFF_RUNTIME_PLAN_H
#define SKIFF_RUNTIME_PLAN_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"

enum mount_op {
    MOUNT_FS,     /* mount(source, dest, type, flags, data) */
    MOUNT_BIND,   /* bind source (host path) to dest, then remount with flags */
    MOUNT_REMOUNT /* remount dest (already mounted) with flags */
};

struct mount_plan {
    enum mount_op op;
    const char *dest; /* absolute in the container */
    const char *source;
    const char *type;
    const char *data;
    unsigned long flags;       /* MS_* without BIND/REC/REMOUNT */
    unsigned long clear_flags; /* MS_* the config explicitly cleared ("rw", "suid", ...) */
    unsigned long propagation; /* 0 = leave */
    uint64_t rec_set, rec_clr; /* mount_setattr(AT_RECURSIVE) */
    bool recursive;            /* rbind */
    bool src_is_dir;           /* bind: create dest as dir (else as file) */
    bool copyup;               /* tmpfs seeded with dest's old content */
    bool flags_need_remount;   /* bind: some flag beyond MS_BIND was asked */
};

struct device_plan {
    const char *path; /* absolute in the container */
    mode_t mode;      /* S_IFCHR|perm etc. */
    dev_t dev;
    uid_t uid;
    gid_t gid;
    const char *host_path; /* for bind-mounting when mknod is not allowed */
};

struct proc_plan {
    char *const *argv;
    char *const *envp;
    const char *cwd;
    const char *path_env; /* PATH for the program lookup */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t n_groups;
    bool set_umask;
    mode_t umask;
    bool has_caps;
    struct oci_caps caps;
    int cap_last;
    const struct oci_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privs;
    struct sock_fprog seccomp; /* len 0 = none */
    unsigned seccomp_flags;
    bool seccomp_notify;
    bool terminal;
    unsigned short rows, cols;
    int console_sock; /* -1 = send the pty master to the parent instead */
    unsigned preserve_fds;
    const char *apparmor; /* profile to apply at exec (host has AppArmor) */
    const char *selinux;  /* label to apply at exec (host has SELinux) */
    bool has_personality;
    unsigned long personality;
};

struct hook_plan {
    const struct oci_hook *hooks;
    size_t n;
};

struct init_plan {
    const char *id;
    int clone_flags;         /* namespaces created by clone() */
    int unshare_flags;       /* created after joining a user namespace by path */
    bool unshare_cgroupns;   /* after joining the cgroup */
    int join_fds[OCI_NS_COUNT]; /* -1 or an fd to setns() into */
    bool userns;             /* a new user namespace: wait for the maps */
    const char *hostname, *domainname;
    bool new_keyring;
    /* rootfs */
    const char *rootfs;       /* absolute host path */
    unsigned long rootfs_propagation;
    const char *rootfs_parent_mount; /* mount point holding rootfs (for rshared) */
    bool readonly_root;
    bool no_pivot;
    struct mount_plan *mounts;
    size_t n_mounts;
    bool make_devices;        /* /dev is ours: create the device nodes */
    bool bind_devices;        /* in a user namespace: bind them from the host */
    struct device_plan *devices;
    size_t n_devices;
    bool dev_pts;             /* /dev/ptmx -> pts/ptmx */
    char *const *masked;
    char *const *readonly;
    char *const *sysctl_keys;
    char *const *sysctl_values;
    struct hook_plan create_container, start_container;
    /* the state JSON given to hooks on stdin; filled by the parent later */
    char *state_buf;
    size_t state_cap;
    int fifo_fd;              /* exec.fifo opened O_RDONLY|O_NONBLOCK, -1 for run */
    int lock_fd;              /* the parent's flock'ed state dir: the child drops its copy */
    int cgroup_fd;            /* cgroup v2 dir to clone straight into (-1: none) */
    bool cloned_into_cgroup;  /* set by spawn: CLONE_INTO_CGROUP worked, no attach needed */
    struct proc_plan proc;
};

#endif

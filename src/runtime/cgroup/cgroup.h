/* cgroup.h - container cgroups on cgroup v1, v2 and the v1/v2 hybrid.
 *
 * One interface, two writers kept apart (cgroup_v1.c, cgroup_v2.c) behind a
 * table of functions.  A struct cgroup is the resolved location of one
 * container's cgroup; it round-trips through JSON so later commands (kill,
 * pause, delete, stats) use exactly what create made.
 *
 * The host layout (which hierarchies are mounted where, and which cgroup
 * this process is in) is parsed from /proc/self/mountinfo and
 * /proc/self/cgroup, or from text handed in by tests.
 */
#ifndef SKIFF_RUNTIME_CGROUP_H
#define SKIFF_RUNTIME_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

enum cg_mode { CG_MODE_V1, CG_MODE_HYBRID, CG_MODE_V2 };

struct cg_hier {
    char *mountpoint;  /* /sys/fs/cgroup/memory */
    char *controllers; /* "memory", "cpu,cpuacct", "name=systemd" */
    char *own;         /* this process's cgroup in it ("/process_api/x") */
};

struct cg_host {
    enum cg_mode mode;
    struct cg_hier *hiers; /* v1 hierarchies (v1 and hybrid) */
    size_t n_hiers;
    char *unified;     /* cgroup2 mount point, NULL if none */
    char *unified_own; /* this process's cgroup in it */
};

struct cgroup;

#define CG_IO_DEVICES 16
struct cg_stats {
    uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
    uint64_t memory_usage, memory_limit, memory_max_usage, memory_cache;
    uint64_t oom_kills;
    uint64_t pids_current, pids_limit;
    struct cg_io {
        unsigned major, minor;
        uint64_t read_bytes, write_bytes;
    } io[CG_IO_DEVICES]; /* bytes read and written per block device */
    size_t n_io;
};

struct cg_ops {
    const char *name;
    int (*create)(struct cgroup *cg, sk_error *err);
    int (*enter)(struct cgroup *cg, pid_t pid, sk_error *err);
    int (*apply)(struct cgroup *cg, const struct oci_resources *r, sk_error *err);
    int (*freeze)(struct cgroup *cg, bool freeze, sk_error *err);
    int (*is_frozen)(struct cgroup *cg);
    int (*pids)(struct cgroup *cg, pid_t **out, size_t *n, sk_error *err);
    int (*destroy)(struct cgroup *cg, sk_error *err);
    int (*stats)(struct cgroup *cg, struct cg_stats *st, sk_error *err);
};


struct cgroup {
    const struct cg_ops *ops;
    struct cg_host host;
    char *path; /* the container's cgroup relative to every hierarchy's root */
    /* v1: one directory per hierarchy (n_hiers entries, NULL when unused) */
    char **dirs;
    /* v2 (and the hybrid's unified tree) */
    char *unified_dir;
};

/* Parse the host layout from mountinfo and /proc/PID/cgroup text. */
int cg_host_parse(const char *mountinfo, const char *proc_cgroup, bool root_is_cgroup2,
                  struct cg_host *h, sk_error *err);
/* Whether path is a cgroup2 mount (/sys/fs/cgroup: a pure v2 host). */
bool cg_is_cgroup2(const char *path);
/* The running host's layout (read afresh each call). */
int cg_host_detect(struct cg_host *h, sk_error *err);
void cg_host_clear(struct cg_host *h);

/* Turn config.json's cgroupsPath into a path from the hierarchy root:
 *   "/a/b"               -> "/a/b"
 *   "a/b"                -> own cgroup + "/a/b"
 *   "slice:prefix:name"  -> "/a.slice/a-b.slice/prefix-name.scope" (systemd's layout)
 *   "" or NULL           -> "/skiff/<id>" ("system.slice:skiff:<id>" with systemd)
 * Rejects ".." components. */
int cg_resolve_path(const char *cgroups_path, const char *id, bool systemd, const char *own,
                    char **out, sk_error *err);

/* Make the cgroup object (no filesystem changes). */
int cg_new(const struct cg_host *host, const char *path, struct cgroup **out, sk_error *err);
void cg_free(struct cgroup *cg);

/* Serialise for state.json and back. */
json_t *cg_to_json(const struct cgroup *cg);
int cg_from_json(json_t *j, struct cgroup **out, sk_error *err);

int cg_create(struct cgroup *cg, sk_error *err);
/* On pure v2: an fd of the container's cgroup for clone3(CLONE_INTO_CGROUP),
 * -1 otherwise (v1 and the hybrid attach with cg_enter). */
int cg_clone_fd(const struct cgroup *cg);
int cg_enter(struct cgroup *cg, pid_t pid, sk_error *err);
/* Write what r sets (create, and `update` later: unset fields are left alone). */
int cg_apply(struct cgroup *cg, const struct oci_resources *r, sk_error *err);
int cg_freeze(struct cgroup *cg, bool freeze, sk_error *err);
/* 1 frozen, 0 not, -1 unknown. */
int cg_is_frozen(struct cgroup *cg);
int cg_pids(struct cgroup *cg, pid_t **out, size_t *n, sk_error *err);
/* Remove the directories (the cgroup must be empty). */
int cg_destroy(struct cgroup *cg, sk_error *err);
int cg_stats(struct cgroup *cg, struct cg_stats *st, sk_error *err);

/* The device rules runc and docker always allow (null, zero, full, random,
 * urandom, tty, console, ptmx, pts, tun). */
const struct oci_device_rule *cg_default_device_rules(size_t *n);
/* The rules to enforce, in order (later wins): the config's rules up to its
 * last deny-all, the default allows, then the config's remaining rules, so
 * that a config can still deny a default device.  Malloc'd. */
int cg_effective_device_rules(const struct oci_device_rule *rules, size_t n,
                              struct oci_device_rule **out, size_t *n_out, sk_error *err);

/* The v2 device filter as eBPF (cgroup_v2_devices.c).  Exposed for tests:
 * the instructions for a rule list, and loading+attaching them. */
struct bpf_insn;
int cg_v2_devices_program(const struct oci_device_rule *rules, size_t n, struct bpf_insn **out,
                          size_t *n_insns, sk_error *err);
int cg_v2_devices_attach(const char *dir, const struct oci_device_rule *rules, size_t n,
                         sk_error *err);

/* Conversions v1 -> v2 (unit-tested). */
uint64_t cg_shares_to_weight(uint64_t shares);
uint64_t cg_blkio_to_io_weight(uint64_t weight);

extern const struct cg_ops cg_ops_v1;
extern const struct cg_ops cg_ops_v2;

/* Shared helpers for the writers. */
int cg_write(const char *dir, const char *file, const char *value, sk_error *err);
int cg_writef(const char *dir, const char *file, sk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int cg_read_u64(const char *dir, const char *file, uint64_t *out);
int cg_read_pids(const char *dir, pid_t **out, size_t *n, sk_error *err);
int cg_rmdir(const char *dir, sk_error *err);
bool cg_has_file(const char *dir, const char *file);
/* The number after "key " in a flat-keyed file such as memory.stat; 0 if absent. */
uint64_t cg_stat_field(const char *dir, const char *file, const char *key);
/* Block I/O bytes per device into st: v1's blkio.throttle.io_service_bytes
 * ("8:0 Read 4096" lines) or v2's io.stat ("8:0 rbytes=4096 wbytes=0 ..."). */
void cg_read_io(const char *dir, const char *file, bool v2, struct cg_stats *st);
/* The v1 directory of the hierarchy holding controller (NULL if none). */
const char *cg_v1_dir(const struct cgroup *cg, const char *controller);

#endif

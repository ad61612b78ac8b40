/* spec.h - the OCI runtime-spec (1.x) config.json as validated C values.
 *
 * oci_spec_parse() reads the whole document, checks every field it knows for
 * type and range, and reports the first problem as one line naming the field
 * ("config.json: process.args[1]: expected a string").  Unknown fields are
 * ignored, as the spec requires.  Everything here is pure: no syscalls
 * beyond reading the file, so it is unit-tested and fuzzed directly.
 */
#ifndef SKIFF_OCI_SPEC_H
#define SKIFF_OCI_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct opt_i64 {
    bool set;
    int64_t v;
};
struct opt_u64 {
    bool set;
    uint64_t v;
};

enum oci_ns {
    OCI_NS_PID,
    OCI_NS_NET,
    OCI_NS_IPC,
    OCI_NS_UTS,
    OCI_NS_MNT,
    OCI_NS_USER,
    OCI_NS_CGROUP,
    OCI_NS_TIME,
    OCI_NS_COUNT
};
/* "pid", "network", ... as in config.json; and the /proc/PID/ns/ names. */
const char *oci_ns_name(enum oci_ns ns);
const char *oci_ns_proc_name(enum oci_ns ns);
int oci_ns_clone_flag(enum oci_ns ns);

struct oci_namespace {
    bool present; /* listed in linux.namespaces */
    char *path;   /* join this one instead of creating a new one */
};

struct oci_id_map {
    uint32_t container_id, host_id, size;
};

struct oci_caps {
    uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_rlimit {
    int resource;
    uint64_t soft, hard;
};

struct oci_process {
    bool terminal;
    unsigned console_height, console_width;
    char **args;
    char **env;
    char *cwd;
    uint32_t uid, gid;
    struct opt_u64 umask;
    gid_t *additional_gids;
    size_t n_additional_gids;
    bool has_caps;
    struct oci_caps caps;
    struct oci_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    struct opt_i64 oom_score_adj;
    char *apparmor_profile;
    char *selinux_label;
};

struct oci_mount {
    char *destination;
    char *type;
    char *source;
    unsigned long flags;       /* MS_* to set */
    unsigned long clear;       /* MS_* explicitly cleared (rw, suid, ...) */
    unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE [|MS_REC] */
    bool bind, recursive;      /* "bind" / "rbind" */
    uint64_t rec_attr_set;     /* MOUNT_ATTR_* applied recursively ("rro", "rnosuid", ...) */
    uint64_t rec_attr_clr;
    bool copyup;               /* "tmpcopyup": seed a tmpfs with what the target held */
    char *data;                /* options the filesystem gets, comma-joined */
};

struct oci_device {
    char type; /* 'c', 'b', 'p' ('u' is the same as 'c') */
    char *path;
    int64_t major, minor;
    struct opt_u64 file_mode, uid, gid;
};

struct oci_device_rule {
    bool allow;
    char type;            /* 'a', 'c' or 'b' */
    int64_t major, minor; /* -1 = any */
    char access[4];       /* subset of "rwm" */
};

struct oci_weight_device {
    int64_t major, minor;
    struct opt_u64 weight, leaf_weight;
};
struct oci_throttle_device {
    int64_t major, minor;
    uint64_t rate;
};

struct oci_resources {
    struct {
        struct opt_i64 limit, reservation, swap, kernel, kernel_tcp;
        struct opt_u64 swappiness;
        bool disable_oom_killer;
        bool use_hierarchy_set;
    } memory;
    struct {
        struct opt_u64 shares, period, realtime_period, burst;
        struct opt_i64 quota, realtime_runtime, idle;
        char *cpus, *mems;
    } cpu;
    struct opt_i64 pids_limit;
    struct {
        struct opt_u64 weight, leaf_weight;
        struct oci_weight_device *weight_devices;
        size_t n_weight_devices;
        struct oci_throttle_device *throttle[4]; /* read bps, write bps, read iops, write iops */
        size_t n_throttle[4];
    } blkio;
    struct oci_device_rule *devices;
    size_t n_devices;
    struct {
        char **page_sizes;
        uint64_t *limits;
        size_t n;
    } hugepages;
    /* cgroup v2 files written verbatim: keys[i] = values[i] */
    char **unified_keys, **unified_values;
};

struct oci_hook {
    char *path;
    char **args;
    char **env;
    int timeout; /* seconds, 0 = none */
};

enum oci_hook_kind {
    OCI_HOOK_PRESTART,
    OCI_HOOK_CREATE_RUNTIME,
    OCI_HOOK_CREATE_CONTAINER,
    OCI_HOOK_START_CONTAINER,
    OCI_HOOK_POSTSTART,
    OCI_HOOK_POSTSTOP,
    OCI_HOOK_COUNT
};
const char *oci_hook_name(enum oci_hook_kind k);

struct oci_linux {
    struct oci_namespace ns[OCI_NS_COUNT];
    struct oci_id_map *uid_maps, *gid_maps;
    size_t n_uid_maps, n_gid_maps;
    char **sysctl_keys, **sysctl_values;
    bool has_resources;
    struct oci_resources res;
    char *cgroups_path;
    struct oci_device *devices;
    size_t n_devices;
    char **masked_paths;
    char **readonly_paths;
    unsigned long rootfs_propagation; /* 0 = default (rslave) */
    json_t *seccomp;                  /* borrowed from the document; see runtime/seccomp */
    struct {
        bool set;
        int64_t secs;
        uint32_t nanosecs;
    } time_offsets[2]; /* monotonic, boottime */
    struct opt_u64 personality;
    char *mount_label;
};

struct oci_spec {
    json_t *json; /* the document, owned */
    char *oci_version;
    bool has_process;
    struct oci_process process;
    char *root_path;
    bool root_readonly;
    char *hostname;
    char *domainname;
    struct oci_mount *mounts;
    size_t n_mounts;
    struct oci_hook *hooks[OCI_HOOK_COUNT];
    size_t n_hooks[OCI_HOOK_COUNT];
    struct oci_linux lx;
};

/* Parse config.json text.  `what` names the document in errors. */
int oci_spec_parse(const char *buf, size_t len, const char *what, struct oci_spec **out,
                   sk_error *err);
/* Read and parse <bundle>/config.json. */
int oci_spec_load(const char *bundle, struct oci_spec **out, sk_error *err);
void oci_spec_free(struct oci_spec *s);

/* A process object (config.json's "process", or runc exec --process). */
int oci_process_parse(json_t *obj, const char *ctx, struct oci_process *p, sk_error *err);
void oci_process_clear(struct oci_process *p);

/* linux.resources (also the document of `update --resources`). */
int oci_resources_parse(json_t *res, const char *ctx, struct oci_resources *r, sk_error *err);
void oci_resources_clear(struct oci_resources *r);

/* Parse a mount's options array into flags/propagation/data. */
int oci_mount_options(json_t *options, const char *ctx, struct oci_mount *m, sk_error *err);

/* The default config.json of `spec` (runc's defaults; rootless variant). */
json_t *oci_spec_default(bool rootless);

/* Checks shared with the sysctl writer: key is namespaced for the spec's
 * namespaces, and value is a single printable line. */
int oci_sysctl_validate(const struct oci_spec *s, const char *key, const char *value,
                        sk_error *err);

/* Value of NAME in env ("NAME=value"), or NULL. */
const char *oci_env_get(char *const *env, const char *name);

#endif

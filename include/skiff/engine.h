/* skiff/engine.h - libskiff's engine: containers the way docker runs them.
 *
 * The CLI (`skiff run ...`) and the Docker API server are thin layers over
 * these calls.  A container is described the way the Docker Engine API's
 * POST /containers/create body describes it (Image, Cmd, Entrypoint, Env,
 * Labels, ..., HostConfig{Binds, Tmpfs, Memory, RestartPolicy, ...}): the CLI
 * turns flags into that JSON, the API server receives it, the engine
 * validates it once.  Inspect returns docker's JSON shape.
 *
 * State on disk is the truth: <root>/containers/<id>/ holds the record
 * (config.json), the state (state.json, written atomically) and the log;
 * <runroot>/containers/<id>/ the bundle and the mounted rootfs while the
 * container runs.  Each started container has a monitor process of its own
 * (see `skiff monitor`, internal) that owns its stdio and records its exit;
 * no call here leaves a process behind that the caller must wait for.
 *
 * Every call returns 0 or -1 with *err filled with one line for the user
 * ("No such container: x").  Nothing here prints or exits.
 */
#ifndef SKIFF_ENGINE_H
#define SKIFF_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct sk_engine;
struct image_store;

struct sk_engine_opts {
    const char *root;      /* persistent state: "/var/lib/skiff" */
    const char *runroot;   /* runtime state: "/run/skiff" */
    char *const *insecure; /* registries (see skiff.1) */
    const char *exe;       /* this binary, for the monitor; NULL: /proc/self/exe */
    const char *log_level; /* passed to monitors; NULL: warn */
    char *const *address_pools; /* "base=CIDR,size=N" each: where new networks' subnets come
                                 * from (docker's default-address-pools); NULL: the defaults */
};

int sk_engine_open(const struct sk_engine_opts *o, struct sk_engine **out, sk_error *err);
void sk_engine_close(struct sk_engine *e);
struct image_store *sk_engine_images(struct sk_engine *e, sk_error *err);
/* The options it was opened with. */
const char *sk_engine_root(const struct sk_engine *e);
char *const *sk_engine_insecure(const struct sk_engine *e);

/* ---- containers ---------------------------------------------------------- */

#define SK_ID_LEN 64

enum sk_pull_policy { SK_PULL_MISSING, SK_PULL_ALWAYS, SK_PULL_NEVER };

/* Create a container from a Docker API create body.  name may be NULL (one
 * is made up).  The image is pulled per policy (progress to the callback,
 * may be NULL).  id gets the full id. */
struct pull_event;
struct sk_create_opts {
    const char *name;
    enum sk_pull_policy pull;
    const char *platform;
    void (*progress)(void *ud, const struct pull_event *ev);
    void *ud;
};
int sk_container_create(struct sk_engine *e, json_t *body, const struct sk_create_opts *o,
                        char id[SK_ID_LEN + 1], sk_error *err);

/* Name, full id or unique id prefix -> full id ("No such container: x"). */
int sk_container_resolve(struct sk_engine *e, const char *ref, char id[SK_ID_LEN + 1],
                         sk_error *err);

/* Start: spawns the monitor, which creates and starts the container and
 * reports back.  With attach, the monitor lets the process run only once
 * attach_fd is connected (see sk_container_attach for the stream), so that
 * no output is lost; wait_fd then tells how it ended (sk_wait_fd), also
 * for a --rm container that is gone by then.  Both are -1 without attach. */
struct sk_start_opts {
    bool attach;
    bool attach_stdin;
    int attach_fd; /* out */
    int wait_fd;   /* out */
};
int sk_container_start(struct sk_engine *e, const char *ref, struct sk_start_opts *o,
                       sk_error *err);
/* Block until the container behind a wait_fd ends. */
struct sk_exit;
int sk_wait_fd(int fd, struct sk_exit *out, sk_error *err);

/* Stop: the stop signal (sig; 0: the container's StopSignal, else SIGTERM), then
 * SIGKILL after timeout seconds (< 0: the container's StopTimeout, else 10).
 * A stopped container's restart policy does not restart it. */
int sk_container_stop(struct sk_engine *e, const char *ref, int timeout, int sig, sk_error *err);
int sk_container_restart(struct sk_engine *e, const char *ref, int timeout, sk_error *err);
int sk_container_kill(struct sk_engine *e, const char *ref, int sig, sk_error *err);
int sk_container_pause(struct sk_engine *e, const char *ref, sk_error *err);
int sk_container_unpause(struct sk_engine *e, const char *ref, sk_error *err);
/* Remove; a running container needs force (it is killed). */
int sk_container_remove(struct sk_engine *e, const char *ref, bool force, bool volumes,
                        sk_error *err);
int sk_container_rename(struct sk_engine *e, const char *ref, const char *name, sk_error *err);

/* docker update: Memory, MemorySwap, MemoryReservation, NanoCpus,
 * CpuShares, CpuPeriod, CpuQuota, CpusetCpus, CpusetMems, PidsLimit,
 * BlkioWeight and RestartPolicy from a Docker API update body, recorded
 * and, while it runs, applied to its cgroup. */
int sk_container_update(struct sk_engine *e, const char *ref, json_t *body, sk_error *err);

/* How a container ended. */
struct sk_exit {
    int code;               /* the exit code; 128+n after signal n */
    char reason[16];        /* "exited", "signal", "oom_killed", "runtime_error" */
    char signal[16];        /* "SIGKILL" when reason is signal */
    char finished_at[40];   /* RFC 3339 */
    bool oom_killed;
};
/* Wait until the container is not running (condition "not-running"), or
 * until it is removed ("removed"), or until its next exit ("next-exit"). */
int sk_container_wait(struct sk_engine *e, const char *ref, const char *condition,
                      struct sk_exit *out, sk_error *err);
/* Told once a wait or an attach is registered (a start from now on cannot
 * be missed): docker's clients start the container only after the server
 * has answered the wait's or the attach's head. */
struct sk_ready {
    void (*fn)(void *ud);
    void *ud;
};
int sk_container_wait_ready(struct sk_engine *e, const char *ref, const char *condition,
                            const struct sk_ready *ready, struct sk_exit *out, sk_error *err);

/* docker's inspect object. */
int sk_container_inspect(struct sk_engine *e, const char *ref, json_t **out, sk_error *err);
/* docker's list objects (Id, Names, Image, ImageID, Command, Created, State,
 * Status, Labels, Ports, Mounts ...), newest first. */
int sk_container_list(struct sk_engine *e, bool all, json_t **out, sk_error *err);
/* docker's SizeRw (the files the container wrote, its overlay's upper
 * directory) and SizeRootFs (with its image's). */
int sk_container_size(struct sk_engine *e, const char *ref, int64_t *rw, int64_t *rootfs,
                      sk_error *err);
/* docker's GET /system/df: LayersSize (each stored layer once), Images
 * (SharedSize: what another image shares; Containers: how many use it),
 * Containers (SizeRw, SizeRootFs), Volumes (UsageData: Size, RefCount),
 * BuildCache ([]). */
int sk_system_df(struct sk_engine *e, json_t **out, sk_error *err);
/* docker's GET /info: the containers by state, the images, the host (kernel,
 * OS, CPUs, memory, cgroup version), the storage and logging drivers, the
 * registries skiff reaches without TLS verification (IndexConfigs). */
int sk_system_info(struct sk_engine *e, json_t **out, sk_error *err);

/* The log, docker's json-file entries, filtered.  Calls sink for each
 * entry (stream 1 stdout, 2 stderr) until it returns non-zero; with follow,
 * waits for more until the container stops. */
struct sk_logs_opts {
    bool stdout_, stderr_;
    bool follow;
    long tail;       /* -1: all */
    int64_t since;   /* unix ns; 0: all */
    int64_t until;   /* unix ns; 0: no end */
};
int sk_container_logs(struct sk_engine *e, const char *ref, const struct sk_logs_opts *o,
                      int (*sink)(void *ud, int stream, const char *time, const char *data,
                                  size_t len),
                      void *ud, sk_error *err);

/* Connect to a running container's stdio: frames as the Docker API's
 * multiplexed stream ([stream, 0, 0, 0, len BE32] + data) when the
 * container has no terminal, raw bytes when it has one.  Writes to the fd
 * go to the container's stdin (when it has one open); shutdown(SHUT_WR)
 * closes it.  The monitor closes the connection after the container ends. */
int sk_container_attach(struct sk_engine *e, const char *ref, bool with_stdin, int *fd,
                        sk_error *err);

/* The same for a container that may not run yet (docker attaches first,
 * then starts): waits for its start by anyone and gets its stream from the
 * first byte.  Gives up when cancel_fd (may be -1) is hung up on. */
int sk_container_attach_wait(struct sk_engine *e, const char *ref, bool with_stdin, int cancel_fd,
                             const struct sk_ready *ready, int *fd, sk_error *err);
/* The size of a running container's terminal (ignored without one). */
int sk_container_resize(struct sk_engine *e, const char *ref, int rows, int cols, sk_error *err);

/* Run a command in a running container, with the caller's stdin, stdout
 * and stderr (or, with tty, a terminal the caller's is proxied to), the
 * container's environment plus env, its user and working directory unless
 * given.  Without detach, waits: *status is the command's exit code (128+n
 * after signal n).  The caller must run from a sealed binary (see
 * rt_ensure_sealed): the process is cloned from it. */
struct sk_exec_opts {
    char *const *cmd;
    char *const *env;   /* "K=V" */
    const char *workdir;
    const char *user;
    bool tty, detach, privileged;
};
int sk_container_exec(struct sk_engine *e, const char *ref, const struct sk_exec_opts *o,
                      int *status, sk_error *err);

/* Exec instances, as the Docker API has them: create records the command
 * (docker's ExecConfig: Cmd, Env, User, WorkingDir, Tty, Privileged,
 * Attach*) for a running container; start runs it once with stdio (-1:
 * the caller's own) and records its exit code before it returns; inspect
 * gives docker's ExecInspect (ExitCode null until it ended); resize sets
 * the size of its terminal while it runs. */
int sk_exec_create(struct sk_engine *e, const char *ref, json_t *cfg, char id[SK_ID_LEN + 1],
                   sk_error *err);
int sk_exec_start(struct sk_engine *e, const char *id, const int stdio[3], bool detach, sk_error *err);
int sk_exec_inspect(struct sk_engine *e, const char *id, json_t **out, sk_error *err);
int sk_exec_resize(struct sk_engine *e, const char *id, int rows, int cols, sk_error *err);

/* docker cp.  Host paths are the caller's; container paths are resolved in
 * the container's root (its mounts included while it runs) and never
 * leave it.  Docker's rules: "dir/." copies the contents; an existing
 * directory as destination receives the source under its own name.
 * Without archive the copies belong to the receiving side's root user.
 * follow (cp -L): a source that is a symlink is copied as what it points to
 * (in the container: resolved inside its root), under the link's name. */
int sk_container_copy_to(struct sk_engine *e, const char *ref, const char *src_host,
                         const char *dst, bool archive, bool follow, sk_error *err);
int sk_container_copy_from(struct sk_engine *e, const char *ref, const char *src,
                           const char *dst_host, bool archive, bool follow, sk_error *err);
/* A tar stream into a container directory (names as they are: no
 * whiteouts; owners kept with archive, else root's), and a container path
 * as a tar. */
int sk_container_extract(struct sk_engine *e, const char *ref, const char *dst_dir, int tar_fd,
                         bool archive, sk_error *err);
int sk_container_archive(struct sk_engine *e, const char *ref, const char *src, int out_fd,
                         sk_error *err);

/* The stat docker cp's API reports of a container path (its mounts
 * included): {"name", "size", "mode" (a Go os.FileMode), "mtime", "linkTarget"}. */
int sk_container_stat(struct sk_engine *e, const char *ref, const char *path, json_t **out,
                      sk_error *err);

/* docker export: the container's own filesystem (no mounts) as a tar. */
int sk_container_export(struct sk_engine *e, const char *ref, int out_fd, sk_error *err);
/* docker diff: [{"Path": "/etc/x", "Kind": 0 changed | 1 added | 2 deleted}], by path. */
int sk_container_changes(struct sk_engine *e, const char *ref, json_t **out, sk_error *err);
/* docker top: {"Titles": [...], "Processes": [[...], ...]} from ps(1) with
 * ps_args (NULL: "-ef"), the container's processes only. */
int sk_container_top(struct sk_engine *e, const char *ref, const char *ps_args, json_t **out,
                     sk_error *err);
/* One sample, shaped like the Docker API's stats (cpu_stats.cpu_usage.total_usage
 * in ns, memory_stats.usage/limit, pids_stats.current, networks.eth0,
 * blkio_stats.io_service_bytes_recursive [{major, minor, op, value}]). */
int sk_container_stats(struct sk_engine *e, const char *ref, json_t **out, sk_error *err);

/* The filter kinds the lists know (docker's names), NULL-terminated:
 * containers, networks, volumes. */
extern const char *const sk_container_filter_kinds[];
extern const char *const sk_network_filter_kinds[];
extern const char *const sk_volume_filter_kinds[];

/* Does a list object (sk_container_list) pass docker's filters {"kind":
 * ["value"]}: status, name, id, label, ancestor, health, exited, network,
 * volume, before, since, is-task?  Unknown kinds: *bad_kind is set. */
bool sk_container_matches(struct sk_engine *e, json_t *row, json_t *filters, const char **bad_kind);

/* docker container prune: the stopped containers that pass filters
 * (label=k[=v], label!=..., until=TIME) removed; *deleted gets their ids. */
int sk_container_prune(struct sk_engine *e, json_t *filters, json_t **deleted, sk_error *err);

/* ---- images that containers use ------------------------------------------------ */

/* docker tag: source (name or id) gets the target reference; an image
 * "tag" event. */
int sk_image_tag(struct sk_engine *e, const char *source, const char *target, sk_error *err);
/* docker's image summaries (GET /images/json): Id, ParentId, RepoTags and
 * RepoDigests (familiar names), Created (unix), Size, SharedSize, Labels,
 * Containers. */
int sk_image_list(struct sk_engine *e, json_t **out, sk_error *err);
/* docker's image history (GET /images/{name}/history), newest first: Id
 * (the image's on the newest entry, "<missing>" below), Created (unix),
 * CreatedBy, Tags (the newest: the image's names), Size (of the layer the
 * entry made, 0 for an empty one), Comment. */
int sk_image_history(struct sk_engine *e, const char *name, json_t **out, sk_error *err);
/* docker's image list filters {"kind": ["value"]} (dangling, label,
 * reference, before, since) on sk_image_list's summaries: *out gets the
 * ones that pass, their RepoTags and RepoDigests narrowed to the names a
 * reference filter matches.  An unknown kind or a bad value: -1 ("invalid
 * filter ..."). */
int sk_image_filter(struct sk_engine *e, json_t *rows, json_t *filters, json_t **out,
                    sk_error *err);
/* docker pull: registry_pull with the engine's insecure registries (o's
 * are ignored), then a "pull" event. */
/* docker load / save / import through the image store (image/archive.h),
 * with their events: image load (one per image), save, import. */
struct byte_source;
struct import_opts;
int sk_image_load(struct sk_engine *e, const struct byte_source *src, json_t **loaded, sk_error *err);
int sk_image_save(struct sk_engine *e, char *const *names, size_t n, int fd, sk_error *err);
int sk_image_import(struct sk_engine *e, const struct byte_source *src, const struct import_opts *o,
                    char id[72], sk_error *err);

struct pull_opts;
struct pull_result;
/* The tags a registry has for repo ("host/name"; for pull --all-tags). */
int sk_image_tags(struct sk_engine *e, const char *repo, const struct pull_opts *o, json_t **tags,
                  sk_error *err);
int sk_image_pull(struct sk_engine *e, const char *ref, const struct pull_opts *o,
                  struct pull_result *res, sk_error *err);
/* docker rmi: image_remove with the containers' images protected (refused
 * without force, never deleted while a container uses them), then the
 * store's garbage collected; "untag" and "delete" events. */
int sk_image_remove(struct sk_engine *e, const char *name, bool force, json_t *events, sk_error *err);
/* docker image prune [-a] [--filter]: dangling images (all unused with
 * all), none a container uses, that docker's prune filters (label, label!,
 * until; may be NULL) let go; events gets docker's lines, *freed the bytes. */
int sk_image_prune(struct sk_engine *e, bool all, json_t *filters, json_t *events, uint64_t *freed,
                   sk_error *err);

/* ---- networks (the bridge driver) ------------------------------------------------ */

/* Create from docker's NetworkCreate body (Name, Driver, Internal, Labels,
 * Options, EnableIPv6, IPAM.Config[].Subnet/Gateway/IPRange: one IPv4 and
 * one IPv6 entry).  *out (may be NULL): docker's network object. */
int sk_network_create(struct sk_engine *e, json_t *req, json_t **out, sk_error *err);
/* IPAM.Config from the flags of docker's `network create` (--subnet,
 * --gateway, --ip-range, each an array of strings): each gateway and range
 * goes to the subnet that holds it (docker's CLI pairs them so). */
int sk_network_ipam_flags(json_t *subnets, json_t *gateways, json_t *ranges, json_t **config,
                          sk_error *err);
/* By name, id or id prefix; Containers lists the endpoints. */
int sk_network_inspect(struct sk_engine *e, const char *ref, json_t **out, sk_error *err);
/* All networks (bridge, host and none included). */
int sk_network_list(struct sk_engine *e, json_t **out, sk_error *err);
/* Refuses predefined networks and networks with containers. */
int sk_network_remove(struct sk_engine *e, const char *ref, sk_error *err);
/* Connect a container (running or not) to a network: a lease (ip, ip6
 * may be NULL), and an interface at once when its namespace exists. */
int sk_network_connect(struct sk_engine *e, const char *net, const char *ctr, const char *ip,
                       const char *ip6, json_t *aliases, sk_error *err);
/* The interface and the lease gone; force: also a container that is gone. */
int sk_network_disconnect(struct sk_engine *e, const char *net, const char *ctr, bool force,
                          sk_error *err);
/* Remove the networks no container uses that docker's prune filters (label,
 * label!, until; may be NULL) let go; *removed: their names. */
int sk_network_prune(struct sk_engine *e, json_t *filters, json_t **removed, sk_error *err);
/* Does a network object (sk_network_list) pass docker's filters {"kind":
 * ["value"]}: name, id, driver, label, scope, type (custom|builtin),
 * dangling?  Unknown kinds: *bad_kind is set. */
bool sk_network_matches(json_t *net, json_t *filters, const char **bad_kind);

/* ---- volumes (the local driver) ------------------------------------------------ */

/* Create (or find: docker returns an existing one) a volume; name NULL
 * makes a random one; opts (may be NULL) are the local driver's DriverOpts
 * (type, device, o: mounted on the volume at its first use).  *out (may be
 * NULL) gets docker's volume object. */
int sk_volume_create(struct sk_engine *e, const char *name, json_t *labels, json_t *opts,
                     bool anonymous, json_t **out, sk_error *err);
int sk_volume_inspect(struct sk_engine *e, const char *name, json_t **out, sk_error *err);
/* All volumes, each with "InUse". */
int sk_volume_list(struct sk_engine *e, json_t **out, sk_error *err);
/* Refused while a container mounts it; force: a missing one is no error. */
int sk_volume_remove(struct sk_engine *e, const char *name, bool force, sk_error *err);
/* Does a volume object (sk_volume_list) pass docker's filters: name,
 * dangling, driver, label?  Unknown kinds: *bad_kind is set. */
bool sk_volume_matches(json_t *vol, json_t *filters, const char **bad_kind);
/* docker volume prune: the volumes no container uses - only anonymous ones
 * (made without a name) unless all - that pass filters (label, label!; may
 * be NULL) removed; *removed: their names, *freed: their bytes. */
int sk_volume_prune(struct sk_engine *e, bool all, json_t *filters, json_t **removed,
                    uint64_t *freed, sk_error *err);

/* ---- events ------------------------------------------------------------------ */

/* Record an event (docker's shape: Type, Action, Actor{ID, Attributes}, time,
 * timeNano); attrs is taken over.  Best effort: never fails the caller. */
void sk_event(struct sk_engine *e, const char *type, const char *action, const char *id,
              json_t *attrs);
/* Events between since and until (unix ns; 0: from now / no end) that pass
 * filters ({"type": ["container"], "event": [...], "container": [...],
 * "image": [...], "label": ["k=v"]}); with follow, waits for more until
 * until (or forever) or until sink returns non-zero. */
int sk_events(struct sk_engine *e, int64_t since, int64_t until, json_t *filters, bool follow,
              int (*sink)(void *ud, json_t *event), void *ud, sk_error *err);

/* The entry point of the monitor process (`skiff monitor`, internal):
 * SK_MONITOR_ATTACH_WAIT waits for "go" on sync_fd before the container
 * runs; SK_MONITOR_RESUME takes a running or ended container back from
 * skiff-monitor (sync_fd unused); SK_MONITOR_HEALTH_CHECK and SK_MONITOR_DNS
 * are skiff-monitor's helpers (a health check; the name server). */
#define SK_MONITOR_ATTACH_WAIT 1
#define SK_MONITOR_RESUME 2
#define SK_MONITOR_HEALTH_CHECK 4 /* one health check (for skiff-monitor) */
#define SK_MONITOR_DNS 8 /* the name server for a while (for skiff-monitor) */
int sk_monitor_main(const struct sk_engine_opts *o, const char *id, int sync_fd, int flags);

#endif

/* engine_int.h - what the engine's files share (internal). */
#ifndef SKIFF_ENGINE_INT_H
#define SKIFF_ENGINE_INT_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "network/network.h"
#include "runtime/runtime.h"
#include "skiff/engine.h"
#include "util/error.h"

struct sk_engine {
    char *root, *runroot;
    char **insecure;
    char *exe;
    char *log_level;
    struct image_store *images; /* opened on first use */
    char rt_root[PATH_MAX];     /* the runtime's state: <runroot>/runtime */
    struct rt_global rt;
    struct sk_netctx net; /* ctr_netctx() */
    bool net_ready;
    struct net_pool pools[NET_MAX_POOLS]; /* from the options, checked */
    int npools;
};

/* One container: its record and state as loaded. */
struct ctr {
    char id[SK_ID_LEN + 1];
    char dir[PATH_MAX];    /* <root>/containers/<id> */
    char rundir[PATH_MAX]; /* <runroot>/containers/<id> */
    char sockbase[PATH_MAX]; /* <runroot>/s/<id[0:32]>: sockets want short paths */
    json_t *cfg;           /* config.json: Id, Name, Created, Image, Config, HostConfig, ... */
    json_t *state;         /* state.json: docker's State + our bookkeeping */
};

/* Close the image store (opened again on the next use). */
void sk_engine_release_images(struct sk_engine *e);

/* ---- record.c ---- */
int ctr_load(struct sk_engine *e, const char *id, struct ctr **out, sk_error *err);
/* Resolve a reference and load it. */
int ctr_find(struct sk_engine *e, const char *ref, struct ctr **out, sk_error *err);
void ctr_free(struct ctr *c);
static inline void ctr_freep(struct ctr **c)
{
    ctr_free(*c);
}
int ctr_save_config(struct ctr *c, sk_error *err);
int ctr_save_state(struct ctr *c, sk_error *err);
/* Re-read state.json (after another process changed it). */
int ctr_reload_state(struct ctr *c, sk_error *err);
/* Remove the record (config.json first), the run dir and the dir. */
int ctr_remove_files(struct ctr *c, sk_error *err);
/* flock on <dir>/lock (exclusive, blocking): an fd to close. */
int ctr_lock(struct ctr *c, sk_error *err);
/* flock on <root>/containers/lock: names and creation. */
int ctr_lock_all(struct sk_engine *e, sk_error *err);
/* All container ids (a JSON array of strings). */
int ctr_ids(struct sk_engine *e, json_t **out, sk_error *err);
bool ctr_valid_name(const char *name);
void ctr_random_name(char *buf, size_t cap);
/* The id of the container with this name, or NULL. */
int ctr_name_taken(struct sk_engine *e, const char *name, char id[SK_ID_LEN + 1]);
void ctr_paths(struct sk_engine *e, const char *id, struct ctr *c);

/* ---- attach.c ---- */
/* Attachers wait for this container's start (see attach.c). */
bool ctr_has_attachers(struct ctr *c);
/* Hand each a monitor connection (between "created" and "go"). */
void ctr_serve_attachers(struct ctr *c);
/* Wait for c (not running) to be started: 1 with *fd a monitor connection
 * in mode ('a', 'o', 'w') from before its first instruction, 0 when it was
 * started by someone who did not see us (or ended meanwhile), -1 on error
 * (cancel_fd hung up, the container gone). */
int ctr_wait_start(struct sk_engine *e, struct ctr *c, char mode, int cancel_fd,
                   const struct sk_ready *ready, int *fd, sk_error *err);
/* Tell ready (may be NULL) once. */
static inline void ctr_tell_ready(const struct sk_ready *ready, bool *told)
{
    if (ready != NULL && ready->fn != NULL && !*told)
        ready->fn(ready->ud);
    *told = true;
}

/* ---- state.c ---- */
const char *ctr_status(struct ctr *c);     /* "created", "running", ... */
bool ctr_is_running(struct ctr *c);        /* running, paused or restarting */
/* A monitor that died without recording the exit: record what is known. */
void ctr_reconcile(struct sk_engine *e, struct ctr *c);
/* The container ref names, which must be running for another to join its
 * namespace (what: "network", "pid namespace"): docker's error otherwise. */
int ctr_find_running(struct sk_engine *e, const char *ref, const char *what, struct ctr **out,
                     sk_error *err);
bool ctr_monitor_alive(struct ctr *c);
void sk_now(char *buf, size_t cap);        /* RFC 3339 nanoseconds, UTC */

/* ---- events.c ---- */
/* A container event with docker's attributes (name, image, labels) + extra
 * (taken over). */
void sk_event_container(struct sk_engine *e, json_t *cfg, const char *action, json_t *extra);

/* ---- spec.c ---- */
/* linux.resources from a HostConfig (Memory, NanoCpus, PidsLimit, ...; devices). */
json_t *ctr_resources(json_t *hc, bool privileged);
/* The OCI config.json for the container (root.path = the mounted rootfs). */
int ctr_build_spec(struct sk_engine *e, struct ctr *c, const char *rootfs, json_t **out,
                   sk_error *err);

/* "user[:group]" against the passwd and group files under rootfd:
 * {"uid", "gid", "additionalGids"} as docker resolves them. */
int ctr_resolve_user(int rootfd, const char *spec, json_t *group_add, json_t **out, sk_error *err);

/* ---- seccomp_profile.c ---- */
/* docker's default profile for a container with these capabilities. */
json_t *ctr_default_seccomp(json_t *caps);

/* ---- volume.c, copy.c ---- */
/* A volume mount point for a container (the volume made when missing). */
int ctr_volume_mount(struct sk_engine *e, json_t *list, const char *name, const char *target,
                     bool ro, bool anonymous, sk_error *err);
/* Fill the container's empty, never filled volumes from the image. */
int ctr_populate_volumes(struct sk_engine *e, struct ctr *c, const char *rootfs, sk_error *err);
void ctr_remove_anonymous_volumes(struct sk_engine *e, json_t *mounts);
/* Copy what the directory sdir holds into ddir, owners kept. */
int ctr_copy_tree_contents(int sdir, int ddir, sk_error *err);

/* ---- netconf.c ---- */
struct sk_netctx *ctr_netctx(struct sk_engine *e);
/* a network mode that is a network of skiff's (not none, host, container:x) */
bool ctr_net_is_own(const char *mode);
/* NetworkSettings.Networks of the record (name -> EndpointSettings) */
json_t *ctr_networks(struct ctr *c);
/* At create: leases on the networks the body asks for, into
 * cfg.NetworkSettings (released again on failure). */
int ctr_net_lease(struct sk_engine *e, json_t *cfg, json_t *body, sk_error *err);
void ctr_net_release(struct sk_engine *e, json_t *cfg);
/* eth0's address and gateway, or NULL */
const char *ctr_ip(struct ctr *c);
/* Its IPv6 address there ("" or NULL: none). */
const char *ctr_ip6(struct ctr *c);
const char *ctr_gateway(struct sk_engine *e, struct ctr *c);
/* The namespace the container joins ("" for a new one of its own). */
int ctr_net_ns_path(struct sk_engine *e, struct ctr *c, char *buf, size_t cap, sk_error *err);
/* At start (the monitor): the namespace, then the published ports. */
int ctr_net_setup(struct sk_engine *e, struct ctr *c, sk_error *err);
/* *proxies: the fds to serve in user space (see net_publish). */
int ctr_net_publish(struct sk_engine *e, struct ctr *c, json_t **resolved, int **fds, size_t *nfds,
                    json_t **proxies, sk_error *err);
void ctr_net_unpublish(struct sk_engine *e, struct ctr *c, json_t *resolved);
/* The container's resolv.conf again, in place (it is bind-mounted): after
 * a running container's first user-defined network. */
int ctr_write_resolv(struct ctr *c, sk_error *err);
/* On a user-defined network: the name server at 127.0.0.11 (the monitor's);
 * on the sockets fds[0..2] (dns_adopt) unless fds is NULL. */
bool ctr_net_wants_dns(struct ctr *c);
struct dns_server;
int ctr_net_dns_open(struct sk_engine *e, struct ctr *c, const int *fds, struct dns_server **out,
                     sk_error *err);
void ctr_net_dns_close(struct dns_server *d);

/* docker's legacy links (links.c): HostConfig.Links checked (the linked
 * containers running) and recorded, with their environment on the default
 * bridge; the hosts lines; whether want is a link alias of c for id. */
struct strbuf;
int ctr_resolve_links(struct sk_engine *e, struct ctr *c, sk_error *err);
void ctr_link_hosts(struct ctr *c, struct strbuf *b);
bool ctr_link_alias(struct ctr *c, const char *want, const char *id);

/* The local volume driver's options (volmount.c): checked at create (type,
 * device, o), mounted on the volume's _data at its first use, undone
 * before the volume goes (every mount there; -1 if one stays). */
int vol_check_opts(const char *name, json_t *opts, sk_error *err);
bool vol_is_mounted(const char *path);
int vol_mount(json_t *meta, sk_error *err);
int vol_unmount(const char *data, sk_error *err);

/* The prunes' filters (docker's): label=k[=v] and label!=... (all of them),
 * until=TIME (when allowed); -1 with "invalid filter" for another kind. */
int prune_filters_check(json_t *filters, bool until, sk_error *err);
/* Whether the filters keep an item with these labels, created then. */
bool prune_keeps(json_t *filters, json_t *labels, int64_t created_ns);
/* docker's network connect/disconnect events for each of its networks */
void ctr_net_events(struct sk_engine *e, struct ctr *c, const char *action);
/* At removal: ports, namespace, leases. */
void ctr_net_remove(struct sk_engine *e, struct ctr *c);

/* ---- rootfs.c ---- */
/* The image's layer directories, the top one first (overlay's order). */
int ctr_image_lowers(struct sk_engine *e, struct ctr *c, json_t **out, sk_error *err);
int ctr_mount_rootfs(struct sk_engine *e, struct ctr *c, char *path, size_t cap, sk_error *err);
int ctr_umount_rootfs(struct ctr *c, sk_error *err);

#endif

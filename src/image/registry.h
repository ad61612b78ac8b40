/* registry.h - pulling images from a registry (the distribution v2 API).
 *
 * Anonymous and basic-auth token flows (WWW-Authenticate: Bearer realm=...),
 * manifest lists / OCI indexes with platform selection, verified manifests,
 * configs and layers; layers downloaded in parallel (bounded), each streamed
 * through the store's hash-decompress-untar pass, resumed with a Range
 * request when a connection breaks.  A failed pull adds no image and no
 * name; layers it completed stay (unreferenced until used, or collected).  HTTP is used for localhost, 127.0.0.1,
 * ::1 and registries named insecure; HTTPS with the system CA store for the
 * rest.  Credentials come from a docker-compatible config.json ("auths").
 */
#ifndef SKIFF_IMAGE_REGISTRY_H
#define SKIFF_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "image/store.h"
#include "util/error.h"

enum pull_event_kind {
    PULL_RESOLVED,   /* the manifest is known: n_layers layers */
    PULL_LAYER_EXISTS,
    PULL_LAYER_WAITING,
    PULL_LAYER_PROGRESS,
    PULL_LAYER_DONE,
};

struct pull_event {
    enum pull_event_kind kind;
    int layer;          /* index */
    const char *digest; /* the layer's blob digest */
    uint64_t done, total;
    size_t n_layers;    /* PULL_RESOLVED; digest is the reference's then */
};

struct pull_opts {
    const char *platform;     /* "linux/amd64"; NULL for the host's */
    const char *auth_file;    /* docker config.json; NULL for the default */
    const char *creds;        /* "user:password" to use instead of auth_file's (an API
                               * client's X-Registry-Auth); NULL: from auth_file */
    char *const *insecure;    /* registries to talk HTTP to (host[:port]) */
    int parallel;             /* layers at once; 0 = 3 */
    /* progress callback; called from several threads, serialized */
    void (*progress)(void *ud, const struct pull_event *ev);
    void *ud;
};

struct pull_result {
    char id[72];              /* the image */
    char digest[72];          /* what the reference named: an index or a manifest */
    char name[1024];          /* normalized "repo:tag" (or repo@digest) */
    bool fresh;               /* something was downloaded (sk_image_pull: or the
                               * name now means another image: docker's "newer") */
};

int registry_pull(struct image_store *s, const char *ref, const struct pull_opts *o,
                  struct pull_result *res, sk_error *err);

/* The tags of a repository ("host/name", no tag), as the registry lists
 * them (every page). */
int registry_tags(const char *repo, const struct pull_opts *o, json_t **tags, sk_error *err);

/* Check user/password against a registry (the token flow included). */
int registry_login(const char *registry, const char *user, const char *pass, char *const *insecure,
                   sk_error *err);

/* The docker config.json: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
void registry_auth_path(const char *override, char *buf, size_t cap);
/* "user:password" for a registry (domain as in a reference: "docker.io",
 * "host:port") from that file; *creds stays NULL when it has none. */
int registry_auth_load(const char *path, const char *registry, char **creds, sk_error *err);
/* Store, or remove (user NULL; *removed tells whether there were any), the
 * credentials of a registry.  The file is written 0600, atomically. */
int registry_auth_store(const char *path, const char *registry, const char *user, const char *pass,
                        bool *removed, sk_error *err);

#endif

/* archive.h - images in and out of tar archives:
 *   load    docker-archive (manifest.json + config + layer tars, as docker
 *           and podman save them) or an OCI image layout, tar or tar.gz;
 *   save    docker-archive, loadable by docker and podman;
 *   import  a root filesystem tar (plain, gzip or zstd) as a one-layer image.
 * Archives are hostile input: they are unpacked with the layer code's rules
 * and every blob is verified against its digest before it is kept. */
#ifndef SKIFF_IMAGE_ARCHIVE_H
#define SKIFF_IMAGE_ARCHIVE_H

#include <jansson.h>

#include "image/layer.h"
#include "image/store.h"
#include "util/error.h"

/* *loaded gets one line per image: "Loaded image: busybox:latest" or
 * "Loaded image ID: sha256:...". */
int image_load(struct image_store *s, const struct byte_source *src, json_t **loaded,
               sk_error *err);

/* Write names (tags or ids) as one docker-archive to fd. */
int image_save(struct image_store *s, char *const *names, size_t n, int fd, sk_error *err);

struct import_opts {
    const char *ref;          /* name to tag, or NULL */
    char *const *changes;     /* --change lines, NULL-terminated, or NULL */
    const char *message;      /* history comment */
    const char *platform_arch; /* NULL: the host's */
};
int image_import(struct image_store *s, const struct byte_source *src,
                 const struct import_opts *o, char id[72], sk_error *err);

#endif

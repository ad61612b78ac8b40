/* image.h - images as records in the store, in docker's shapes.
 *
 * An image's id is the digest of its config blob (as docker's).  Its record
 * lists the layers (blob digest, diff id, sizes) in order and the manifest it
 * came from, if any; names live in the store's repositories.json.
 */
#ifndef SKIFF_IMAGE_IMAGE_H
#define SKIFF_IMAGE_IMAGE_H

#include <jansson.h>

#include "image/layer.h"
#include "image/store.h"
#include "util/error.h"

/* Write the record of an image whose config blob is stored, with its layers
 * in order.  The config's rootfs.diff_ids must equal the layers' diff ids. */
int image_commit(struct image_store *s, const char *config_digest, const char *manifest_digest,
                 const struct layer_result *layers, size_t n, sk_error *err);

/* Tag id with a user's reference ("busybox", "host:5000/a:1"); the name is
 * normalized first.  *name gets the normalized "repo:tag" when not NULL. */
int image_tag(struct image_store *s, const char *id, const char *ref, char *name, size_t cap,
              sk_error *err);

/* The image's config blob, parsed. */
int image_config(struct image_store *s, const char *id, json_t **out, sk_error *err);

/* `docker image inspect` for one image. */
json_t *image_inspect(struct image_store *s, const char *id, sk_error *err);

/* Remove a name, or (given an id, or with force) the image with all its
 * names; the image record goes when no name is left.  Appends docker's
 * "Untagged: x" / "Deleted: sha256:..." lines to events.  in_use (may be
 * NULL) maps image ids to {"container": id, "running": bool}: an image a
 * container uses is never deleted - refused without force (and always when
 * the container runs), only untagged with it, as docker does. */
int image_remove(struct image_store *s, const char *name, bool force, json_t *in_use, json_t *events,
                 sk_error *err);

/* The host's platform as OCI names it: "amd64", "arm64", ...; "linux". */
const char *image_host_arch(void);

/* The OCI/docker config an import starts from, with `--change`s applied:
 * CMD, ENTRYPOINT, ENV, WORKDIR, EXPOSE, LABEL, USER, VOLUME, STOPSIGNAL. */
int image_apply_change(json_t *config, const char *change, sk_error *err);

#endif

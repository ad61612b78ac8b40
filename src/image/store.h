/* store.h - the image store: content-addressed blobs, unpacked layers
 * shared between images, image records and tags.
 *
 *   <root>/image/blobs/sha256/<hex>   manifests, configs, layer blobs
 *   <root>/image/layers/<hex>/        one per diff id: diff/ (an overlay
 *                                     lowerdir) and meta.json
 *   <root>/image/images/<hex>.json    one record per image (id = config digest)
 *   <root>/image/repositories.json    "repo:tag" and "repo@digest" -> image id
 *   <root>/image/tmp/                 work in progress; never read as content
 *
 * Nothing becomes visible before it is verified: blobs and layers are made
 * under tmp/ and renamed into place once their digests match.  A process
 * killed at any point leaves only tmp/ litter, which the next open clears.
 * Metadata changes (records, tags) are serialized by flock on <root>/image/lock;
 * making one layer is serialized by a lock per layer, so concurrent pulls of
 * images that share a layer unpack it once.
 */
#ifndef SKIFF_IMAGE_STORE_H
#define SKIFF_IMAGE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/layer.h"
#include "util/error.h"

struct image_store {
    char *dir; /* <root>/image */
    int dirfd;
    int lockfd;
    int lock_depth;
    int gcfd; /* shared while content is added, exclusive while collecting */
};

int store_open(const char *root, struct image_store **out, sk_error *err);
void store_close(struct image_store *s);

/* Exclusive lock for metadata changes (nests). */
int store_lock(struct image_store *s, sk_error *err);
void store_unlock(struct image_store *s);

/* Around adding content whose record comes later (pull, load, import):
 * garbage collection waits meanwhile. */
int store_begin_add(struct image_store *s, sk_error *err);
void store_end_add(struct image_store *s);

/* ---- blobs ---- */
bool store_has_blob(struct image_store *s, const char *digest);
void store_blob_path(struct image_store *s, const char *digest, char *buf, size_t cap);
/* Store data; when expect is given the digest must match it. */
int store_put_blob(struct image_store *s, const void *data, size_t len, const char *expect,
                   char out[72], sk_error *err);
/* Read a whole blob (verified against its name). */
int store_get_blob(struct image_store *s, const char *digest, size_t max, char **data, size_t *len,
                   sk_error *err);
int store_open_blob(struct image_store *s, const char *digest, sk_error *err);

/* ---- layers ---- */
bool store_has_layer(struct image_store *s, const char *diff_id);
/* <root>/image/layers/<hex>/diff */
void store_layer_diff_path(struct image_store *s, const char *diff_id, char *buf, size_t cap);
/* Unpack a layer stream and keep its blob, verifying the blob digest and/or
 * the diff id when given (a mismatch leaves nothing behind).  When the diff
 * id is given and that layer exists already, the stream is not read at all.
 * res gets the digests and sizes. */
int store_add_layer(struct image_store *s, const struct byte_source *src, const char *expect_digest,
                    const char *expect_diff_id, struct layer_result *res, sk_error *err);
/* The lock store_add_layer takes (key: the diff id, else the blob digest), for
 * callers that must decide under it whether to fetch a layer at all: an fd to
 * close when done, -1 on error.  Pass it held to store_add_layer_locked. */
int store_lock_layer(struct image_store *s, const char *key, sk_error *err);
int store_add_layer_locked(struct image_store *s, const struct byte_source *src,
                           const char *expect_digest, const char *expect_diff_id,
                           struct layer_result *res, sk_error *err);
/* meta.json of a layer: {"diff_id","digest","size","tar_size","media_type"} */
int store_layer_meta(struct image_store *s, const char *diff_id, json_t **out, sk_error *err);

/* ---- images ---- */
/* Write (replace) an image record; rec must hold "id". */
int store_put_image(struct image_store *s, json_t *rec, sk_error *err);
int store_get_image(struct image_store *s, const char *id, json_t **out, sk_error *err);
/* All records, each with "repo_tags" and "repo_digests" filled in. */
int store_list_images(struct image_store *s, json_t **out, sk_error *err);
/* Name (tag or digest reference), full id, or unique id prefix -> id.
 * "No such image: x" when nothing matches. */
int store_resolve(struct image_store *s, const char *name, char id[72], sk_error *err);
/* Point a normalized "repo:tag" or "repo@digest" at id (moving it). */
int store_tag(struct image_store *s, const char *ref, const char *id, sk_error *err);
/* Several names at once (one write; none when nothing changes). */
int store_tag_many(struct image_store *s, const char *const *refs, size_t n, const char *id,
                   sk_error *err);
/* Remove a name; returns 1 when it existed. */
int store_untag(struct image_store *s, const char *ref, sk_error *err);
/* The names pointing at id (normalized), as a JSON array. */
json_t *store_names_of(struct image_store *s, const char *id, bool digests);
/* Delete the record (its names must be gone already). */
int store_delete_image(struct image_store *s, const char *id, sk_error *err);
/* After a failed add: remove those of these blobs and layers (digests and
 * diff ids) that no image refers to, unless another add is in progress
 * (then they stay for store_gc).  Best effort. */
void store_discard(struct image_store *s, json_t *digests);
/* Remove blobs and layers no image refers to; bytes freed in *freed.
 * keep (may be NULL): more image ids (an object's keys) to treat as
 * referenced - those containers use. */
int store_gc(struct image_store *s, json_t *keep, uint64_t *freed, sk_error *err);

#endif

/* layer.h - image layers: one pass from the (compressed) bytes to a
 * directory overlayfs can use as a lowerdir.
 *
 * The stream is hashed as it arrives (the blob digest), decompressed (gzip,
 * zstd or none, told by its magic), hashed again (the diff id) and untarred,
 * without a temporary tarball.  Untarring is hostile-input safe: names with
 * ".." or a leading "/" are refused, nothing is ever created through a
 * symlink (not even one the same archive made), hardlinks must point at a
 * regular file inside the layer, and docker's whiteouts become overlayfs
 * whiteouts (".wh.x" -> char device 0:0, ".wh..wh..opq" -> the opaque xattr).
 */
#ifndef SKIFF_IMAGE_LAYER_H
#define SKIFF_IMAGE_LAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Bytes pulled from somewhere: returns the count, 0 at the end, -1 with
 * *err filled on failure. */
struct byte_source {
    ssize_t (*read)(void *ctx, void *buf, size_t n, sk_error *err);
    void *ctx;
};

/* A byte_source over an fd. */
struct fd_source {
    int fd;
};
ssize_t fd_source_read(void *ctx, void *buf, size_t n, sk_error *err);

enum layer_compression { LAYER_PLAIN, LAYER_GZIP, LAYER_ZSTD };

struct layer_result {
    char digest[72];  /* sha256 of the bytes as read */
    char diff_id[72]; /* sha256 of the uncompressed tar */
    uint64_t size;     /* bytes read */
    uint64_t tar_size; /* bytes after decompression */
    uint64_t unpacked; /* bytes of file content written */
    enum layer_compression compression;
};

/* Untar src into the (empty) directory dirfd.  On failure the directory
 * holds a partial layer: the caller throws it away; res->digest is then the
 * digest of the whole stream when it could be read to the end ("" if not),
 * so that a caller expecting a digest can tell corruption from bad content. */
int layer_unpack(const struct byte_source *src, int dirfd, struct layer_result *res, sk_error *err);
/* The same for a tar that is not a layer (docker cp): literal keeps ".wh."
 * names as files; root_owner makes every entry root's (cp without -a). */
struct layer_unpack_opts {
    bool literal;
    bool root_owner;
};
int layer_unpack_opts(const struct byte_source *src, int dirfd, const struct layer_unpack_opts *o,
                      struct layer_result *res, sk_error *err);

/* Only hash: digest and diff id of a stream (decompressing it). */
int layer_hash(const struct byte_source *src, struct layer_result *res, sk_error *err);

#endif

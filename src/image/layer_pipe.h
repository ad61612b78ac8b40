/* layer_pipe.h - the decompressing, double-hashing reader under layer.c. */
#ifndef SKIFF_IMAGE_LAYER_PIPE_H
#define SKIFF_IMAGE_LAYER_PIPE_H

#include "image/layer.h"

struct layer_pipe;

int layer_pipe_open(struct layer_pipe **out, const struct byte_source *src, sk_error *err);
/* The next chunk of decompressed bytes: its length, 0 at the end, -1 on error. */
ssize_t layer_pipe_read(struct layer_pipe *p, const void **buf);
/* Read to the end (so the digests cover every byte) and fill res. */
int layer_pipe_finish(struct layer_pipe *p, struct layer_result *res);
/* After a failure: read the rest of the source, undecoded, and write the
 * digest of all of it (was the stream corrupt, or the content bad?). */
int layer_pipe_raw_digest(struct layer_pipe *p, char out[72]);
/* The error of the last failed call. */
sk_error *layer_pipe_error(struct layer_pipe *p);
void layer_pipe_free(struct layer_pipe *p);

#endif

/* layer_pipe.c - read, hash, decompress (gzip/zstd/none), hash again. */
#define _GNU_SOURCE
#include "image/layer_pipe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/dl_compress.h"

#define IN_SIZE (64u * 1024)
#define OUT_SIZE (128u * 1024)

struct layer_pipe {
    const struct byte_source *src;
    struct sk_sha256 *cdig, *udig;
    enum layer_compression kind;
    bool src_eof, out_eof, z_ready;
    z_stream z;
    ZSTD_DStream *zs;
    size_t zhint; /* ZSTD_decompressStream's last answer: 0 = a frame ended */
    unsigned char in[IN_SIZE];
    size_t in_len, in_pos;
    unsigned char out[OUT_SIZE];
    uint64_t csize, usize;
    sk_error err;
};

ssize_t fd_source_read(void *ctx, void *buf, size_t n, sk_error *err)
{
    struct fd_source *s = ctx;
    for (;;) {
        ssize_t r = read(s->fd, buf, n);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return sk_err(err, errno, "read");
    }
}

sk_error *layer_pipe_error(struct layer_pipe *p)
{
    return &p->err;
}

/* Make sure unread input is buffered; 0 when the source is exhausted. */
static int fill(struct layer_pipe *p)
{
    if (p->in_pos < p->in_len)
        return 1;
    if (p->src_eof)
        return 0;
    ssize_t r = p->src->read(p->src->ctx, p->in, sizeof p->in, &p->err);
    if (r < 0)
        return -1;
    if (r == 0) {
        p->src_eof = true;
        return 0;
    }
    sk_sha256_update(p->cdig, p->in, (size_t)r);
    p->csize += (uint64_t)r;
    p->in_len = (size_t)r;
    p->in_pos = 0;
    return 1;
}

int layer_pipe_open(struct layer_pipe **out, const struct byte_source *src, sk_error *err)
{
    if (sk_digest_init(err) < 0)
        return -1;
    struct layer_pipe *p = calloc(1, sizeof *p);
    if (p == NULL)
        return sk_err(err, ENOMEM, "layer");
    p->src = src;
    p->cdig = sk_sha256_new();
    p->udig = sk_sha256_new();
    if (p->cdig == NULL || p->udig == NULL) {
        layer_pipe_free(p);
        return sk_err(err, ENOMEM, "layer");
    }
    int f = fill(p);
    if (f < 0) {
        sk_err(err, p->err.errnum, "%s", p->err.msg);
        layer_pipe_free(p);
        return -1;
    }
    size_t n = p->in_len - p->in_pos;
    const unsigned char *b = p->in + p->in_pos;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
        p->kind = LAYER_GZIP;
        if (sk_zlib_load(err) < 0) {
            layer_pipe_free(p);
            return -1;
        }
        if (inflateInit2(&p->z, 15 + 16) != Z_OK) {
            layer_pipe_free(p);
            return sk_err(err, ENOMEM, "gzip");
        }
        p->z_ready = true;
    } else if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
        p->kind = LAYER_ZSTD;
        p->zhint = 1;
        if (sk_zstd_load(err) < 0) {
            layer_pipe_free(p);
            return -1;
        }
        p->zs = ZSTD_createDStream();
        if (p->zs == NULL || ZSTD_isError(ZSTD_initDStream(p->zs))) {
            layer_pipe_free(p);
            return sk_err(err, ENOMEM, "zstd");
        }
    } else {
        p->kind = LAYER_PLAIN;
    }
    *out = p;
    return 0;
}

static ssize_t emit(struct layer_pipe *p, const void *data, size_t n, const void **buf)
{
    sk_sha256_update(p->udig, data, n);
    p->usize += n;
    *buf = data;
    return (ssize_t)n;
}

static ssize_t read_gzip(struct layer_pipe *p, const void **buf)
{
    p->z.next_out = p->out;
    p->z.avail_out = sizeof p->out;
    while (p->z.avail_out == sizeof p->out) {
        int f = fill(p);
        if (f < 0)
            return -1;
        if (f == 0) {
            p->out_eof = true;
            return sk_err(&p->err, 0, "gzip stream is truncated");
        }
        p->z.next_in = p->in + p->in_pos;
        p->z.avail_in = (uInt)(p->in_len - p->in_pos);
        int r = inflate(&p->z, Z_NO_FLUSH);
        p->in_pos = p->in_len - p->z.avail_in;
        if (r == Z_STREAM_END) {
            /* another member may follow (multi-member gzip), else the end */
            int more = fill(p);
            if (more < 0)
                return -1;
            if (more == 0) {
                p->out_eof = true;
                break;
            }
            inflateReset(&p->z);
        } else if (r != Z_OK && r != Z_BUF_ERROR) {
            return sk_err(&p->err, 0, "gzip: %s", p->z.msg ? p->z.msg : "corrupt data");
        }
    }
    return emit(p, p->out, sizeof p->out - p->z.avail_out, buf);
}

static ssize_t read_zstd(struct layer_pipe *p, const void **buf)
{
    ZSTD_outBuffer o = {p->out, sizeof p->out, 0};
    while (o.pos == 0) {
        int f = fill(p);
        if (f < 0)
            return -1;
        if (f == 0) {
            p->out_eof = true;
            if (p->zhint != 0)
                return sk_err(&p->err, 0, "zstd stream is truncated");
            break;
        }
        ZSTD_inBuffer i = {p->in + p->in_pos, p->in_len - p->in_pos, 0};
        p->zhint = ZSTD_decompressStream(p->zs, &o, &i);
        p->in_pos += i.pos;
        if (ZSTD_isError(p->zhint))
            return sk_err(&p->err, 0, "zstd: %s", ZSTD_getErrorName(p->zhint));
    }
    return emit(p, p->out, o.pos, buf);
}

ssize_t layer_pipe_read(struct layer_pipe *p, const void **buf)
{
    if (p->out_eof)
        return 0;
    if (p->kind == LAYER_PLAIN) {
        int f = fill(p);
        if (f <= 0) {
            p->out_eof = f == 0;
            return f;
        }
        size_t n = p->in_len - p->in_pos;
        p->in_pos = p->in_len;
        return emit(p, p->in, n, buf);
    }
    return p->kind == LAYER_GZIP ? read_gzip(p, buf) : read_zstd(p, buf);
}

int layer_pipe_finish(struct layer_pipe *p, struct layer_result *res)
{
    const void *buf;
    ssize_t n;
    while ((n = layer_pipe_read(p, &buf)) > 0)
        ;
    if (n < 0)
        return -1;
    memset(res->digest, 0, sizeof res->digest);
    sk_sha256_final(p->cdig, res->digest);
    sk_sha256_final(p->udig, res->diff_id);
    res->size = p->csize;
    res->tar_size = p->usize;
    res->compression = p->kind;
    return 0;
}

int layer_pipe_raw_digest(struct layer_pipe *p, char out[72])
{
    int f;
    p->in_pos = p->in_len; /* what is buffered is hashed already */
    while ((f = fill(p)) > 0)
        p->in_pos = p->in_len;
    if (f < 0)
        return -1;
    sk_sha256_final(p->cdig, out);
    return 0;
}

void layer_pipe_free(struct layer_pipe *p)
{
    if (p == NULL)
        return;
    if (p->z_ready)
        inflateEnd(&p->z);
    if (p->zs != NULL)
        ZSTD_freeDStream(p->zs);
    sk_sha256_free(p->cdig);
    sk_sha256_free(p->udig);
    free(p);
}

/* dl_compress.h - zlib and libzstd, loaded on first use (see util/dl.h).
 * Include instead of <zlib.h>/<zstd.h>; sk_zlib_load() or sk_zstd_load()
 * before the first call. */
#ifndef SKIFF_IMAGE_DL_COMPRESS_H
#define SKIFF_IMAGE_DL_COMPRESS_H

#include <zlib.h>
#include <zstd.h>

#include "util/error.h"

#define SK_ZLIB_SYMS(X) X(inflateInit2_) X(inflate) X(inflateEnd) X(inflateReset)
#define SK_ZSTD_SYMS(X)                                                                            \
    X(ZSTD_createDStream)                                                                          \
    X(ZSTD_initDStream)                                                                            \
    X(ZSTD_decompressStream)                                                                       \
    X(ZSTD_freeDStream)                                                                            \
    X(ZSTD_isError)                                                                                \
    X(ZSTD_getErrorName)

#define SK_DL_DECLARE(f) extern __typeof__(f) *sk_dl_##f;
SK_ZLIB_SYMS(SK_DL_DECLARE)
SK_ZSTD_SYMS(SK_DL_DECLARE)
#undef SK_DL_DECLARE

int sk_zlib_load(sk_error *err);
int sk_zstd_load(sk_error *err);

#ifndef SK_DL_DEFINE
#define inflateInit2_ (*sk_dl_inflateInit2_)
#define inflate (*sk_dl_inflate)
#define inflateEnd (*sk_dl_inflateEnd)
#define inflateReset (*sk_dl_inflateReset)
#define ZSTD_createDStream (*sk_dl_ZSTD_createDStream)
#define ZSTD_initDStream (*sk_dl_ZSTD_initDStream)
#define ZSTD_decompressStream (*sk_dl_ZSTD_decompressStream)
#define ZSTD_freeDStream (*sk_dl_ZSTD_freeDStream)
#define ZSTD_isError (*sk_dl_ZSTD_isError)
#define ZSTD_getErrorName (*sk_dl_ZSTD_getErrorName)
#endif

#endif

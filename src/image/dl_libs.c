/* dl_libs.c - the pointers behind dl_archive.h, dl_compress.h, dl_crypto.h
 * and dl_curl.h.  The sonames are the ABI majors Debian 12 ships (and that
 * have held for years); a missing library is one clear error when an image
 * command first needs it. */
#define SK_DL_DEFINE
#include "image/dl_archive.h"
#include "image/dl_compress.h"
#include "image/dl_crypto.h"
#include "image/dl_curl.h"
#include "util/dl.h"

#define SK_DL_POINTER(f) __typeof__(f) *sk_dl_##f;
#define SK_DL_ENTRY(f) {#f, (void **)&sk_dl_##f},
SK_ARCHIVE_SYMS(SK_DL_POINTER)
SK_CURL_SYMS(SK_DL_POINTER)
SK_CRYPTO_SYMS(SK_DL_POINTER)
SK_ZLIB_SYMS(SK_DL_POINTER)
SK_ZSTD_SYMS(SK_DL_POINTER)

static const struct sk_dl_sym archive_syms[] = {SK_ARCHIVE_SYMS(SK_DL_ENTRY)};
static const struct sk_dl_sym curl_syms[] = {SK_CURL_SYMS(SK_DL_ENTRY)};
static const struct sk_dl_sym crypto_syms[] = {SK_CRYPTO_SYMS(SK_DL_ENTRY)};
static const struct sk_dl_sym zlib_syms[] = {SK_ZLIB_SYMS(SK_DL_ENTRY)};
static const struct sk_dl_sym zstd_syms[] = {SK_ZSTD_SYMS(SK_DL_ENTRY)};

#define LIB(soname, what, syms)                                                                        {soname, what, syms, sizeof syms / sizeof syms[0], PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}}

static struct sk_dl_lib archive_lib = LIB("libarchive.so.13", "reading and writing tar", archive_syms);
static struct sk_dl_lib curl_lib = LIB("libcurl.so.4", "registry access", curl_syms);
static struct sk_dl_lib crypto_lib = LIB("libcrypto.so.3", "sha256", crypto_syms);
static struct sk_dl_lib zlib_lib = LIB("libz.so.1", "gzip", zlib_syms);
static struct sk_dl_lib zstd_lib = LIB("libzstd.so.1", "zstd", zstd_syms);

int sk_crypto_load(sk_error *err)
{
    return sk_dl_load(&crypto_lib, err);
}

int sk_zlib_load(sk_error *err)
{
    return sk_dl_load(&zlib_lib, err);
}

int sk_zstd_load(sk_error *err)
{
    return sk_dl_load(&zstd_lib, err);
}

int sk_archive_load(sk_error *err)
{
    return sk_dl_load(&archive_lib, err);
}

static void curl_init(void)
{
    sk_dl_curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sk_curl_load(sk_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (sk_dl_load(&curl_lib, err) < 0)
        return -1;
    pthread_once(&once, curl_init);
    return 0;
}

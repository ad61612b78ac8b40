/* dl_libs.c - the pointers behind dl_archive.h and dl_curl.h. */
#define SK_DL_DEFINE
#include "image/dl_archive.h"
#include "image/dl_curl.h"
#include "util/dl.h"

#define SK_DL_POINTER(f) __typeof__(f) *sk_dl_##f;
#define SK_DL_ENTRY(f) {#f, (void **)&sk_dl_##f},
SK_ARCHIVE_SYMS(SK_DL_POINTER)
SK_CURL_SYMS(SK_DL_POINTER)

static const struct sk_dl_sym archive_syms[] = {SK_ARCHIVE_SYMS(SK_DL_ENTRY)};
static const struct sk_dl_sym curl_syms[] = {SK_CURL_SYMS(SK_DL_ENTRY)};

static struct sk_dl_lib archive_lib = {
    "libarchive.so.13", "reading and writing tar archives", archive_syms,
    sizeof archive_syms / sizeof archive_syms[0], PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}};
static struct sk_dl_lib curl_lib = {
    "libcurl.so.4", "registry access", curl_syms, sizeof curl_syms / sizeof curl_syms[0],
    PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}};

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

/* dl_curl.h - libcurl, loaded on first use (see util/dl.h).  Include
 * instead of <curl/curl.h>; call sk_curl_load() before the first curl_*
 * call (it also runs curl_global_init). */
#ifndef SKIFF_IMAGE_DL_CURL_H
#define SKIFF_IMAGE_DL_CURL_H

#define CURL_DISABLE_TYPECHECK /* its checks are macros named like the functions */
#include <curl/curl.h>
#undef curl_easy_setopt /* curl's own three-argument guard */

#include "util/error.h"

#define SK_CURL_SYMS(X)                                                                            \
    X(curl_global_init)                                                                            \
    X(curl_easy_init)                                                                              \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_perform)                                                                           \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_strerror)                                                                          \
    X(curl_easy_escape)                                                                            \
    X(curl_free)                                                                                   \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)

#define SK_DL_DECLARE(f) extern __typeof__(f) *sk_dl_##f;
SK_CURL_SYMS(SK_DL_DECLARE)
#undef SK_DL_DECLARE

int sk_curl_load(sk_error *err);

#ifndef SK_DL_DEFINE
#define curl_global_init (*sk_dl_curl_global_init)
#define curl_easy_init (*sk_dl_curl_easy_init)
#define curl_easy_setopt(h, opt, param) (*sk_dl_curl_easy_setopt)(h, opt, param)
#define curl_easy_perform (*sk_dl_curl_easy_perform)
#define curl_easy_cleanup (*sk_dl_curl_easy_cleanup)
#define curl_easy_strerror (*sk_dl_curl_easy_strerror)
#define curl_easy_escape (*sk_dl_curl_easy_escape)
#define curl_free (*sk_dl_curl_free)
#define curl_slist_append (*sk_dl_curl_slist_append)
#define curl_slist_free_all (*sk_dl_curl_slist_free_all)
#endif

#endif

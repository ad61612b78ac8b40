/* dl_crypto.h - OpenSSL's libcrypto (sha256), loaded on first use (see
 * util/dl.h).  Include instead of <openssl/evp.h>; sk_crypto_load() first. */
#ifndef SKIFF_IMAGE_DL_CRYPTO_H
#define SKIFF_IMAGE_DL_CRYPTO_H

#include <openssl/evp.h>

#include "util/error.h"

#define SK_CRYPTO_SYMS(X)                                                                          \
    X(EVP_MD_CTX_new)                                                                              \
    X(EVP_MD_CTX_free)                                                                             \
    X(EVP_DigestInit_ex)                                                                           \
    X(EVP_DigestUpdate)                                                                            \
    X(EVP_DigestFinal_ex)                                                                          \
    X(EVP_sha256)

#define SK_DL_DECLARE(f) extern __typeof__(f) *sk_dl_##f;
SK_CRYPTO_SYMS(SK_DL_DECLARE)
#undef SK_DL_DECLARE

int sk_crypto_load(sk_error *err);

#ifndef SK_DL_DEFINE
#define EVP_MD_CTX_new (*sk_dl_EVP_MD_CTX_new)
#define EVP_MD_CTX_free (*sk_dl_EVP_MD_CTX_free)
#define EVP_DigestInit_ex (*sk_dl_EVP_DigestInit_ex)
#define EVP_DigestUpdate (*sk_dl_EVP_DigestUpdate)
#define EVP_DigestFinal_ex (*sk_dl_EVP_DigestFinal_ex)
#define EVP_sha256 (*sk_dl_EVP_sha256)
#endif

#endif

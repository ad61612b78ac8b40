/* digest.c - sha256 through OpenSSL's EVP interface. */
#define _GNU_SOURCE
#include "image/digest.h"

#include "image/dl_crypto.h"

#include <stdio.h>
#include <stdlib.h>

struct sk_sha256 {
    EVP_MD_CTX *ctx;
};

int sk_digest_init(sk_error *err)
{
    return sk_crypto_load(err);
}

struct sk_sha256 *sk_sha256_new(void)
{
    if (sk_crypto_load(NULL) < 0)
        return NULL;
    struct sk_sha256 *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        sk_sha256_free(h);
        return NULL;
    }
    return h;
}

void sk_sha256_update(struct sk_sha256 *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

void sk_sha256_final(struct sk_sha256 *h, char out[72])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    int w = snprintf(out, 72, "sha256:");
    for (unsigned i = 0; i < 32; i++)
        w += snprintf(out + w, (size_t)(72 - w), "%02x", md[i]);
}

void sk_sha256_free(struct sk_sha256 *h)
{
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void sk_sha256_digest(const void *data, size_t len, char out[72])
{
    struct sk_sha256 *h = sk_sha256_new();
    if (h == NULL) {
        out[0] = '\0';
        return;
    }
    sk_sha256_update(h, data, len);
    sk_sha256_final(h, out);
    sk_sha256_free(h);
}

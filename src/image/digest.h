/* digest.h - streaming sha256, printed as "sha256:<64 hex>". */
#ifndef SKIFF_IMAGE_DIGEST_H
#define SKIFF_IMAGE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct sk_sha256;

/* Load the hashing library (libcrypto, on first use): call before the rest
 * to get a clear error; sk_sha256_new() returns NULL and sk_sha256_digest()
 * writes "" when it is missing. */
int sk_digest_init(sk_error *err);

struct sk_sha256 *sk_sha256_new(void);
void sk_sha256_update(struct sk_sha256 *h, const void *data, size_t len);
/* Write "sha256:<hex>" (72 bytes with the NUL) and reset nothing: call once. */
void sk_sha256_final(struct sk_sha256 *h, char out[72]);
void sk_sha256_free(struct sk_sha256 *h);
/* One-shot. */
void sk_sha256_digest(const void *data, size_t len, char out[72]);

#endif

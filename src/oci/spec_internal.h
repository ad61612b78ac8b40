/* spec_internal.h - pieces of the config.json parser shared between its files. */
#ifndef SKIFF_OCI_SPEC_INTERNAL_H
#define SKIFF_OCI_SPEC_INTERNAL_H

#include "oci/spec.h"

int oci_linux_parse(json_t *lx, struct oci_linux *l, sk_error *err);
void oci_linux_clear(struct oci_linux *l);

/* A required unsigned 32-bit field: missing is an error. */
int oci_req_u32(json_t *obj, const char *key, const char *ctx, uint32_t *out, sk_error *err);
int oci_req_u64(json_t *obj, const char *key, const char *ctx, uint64_t *out, sk_error *err);
int oci_req_i64(json_t *obj, const char *key, const char *ctx, int64_t *out, sk_error *err);
int oci_req_string(json_t *obj, const char *key, const char *ctx, const char **out, sk_error *err);

#endif

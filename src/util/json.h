/* json.h - typed access to jansson values with errors that name the field.
 *
 * Every getter takes the parent object, the key and a context path used in
 * messages ("process.user.uid: expected an unsigned integer").  They return
 * 1 when the key is present and valid, 0 when it is absent or null, and -1
 * (with *err filled) when it has the wrong type or range. */
#ifndef SKIFF_UTIL_JSON_H
#define SKIFF_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/* Parse a document.  Integers too big for int64 (Go writes uint64 max for
 * "unlimited") are accepted: the document is then parsed with numbers as
 * reals, which the u64 getter clamps. */
json_t *sk_json_parse(const char *buf, size_t len, const char *what, sk_error *err);

int sk_json_string(json_t *obj, const char *key, const char *ctx, const char **out, sk_error *err);
int sk_json_bool(json_t *obj, const char *key, const char *ctx, bool *out, sk_error *err);
int sk_json_u64(json_t *obj, const char *key, const char *ctx, uint64_t *out, sk_error *err);
int sk_json_i64(json_t *obj, const char *key, const char *ctx, int64_t *out, sk_error *err);
int sk_json_u32(json_t *obj, const char *key, const char *ctx, uint32_t *out, sk_error *err);
int sk_json_object(json_t *obj, const char *key, const char *ctx, json_t **out, sk_error *err);
int sk_json_array(json_t *obj, const char *key, const char *ctx, json_t **out, sk_error *err);
/* An array of strings, copied into a NULL-terminated vector. */
int sk_json_strv(json_t *obj, const char *key, const char *ctx, char ***out, sk_error *err);

/* Value-level checks for array elements. */
int sk_json_as_u64(json_t *v, const char *ctx, uint64_t *out, sk_error *err);
int sk_json_as_i64(json_t *v, const char *ctx, int64_t *out, sk_error *err);

static inline void sk_json_decrefp(json_t **j)
{
    if (*j != NULL)
        json_decref(*j);
}
/* Labels: "key" matches when the key is there, "key=value" when it has
 * that value. */
bool sk_json_label_match(json_t *labels, const char *want);
/* docker's filters {"kind": ["value", ...]}: values of one kind OR
 * together (label and label! values AND), kinds AND; test says whether one
 * value holds for the item. */
bool sk_filters_match(json_t *filters, bool (*test)(void *ud, const char *kind, const char *value),
                      void *ud);
/* "key=value" (or "key", meaning "") into an object of strings. */
void sk_json_set_kv(json_t *obj, const char *kv);
/* The keys of obj (none when it is not an object) in strcmp order, as a
 * malloc'd array the caller frees (the strings are obj's); NULL only when
 * out of memory. */
const char **sk_json_sorted_keys(json_t *obj, size_t *n);

#define _cleanup_json_ __attribute__((cleanup(sk_json_decrefp)))

/* Serialize compactly into a malloc'd string. */
char *sk_json_dump(json_t *j, bool pretty);

#endif

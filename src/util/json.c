#define _GNU_SOURCE
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *sk_json_parse(const char *buf, size_t len, const char *what, sk_error *err)
{
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL && strstr(je.text, "too big") != NULL)
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
    if (j == NULL) {
        sk_err(err, 0, "%s: invalid JSON at line %d column %d: %s", what, je.line, je.column,
               je.text);
        return NULL;
    }
    return j;
}

static json_t *get(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

int sk_json_string(json_t *obj, const char *key, const char *ctx, const char **out, sk_error *err)
{
    json_t *v = get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return sk_err(err, 0, "%s%s%s: expected a string", ctx, *ctx ? "." : "", key);
    *out = json_string_value(v);
    if (strlen(*out) != json_string_length(v))
        return sk_err(err, 0, "%s%s%s: contains a NUL byte", ctx, *ctx ? "." : "", key);
    return 1;
}

int sk_json_bool(json_t *obj, const char *key, const char *ctx, bool *out, sk_error *err)
{
    json_t *v = get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v))
        return sk_err(err, 0, "%s%s%s: expected true or false", ctx, *ctx ? "." : "", key);
    *out = json_is_true(v);
    return 1;
}

int sk_json_as_u64(json_t *v, const char *ctx, uint64_t *out, sk_error *err)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        /* a document holding an integer above int64 is parsed with all
         * numbers as reals (sk_json_parse): accept the integral ones */
        double d = json_real_value(v);
        if (d >= 18446744073709551615.0) {
            *out = UINT64_MAX;
            return 1;
        }
        if (d >= 0 && (double)(uint64_t)d == d) {
            *out = (uint64_t)d;
            return 1;
        }
    }
    return sk_err(err, 0, "%s: expected an unsigned integer", ctx);
}

int sk_json_as_i64(json_t *v, const char *ctx, int64_t *out, sk_error *err)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
            (double)(int64_t)d == d) {
            *out = (int64_t)d;
            return 1;
        }
    }
    return sk_err(err, 0, "%s: expected an integer", ctx);
}

int sk_json_u64(json_t *obj, const char *key, const char *ctx, uint64_t *out, sk_error *err)
{
    json_t *v = get(obj, key);
    if (v == NULL)
        return 0;
    char path[256];
    snprintf(path, sizeof path, "%s%s%s", ctx, *ctx ? "." : "", key);
    return sk_json_as_u64(v, path, out, err);
}

int sk_json_i64(json_t *obj, const char *key, const char *ctx, int64_t *out, sk_error *err)
{
    json_t *v = get(obj, key);
    if (v == NULL)
        return 0;
    char path[256];
    snprintf(path, sizeof path, "%s%s%s", ctx, *ctx ? "." : "", key);
    return sk_json_as_i64(v, path, out, err);
}

int sk_json_u32(json_t *obj, const char *key, const char *ctx, uint32_t *out, sk_error *err)
{
    uint64_t v;
    int r = sk_json_u64(obj, key, ctx, &v, err);
    if (r <= 0)
        return r;
    if (v > UINT32_MAX)
        return sk_err(err, 0, "%s%s%s: %llu is out of range", ctx, *ctx ? "." : "", key,
                      (unsigned long long)v);
    *out = (uint32_t)v;
    return 1;
}

int sk_json_object(json_t *obj, const char *key, const char *ctx, json_t **out, sk_error *err)
{
    json_t *v = get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_object(v))
        return sk_err(err, 0, "%s%s%s: expected an object", ctx, *ctx ? "." : "", key);
    *out = v;
    return 1;
}

int sk_json_array(json_t *obj, const char *key, const char *ctx, json_t **out, sk_error *err)
{
    json_t *v = get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_array(v))
        return sk_err(err, 0, "%s%s%s: expected an array", ctx, *ctx ? "." : "", key);
    *out = v;
    return 1;
}

int sk_json_strv(json_t *obj, const char *key, const char *ctx, char ***out, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(obj, key, ctx, &arr, err);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    char **v = calloc(n + 1, sizeof *v);
    if (v == NULL)
        return sk_err(err, ENOMEM, "%s.%s", ctx, key);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s)) {
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return sk_err(err, 0, "%s%s%s[%zu]: expected a string", ctx, *ctx ? "." : "", key, i);
        }
        v[i] = strdup(json_string_value(s));
        if (v[i] == NULL) {
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return sk_err(err, ENOMEM, "%s.%s", ctx, key);
        }
    }
    *out = v;
    return 1;
}

char *sk_json_dump(json_t *j, bool pretty)
{
    return json_dumps(j, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER : JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static void kv_key(const char *kv, char *key, size_t cap, const char **value)
{
    const char *eq = strchr(kv, '=');
    snprintf(key, cap, "%.*s", (int)(eq ? eq - kv : (long)strlen(kv)), kv);
    *value = eq ? eq + 1 : NULL;
}

bool sk_json_label_match(json_t *labels, const char *want)
{
    char key[512];
    const char *value;
    kv_key(want, key, sizeof key, &value);
    const char *have = json_string_value(json_object_get(labels, key));
    return have != NULL && (value == NULL || strcmp(have, value) == 0);
}

void sk_json_set_kv(json_t *obj, const char *kv)
{
    char key[512];
    const char *value;
    kv_key(kv, key, sizeof key, &value);
    json_object_set_new(obj, key, json_string(value ? value : ""));
}

bool sk_filters_match(json_t *filters, bool (*test)(void *ud, const char *kind, const char *value),
                      void *ud)
{
    const char *kind;
    json_t *vals;
    json_object_foreach(filters, kind, vals)
    {
        /* docker: labels all hold (label=a and label=b), other values any */
        bool all = strcmp(kind, "label") == 0 || strcmp(kind, "label!") == 0;
        bool any = false, every = true;
        size_t i;
        json_t *v;
        json_array_foreach(vals, i, v)
        {
            bool ok = test(ud, kind, json_string_value(v) ? json_string_value(v) : "");
            any = any || ok;
            every = every && ok;
        }
        if (all ? !every : !any)
            return false;
    }
    return true;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **sk_json_sorted_keys(json_t *obj, size_t *n)
{
    size_t cap = json_is_object(obj) ? json_object_size(obj) : 0, k = 0;
    const char **keys = malloc((cap ? cap : 1) * sizeof *keys);
    *n = 0;
    if (keys == NULL)
        return NULL;
    const char *key;
    json_t *v;
    if (cap > 0)
        json_object_foreach(obj, key, v) if (k < cap) keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_key);
    *n = k;
    return keys;
}

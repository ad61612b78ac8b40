/* h_volumes.c - /volumes: list, create, inspect, remove, prune. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "util/json.h"

/* The engine says "get x: no such volume"; docker answers that with 404. */
static int vol_fail(struct api_ctx *x, const sk_error *err)
{
    if (strstr(err->msg, "no such volume") != NULL)
        return api_error(x, 404, "%s", err->msg);
    return api_fail(x, err);
}

static bool vol_match(void *ud, json_t *v, json_t *filters, const char **bad)
{
    (void)ud;
    return sk_volume_matches(v, filters, bad);
}

static int vol_list(struct api_ctx *x)
{
    json_t *filters, *all = NULL, *out;
    if (api_filters(x, &filters) < 0)
        return 0;
    sk_error err;
    if (sk_volume_list(x->e, &all, &err) < 0) {
        json_decref(filters);
        return api_fail(x, &err);
    }
    if (api_keep_matching(x, all, filters, sk_volume_filter_kinds, 0, vol_match, NULL, &out) < 0)
        return 0;
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v) json_object_del(v, "InUse");
    return api_json(x, 200, json_pack("{s:o, s:[]}", "Volumes", out, "Warnings"));
}

static int vol_create(struct api_ctx *x)
{
    json_t *b;
    if (api_body_json(x, &b) < 0)
        return 0;
    const char *name = json_string_value(json_object_get(b, "Name"));
    const char *driver = json_string_value(json_object_get(b, "Driver"));
    json_t *labels = json_object_get(b, "Labels");
    json_t *opts = json_object_get(b, "DriverOpts");
    int rc;
    sk_error err;
    json_t *v = NULL;
    if (driver != NULL && *driver && strcmp(driver, "local") != 0)
        rc = api_error(x, 400, "create %s: volume driver \"%s\" is not supported (only local)",
                       name ? name : "", driver);
    else if (opts != NULL && !json_is_null(opts) && !json_is_object(opts))
        rc = api_error(x, 400, "invalid DriverOpts: expected an object");
    else if (labels != NULL && !json_is_null(labels) && !json_is_object(labels))
        rc = api_error(x, 400, "invalid Labels: expected an object");
    else if (sk_volume_create(x->e, name && *name ? name : NULL, labels, json_is_object(opts) ? opts : NULL,
                              false, &v, &err) < 0)
        rc = api_fail(x, &err);
    else
        rc = api_json(x, 201, v);
    json_decref(b);
    return rc;
}

static int vol_inspect(struct api_ctx *x)
{
    sk_error err;
    json_t *v;
    if (sk_volume_inspect(x->e, x->param[0], &v, &err) < 0)
        return vol_fail(x, &err);
    return api_json(x, 200, v);
}

static int vol_remove(struct api_ctx *x)
{
    sk_error err;
    if (sk_volume_remove(x->e, x->param[0], api_qbool(x, "force", false), &err) < 0)
        return vol_fail(x, &err);
    return api_empty(x, 204);
}

/* filters: label, label!, and all=true for the named volumes too */
static int vol_prune(struct api_ctx *x)
{
    json_t *filters;
    if (api_filters(x, &filters) < 0)
        return 0;
    const char *all = api_filter_first(filters, "all");
    bool every = all != NULL && (strcmp(all, "true") == 0 || strcmp(all, "1") == 0);
    if (all != NULL && !every && strcmp(all, "false") != 0 && strcmp(all, "0") != 0) {
        json_decref(filters);
        return api_error(x, 400, "invalid filter 'all=%s': expected true or false", all);
    }
    json_object_del(filters, "all");
    sk_error err;
    json_t *gone = NULL;
    uint64_t freed = 0;
    int rc = sk_volume_prune(x->e, every, filters, &gone, &freed, &err);
    json_decref(filters);
    if (rc < 0) {
        json_decref(gone);
        return api_fail(x, &err);
    }
    return api_json(x, 200, json_pack("{s:o, s:I}", "VolumesDeleted", gone, "SpaceReclaimed",
                                      (json_int_t)freed));
}

const struct api_route api_volume_routes[] = {
    {"GET", "/volumes", vol_list},
    {"POST", "/volumes/create", vol_create},
    {"POST", "/volumes/prune", vol_prune},
    {"GET", "/volumes/{}", vol_inspect},
    {"DELETE", "/volumes/{}", vol_remove},
    {NULL, NULL, NULL},
};

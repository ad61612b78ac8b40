/* filters.c - docker's container filters (ps --filter, GET /containers/json). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/engine_int.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/timefmt.h"

struct match_ctx {
    struct sk_engine *e;
    json_t *row;
    const char *bad;
};

static const char *row_str(json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

static bool health_is(const char *status, const char *want)
{
    char w[64];
    if (status == NULL)
        return false;
    if (strcmp(want, "none") == 0)
        return strstr(status, "health") == NULL && strstr(status, "healthy") == NULL;
    snprintf(w, sizeof w, strcmp(want, "starting") ? "(%s)" : "(health: %s)", want);
    return strstr(status, w) != NULL;
}

/* before/since: created strictly before/after the named container */
static bool relative_to(struct match_ctx *m, const char *ref, bool before)
{
    char id[SK_ID_LEN + 1];
    struct ctr *c;
    if (sk_container_resolve(m->e, ref, id, NULL) < 0 || ctr_load(m->e, id, &c, NULL) < 0)
        return false;
    int64_t other = sk_parse_rfc3339(json_string_value(json_object_get(c->cfg, "Created")));
    ctr_free(c);
    int64_t t = (int64_t)json_integer_value(json_object_get(m->row, "Created"));
    return before ? t < other / 1000000000LL : t > other / 1000000000LL;
}

static bool one(void *ud, const char *kind, const char *f)
{
    struct match_ctx *m = ud;
    json_t *row = m->row;
    char want[64];
    if (!strcmp(kind, "status"))
        return sk_streq(row_str(row, "State"), f);
    if (!strcmp(kind, "name")) {
        const char *n = json_string_value(json_array_get(json_object_get(row, "Names"), 0));
        return n != NULL && strstr(n, f[0] == '/' ? f + 1 : f) != NULL;
    }
    if (!strcmp(kind, "id"))
        return sk_str_has_prefix(row_str(row, "Id"), f);
    if (!strcmp(kind, "label"))
        return sk_json_label_match(json_object_get(row, "Labels"), f);
    if (!strcmp(kind, "ancestor")) {
        const char *iid = row_str(row, "ImageID");
        return sk_streq(row_str(row, "Image"), f) ||
               (iid != NULL && strlen(iid) > 7 && (sk_str_has_prefix(iid + 7, f) || sk_streq(iid, f)));
    }
    if (!strcmp(kind, "health"))
        return health_is(row_str(row, "Status"), f);
    if (!strcmp(kind, "exited")) {
        snprintf(want, sizeof want, "Exited (%s)", f);
        return sk_str_has_prefix(row_str(row, "Status"), want);
    }
    if (!strcmp(kind, "network")) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(json_object_get(row, "NetworkSettings"), "Networks"), k, v)
            if (!strcmp(k, f) || sk_str_has_prefix(json_string_value(json_object_get(v, "NetworkID")), f))
                return true;
        return false;
    }
    if (!strcmp(kind, "volume")) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(row, "Mounts"), i, v)
            if (sk_streq(row_str(v, "Name"), f) || sk_streq(row_str(v, "Destination"), f) ||
                sk_streq(row_str(v, "Source"), f))
                return true;
        return false;
    }
    if (!strcmp(kind, "before") || !strcmp(kind, "since"))
        return relative_to(m, f, kind[0] == 'b');
    if (!strcmp(kind, "is-task"))
        return !strcmp(f, "false");
    m->bad = kind;
    return false;
}

const char *const sk_container_filter_kinds[] = {"status", "name", "id", "label", "ancestor", "exited",
                                                 "health", "network", "volume", "before", "since",
                                                 "is-task", NULL};

bool sk_container_matches(struct sk_engine *e, json_t *row, json_t *filters, const char **bad_kind)
{
    struct match_ctx m = {e, row, NULL};
    if (bad_kind != NULL)
        *bad_kind = NULL;
    bool ok = sk_filters_match(filters, one, &m);
    if (bad_kind != NULL)
        *bad_kind = m.bad;
    return ok && m.bad == NULL;
}

int prune_filters_check(json_t *filters, bool until, sk_error *err)
{
    const char *kind;
    json_t *v;
    json_object_foreach(filters, kind, v)
    {
        if (strcmp(kind, "label") != 0 && strcmp(kind, "label!") != 0 &&
            !(until && strcmp(kind, "until") == 0))
            return sk_err(err, 0, "invalid filter '%s'", kind);
    }
    const char *u = json_string_value(json_array_get(json_object_get(filters, "until"), 0));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (u != NULL && sk_parse_since(u, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec) < 0)
        return sk_err(err, 0, "invalid filter 'until=%s'", u);
    return 0;
}

bool prune_keeps(json_t *filters, json_t *labels, int64_t created_ns)
{
    bool keep = false;
    size_t k;
    json_t *l;
    json_array_foreach(json_object_get(filters, "label"), k, l)
        keep |= !sk_json_label_match(labels, json_string_value(l));
    json_array_foreach(json_object_get(filters, "label!"), k, l)
        keep |= sk_json_label_match(labels, json_string_value(l));
    const char *until = json_string_value(json_array_get(json_object_get(filters, "until"), 0));
    if (until != NULL) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t t = sk_parse_since(until, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        keep |= t > 0 && created_ns >= t;
    }
    return keep;
}

int sk_container_prune(struct sk_engine *e, json_t *filters, json_t **deleted, sk_error *err)
{
    json_t *rows = NULL;
    if (prune_filters_check(filters, true, err) < 0 || sk_container_list(e, true, &rows, err) < 0)
        return -1;
    *deleted = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *st = json_string_value(json_object_get(row, "State"));
        if (sk_streq(st, "running") || sk_streq(st, "paused") || sk_streq(st, "restarting"))
            continue;
        if (prune_keeps(filters, json_object_get(row, "Labels"),
                        json_integer_value(json_object_get(row, "Created")) * 1000000000LL))
            continue;
        const char *id = json_string_value(json_object_get(row, "Id"));
        if (sk_container_remove(e, id, false, false, NULL) == 0)
            json_array_append_new(*deleted, json_string(id));
    }
    json_decref(rows);
    return 0;
}

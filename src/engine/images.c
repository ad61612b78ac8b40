/* images.c - image removal and pruning that know about containers: an
 * image a container uses keeps its layers (they are its overlay's lower
 * directories). */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine_int.h"
#include "image/archive.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/timefmt.h"

/* image id -> {"container": id, "running": bool} (a running user wins) */
static json_t *in_use(struct sk_engine *e)
{
    json_t *u = json_object();
    _cleanup_json_ json_t *ids = NULL;
    if (ctr_ids(e, &ids, NULL) < 0)
        return u;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        struct ctr *c;
        if (ctr_load(e, json_string_value(v), &c, NULL) < 0)
            continue;
        ctr_reconcile(e, c);
        const char *img = json_string_value(json_object_get(c->cfg, "Image"));
        bool running = ctr_is_running(c);
        json_t *cur = img ? json_object_get(u, img) : NULL;
        if (img != NULL && (cur == NULL || (running && !json_is_true(json_object_get(cur, "running")))))
            json_object_set_new(u, img, json_pack("{s:s, s:b}", "container", c->id, "running", running));
        ctr_free(c);
    }
    return u;
}

/* docker's image events for what a removal reports ({"Untagged": ref},
 * {"Deleted": id}), from events[from] on. */
static void removal_events(struct sk_engine *e, const char *id, json_t *events, size_t from)
{
    for (size_t i = from; i < json_array_size(events); i++) {
        json_t *ev = json_array_get(events, i);
        const char *untagged = json_string_value(json_object_get(ev, "Untagged"));
        const char *deleted = json_string_value(json_object_get(ev, "Deleted"));
        if (untagged != NULL)
            sk_event(e, "image", "untag", id, json_pack("{s:s}", "name", untagged));
        else if (deleted != NULL)
            sk_event(e, "image", "delete", deleted, json_pack("{s:s}", "name", deleted));
    }
}

int sk_image_tag(struct sk_engine *e, const char *source, const char *target, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    char id[72], name[1024];
    if (s == NULL || store_resolve(s, source, id, err) < 0 ||
        image_tag(s, id, target, name, sizeof name, err) < 0)
        return -1;
    sk_event(e, "image", "tag", id, json_pack("{s:s}", "name", name));
    return 0;
}

int sk_image_remove(struct sk_engine *e, const char *name, bool force, json_t *events, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    if (s == NULL)
        return -1;
    char id[72] = "";
    store_resolve(s, name, id, NULL);
    _cleanup_json_ json_t *used = in_use(e);
    size_t from = json_array_size(events);
    if (image_remove(s, name, force, used, events, err) < 0)
        return -1;
    removal_events(e, id, events, from);
    return store_gc(s, used, NULL, err);
}

int sk_image_prune(struct sk_engine *e, bool all, json_t *filters, json_t *events, uint64_t *freed,
                   sk_error *err)
{
    if (prune_filters_check(filters, true, err) < 0)
        return -1;
    struct image_store *s = sk_engine_images(e, err);
    _cleanup_json_ json_t *list = NULL, *used = in_use(e);
    if (s == NULL || store_list_images(s, &list, err) < 0)
        return -1;
    size_t i;
    json_t *rec;
    json_array_foreach(list, i, rec)
    {
        const char *id = json_string_value(json_object_get(rec, "id"));
        if (json_object_get(used, id) != NULL)
            continue; /* docker: an image with a container is not unused */
        if (!all && json_array_size(json_object_get(rec, "repo_tags")) > 0)
            continue;
        if (json_object_size(filters) > 0) { /* label from the config, until its creation */
            json_t *cfg = NULL;
            bool keep = image_config(s, id, &cfg, NULL) < 0 ||
                        prune_keeps(filters, json_object_get(json_object_get(cfg, "config"), "Labels"),
                                    sk_parse_rfc3339(json_string_value(json_object_get(cfg, "created"))));
            json_decref(cfg);
            if (keep)
                continue;
        }
        size_t from = json_array_size(events);
        if (image_remove(s, id, true, used, events, NULL) == 0)
            removal_events(e, id, events, from);
    }
    return store_gc(s, used, freed, err);
}

/* "docker.io/library/busybox:latest" -> "busybox:latest" (docker's RepoTags) */
static json_t *familiar_names(json_t *names, char sep)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *full = json_string_value(v);
        const char *cut = full ? strrchr(full, sep) : NULL;
        if (cut == NULL)
            continue;
        char repo[1024], fam[1024], one[2048];
        snprintf(repo, sizeof repo, "%.*s", (int)(cut - full), full);
        image_repo_familiar(repo, fam, sizeof fam);
        snprintf(one, sizeof one, "%s%s", fam, cut);
        json_array_append_new(out, json_string(one));
    }
    return out;
}

int sk_image_list(struct sk_engine *e, json_t **out, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    _cleanup_json_ json_t *list = NULL, *used = NULL;
    if (s == NULL || store_list_images(s, &list, err) < 0)
        return -1;
    used = in_use(e);
    json_t *rows = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(list, i, rec)
    {
        const char *id = json_string_value(json_object_get(rec, "id"));
        json_t *labels = NULL, *cfg = NULL;
        if (image_config(s, id, &cfg, NULL) == 0)
            labels = json_incref(json_object_get(json_object_get(cfg, "config"), "Labels"));
        json_decref(cfg);
        json_int_t size = json_integer_value(json_object_get(rec, "size"));
        int64_t created = sk_parse_rfc3339(json_string_value(json_object_get(rec, "created")));
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:i, s:o, s:i}", "Id", id, "ParentId", "",
                            "RepoTags", familiar_names(json_object_get(rec, "repo_tags"), ':'),
                            "RepoDigests", familiar_names(json_object_get(rec, "repo_digests"), '@'),
                            "Created", (json_int_t)(created / 1000000000LL), "Size", size, "VirtualSize",
                            size, "SharedSize", -1, "Labels", json_is_object(labels) ? labels : json_object(),
                            "Containers", json_object_get(used, id) ? 1 : 0));
        if (!json_is_object(labels))
            json_decref(labels);
    }
    *out = rows;
    return 0;
}

static int64_t unix_seconds(const char *rfc3339)
{
    return sk_parse_rfc3339(rfc3339) / 1000000000LL;
}

/* One history entry, docker's shape. */
static json_t *history_entry(const char *created, const char *by, json_int_t size, const char *comment)
{
    return json_pack("{s:s, s:I, s:s, s:n, s:I, s:s}", "Id", "<missing>", "Created",
                     (json_int_t)unix_seconds(created), "CreatedBy", by ? by : "", "Tags", "Size", size,
                     "Comment", comment ? comment : "");
}

int sk_image_history(struct sk_engine *e, const char *name, json_t **out, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    char id[72];
    _cleanup_json_ json_t *cfg = NULL, *rec = NULL, *insp = NULL;
    if (s == NULL || store_resolve(s, name, id, err) < 0 || image_config(s, id, &cfg, err) < 0 ||
        store_get_image(s, id, &rec, err) < 0 || (insp = image_inspect(s, id, err)) == NULL)
        return -1;
    json_t *layers = json_object_get(rec, "layers"), *h;
    json_t *list = json_array();
    size_t li = 0, i;
    json_array_foreach(json_object_get(cfg, "history"), i, h)
    {
        json_int_t size = 0;
        if (!json_is_true(json_object_get(h, "empty_layer")))
            size = json_integer_value(json_object_get(json_array_get(layers, li++), "unpacked"));
        json_array_insert_new(list, 0, history_entry(json_string_value(json_object_get(h, "created")),
                                                     json_string_value(json_object_get(h, "created_by")), size,
                                                     json_string_value(json_object_get(h, "comment"))));
    }
    for (; li < json_array_size(layers); li++) /* no history, or one that missed layers */
        json_array_insert_new(list, 0, history_entry(json_string_value(json_object_get(cfg, "created")), "",
                                                     json_integer_value(json_object_get(json_array_get(layers, li), "unpacked")),
                                                     ""));
    json_t *top = json_array_get(list, 0);
    if (top != NULL) {
        json_object_set_new(top, "Id", json_string(id));
        json_object_set(top, "Tags", json_object_get(insp, "RepoTags"));
    }
    *out = list;
    return 0;
}

int sk_image_pull(struct sk_engine *e, const char *ref, const struct pull_opts *o,
                  struct pull_result *res, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    if (s == NULL)
        return -1;
    struct pull_opts po = o ? *o : (struct pull_opts){0};
    po.insecure = e->insecure;
    /* docker's "Downloaded newer image": the name now means another image */
    char before[72] = "";
    if (store_resolve(s, ref, before, NULL) < 0)
        before[0] = '\0';
    if (registry_pull(s, ref, &po, res, err) < 0)
        return -1;
    res->fresh = res->fresh || strcmp(before, res->id) != 0;
    sk_event(e, "image", "pull", res->name, json_pack("{s:s}", "name", res->name));
    return 0;
}

int sk_image_tags(struct sk_engine *e, const char *repo, const struct pull_opts *o, json_t **tags,
                  sk_error *err)
{
    struct pull_opts po = o ? *o : (struct pull_opts){0};
    po.insecure = e->insecure;
    return registry_tags(repo, &po, tags, err);
}

int sk_image_load(struct sk_engine *e, const struct byte_source *src, json_t **loaded, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    if (s == NULL || image_load(s, src, loaded, err) < 0)
        return -1;
    size_t i;
    json_t *l;
    json_array_foreach(*loaded, i, l) {
        /* "Loaded image: busybox:latest" or "Loaded image ID: sha256:..." */
        const char *line = json_string_value(l), *colon = line ? strstr(line, ": ") : NULL;
        if (colon != NULL)
            sk_event(e, "image", "load", colon + 2, json_pack("{s:s}", "name", colon + 2));
    }
    return 0;
}

int sk_image_save(struct sk_engine *e, char *const *names, size_t n, int fd, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    if (s == NULL || image_save(s, names, n, fd, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        sk_event(e, "image", "save", names[i], json_pack("{s:s}", "name", names[i]));
    return 0;
}

int sk_image_import(struct sk_engine *e, const struct byte_source *src, const struct import_opts *o,
                    char id[72], sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    if (s == NULL || image_import(s, src, o, id, err) < 0)
        return -1;
    sk_event(e, "image", "import", id, o->ref ? json_pack("{s:s}", "name", o->ref) : NULL);
    return 0;
}

/* ---- filters ------------------------------------------------------------------------------ */

/* docker's reference.FamiliarMatch: the pattern (path.Match: '*' stops at
 * '/') against "name:tag" / "name@digest", then against the name alone. */
static bool ref_matches(const char *pattern, const char *familiar, char sep)
{
    if (fnmatch(pattern, familiar, FNM_PATHNAME) == 0)
        return true;
    const char *slash = strrchr(familiar, '/');
    const char *cut = strrchr(slash ? slash : familiar, sep);
    if (cut == NULL)
        return false;
    char name[1024];
    snprintf(name, sizeof name, "%.*s", (int)(cut - familiar), familiar);
    return fnmatch(pattern, name, FNM_PATHNAME) == 0;
}

/* The names of a list that some pattern matches. */
static json_t *matching_names(json_t *names, json_t *patterns, char sep)
{
    json_t *out = json_array();
    size_t i, k;
    json_t *n, *p;
    json_array_foreach(names, i, n) json_array_foreach(patterns, k, p)
    {
        if (ref_matches(json_string_value(p), json_string_value(n), sep)) {
            json_array_append(out, n);
            break;
        }
    }
    return out;
}

/* Created (unix) of the image ref names, -1 with *err when there is none. */
static int64_t created_of(struct sk_engine *e, json_t *rows, const char *ref, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    char id[72];
    if (s == NULL || store_resolve(s, ref, id, err) < 0)
        return -1;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (sk_streq(json_string_value(json_object_get(r, "Id")), id))
            return (int64_t)json_integer_value(json_object_get(r, "Created"));
    }
    return sk_err(err, 0, "No such image: %s", ref);
}

static bool all_labels(json_t *labels, json_t *want)
{
    size_t i;
    json_t *w;
    json_array_foreach(want, i, w)
    {
        if (!sk_json_label_match(labels, json_string_value(w)))
            return false;
    }
    return true;
}

int sk_image_filter(struct sk_engine *e, json_t *rows, json_t *filters, json_t **out, sk_error *err)
{
    const char *kind;
    json_t *vals;
    int dangling = -1;
    int64_t before = -1, since = -1;
    json_object_foreach(filters, kind, vals)
    {
        const char *v = json_string_value(json_array_get(vals, 0));
        if (!strcmp(kind, "dangling")) {
            if (v == NULL || (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0")))
                return sk_err(err, 0, "invalid filter 'dangling=%s'", v ? v : "");
            dangling = !strcmp(v, "true") || !strcmp(v, "1");
        } else if (!strcmp(kind, "before") || !strcmp(kind, "since")) {
            int64_t t = v ? created_of(e, rows, v, err) : -1;
            if (t < 0)
                return v ? -1 : sk_err(err, 0, "invalid filter '%s'", kind);
            *(kind[0] == 'b' ? &before : &since) = t;
        } else if (strcmp(kind, "label") != 0 && strcmp(kind, "reference") != 0) {
            return sk_err(err, 0, "invalid filter '%s'", kind);
        }
    }
    json_t *refs = json_object_get(filters, "reference");
    json_t *labels = json_object_get(filters, "label");
    *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_int_t created = json_integer_value(json_object_get(r, "Created"));
        if ((dangling == 1 && json_array_size(json_object_get(r, "RepoTags")) > 0) ||
            (dangling == 0 && json_array_size(json_object_get(r, "RepoTags")) == 0) ||
            (before >= 0 && created >= before) || (since >= 0 && created <= since) ||
            !all_labels(json_object_get(r, "Labels"), labels))
            continue;
        json_t *row = json_deep_copy(r);
        if (json_array_size(refs) > 0) {
            json_t *tags = matching_names(json_object_get(r, "RepoTags"), refs, ':');
            json_t *digests = matching_names(json_object_get(r, "RepoDigests"), refs, '@');
            bool none = json_array_size(tags) == 0 && json_array_size(digests) == 0;
            json_object_set_new(row, "RepoTags", tags);
            json_object_set_new(row, "RepoDigests", digests);
            if (none) {
                json_decref(row);
                continue;
            }
        }
        json_array_append_new(*out, row);
    }
    return 0;
}

/* images.c - image removal and pruning that know about containers: an
 * image a container uses keeps its layers (they are its overlay's lower
 * directories). */
#define _GNU_SOURCE
#include <string.h>

#include "engine/engine_int.h"
#include <stdio.h>

#include "image/image.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
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

int sk_image_prune(struct sk_engine *e, bool all, json_t *events, uint64_t *freed, sk_error *err)
{
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

/* diskusage.c - what images, containers and volumes hold on disk, as
 * docker's GET /system/df and ?size=1 report it. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine_int.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

/* The files a container wrote: its overlay's upper directory. */
static int64_t rw_size(const char *ctr_dir)
{
    char upper[PATH_MAX + 8];
    snprintf(upper, sizeof upper, "%s/upper", ctr_dir);
    return (int64_t)sk_tree_size(upper);
}

static int64_t image_size(struct sk_engine *e, const char *image_id)
{
    struct image_store *s = sk_engine_images(e, NULL);
    json_t *rec;
    if (s == NULL || image_id == NULL || store_get_image(s, image_id, &rec, NULL) < 0)
        return 0;
    int64_t size = (int64_t)json_integer_value(json_object_get(rec, "size"));
    json_decref(rec);
    return size;
}

int sk_container_size(struct sk_engine *e, const char *ref, int64_t *rw, int64_t *rootfs,
                      sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    *rw = rw_size(c->dir);
    *rootfs = *rw + image_size(e, json_string_value(json_object_get(c->cfg, "Image")));
    return 0;
}

/* Images: SharedSize (the layers another image has too), Containers (how
 * many use it); *layers: each stored layer once. */
static int images_usage(struct sk_engine *e, json_t *images, json_t *ctrs, int64_t *layers,
                        sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    _cleanup_json_ json_t *recs = NULL;
    if (s == NULL || store_list_images(s, &recs, err) < 0)
        return -1;
    _cleanup_json_ json_t *uses = json_object(); /* diff_id -> images with it */
    _cleanup_json_ json_t *sizes = json_object(); /* diff_id -> unpacked size */
    _cleanup_json_ json_t *by_id = json_object(); /* image id -> its record */
    size_t i, k;
    json_t *rec, *l;
    json_array_foreach(recs, i, rec)
    {
        json_object_set(by_id, json_string_value(json_object_get(rec, "id")) ?: "", rec);
        _cleanup_json_ json_t *seen = json_object(); /* a layer twice in one image: once */
        json_array_foreach(json_object_get(rec, "layers"), k, l)
        {
            const char *d = json_string_value(json_object_get(l, "diff_id"));
            if (d == NULL || json_object_get(seen, d))
                continue;
            json_object_set_new(seen, d, json_true());
            json_object_set_new(uses, d, json_integer(json_integer_value(json_object_get(uses, d)) + 1));
            json_object_set(sizes, d, json_object_get(l, "unpacked"));
        }
    }
    *layers = 0;
    const char *d;
    json_t *v;
    json_object_foreach(sizes, d, v) *layers += (int64_t)json_integer_value(v);

    json_t *img;
    json_array_foreach(images, i, img)
    {
        const char *id = json_string_value(json_object_get(img, "Id"));
        int64_t shared = 0, users = 0;
        _cleanup_json_ json_t *seen = json_object();
        json_array_foreach(json_object_get(json_object_get(by_id, id ?: ""), "layers"), k, l)
        {
            const char *diff = json_string_value(json_object_get(l, "diff_id"));
            if (diff == NULL || json_object_get(seen, diff))
                continue;
            json_object_set_new(seen, diff, json_true());
            if (json_integer_value(json_object_get(uses, diff)) > 1)
                shared += (int64_t)json_integer_value(json_object_get(l, "unpacked"));
        }
        json_array_foreach(ctrs, k, v)
        {
            users += sk_streq(json_string_value(json_object_get(v, "ImageID")), id);
        }
        json_object_set_new(img, "SharedSize", json_integer(shared));
        json_object_set_new(img, "Containers", json_integer(users));
    }
    return 0;
}

/* Containers: SizeRw and SizeRootFs; the named volumes they mount counted
 * into refs (name -> containers). */
static void containers_usage(struct sk_engine *e, json_t *ctrs, json_t *refs)
{
    size_t i, k;
    json_t *row, *m;
    json_array_foreach(ctrs, i, row)
    {
        int64_t rw = 0, rootfs = 0;
        sk_container_size(e, json_string_value(json_object_get(row, "Id")), &rw, &rootfs, NULL);
        json_object_set_new(row, "SizeRw", json_integer(rw));
        json_object_set_new(row, "SizeRootFs", json_integer(rootfs));
        json_array_foreach(json_object_get(row, "Mounts"), k, m)
        {
            const char *name = json_string_value(json_object_get(m, "Name"));
            if (sk_streq(json_string_value(json_object_get(m, "Type")), "volume") && name)
                json_object_set_new(refs, name, json_integer(json_integer_value(json_object_get(refs, name)) + 1));
        }
    }
}

int sk_system_df(struct sk_engine *e, json_t **out, sk_error *err)
{
    _cleanup_json_ json_t *images = NULL, *ctrs = NULL, *vols = NULL;
    if (sk_image_list(e, &images, err) < 0 || sk_container_list(e, true, &ctrs, err) < 0 ||
        sk_volume_list(e, &vols, err) < 0)
        return -1;
    int64_t layers;
    if (images_usage(e, images, ctrs, &layers, err) < 0)
        return -1;
    _cleanup_json_ json_t *refs = json_object();
    containers_usage(e, ctrs, refs);
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "Name"));
        const char *data = json_string_value(json_object_get(v, "Mountpoint"));
        json_object_set_new(v, "UsageData",
                            json_pack("{s:I, s:I}", "Size", (json_int_t)sk_tree_size(data), "RefCount",
                                      json_integer_value(json_object_get(refs, name ?: ""))));
        json_object_del(v, "InUse");
    }
    *out = json_pack("{s:I, s:O, s:O, s:O, s:[]}", "LayersSize", (json_int_t)layers, "Images", images,
                     "Containers", ctrs, "Volumes", vols, "BuildCache");
    return *out ? 0 : sk_err(err, ENOMEM, "disk usage");
}

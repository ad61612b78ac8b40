/* manifest.c - manifests, indexes and platforms. */
#define _GNU_SOURCE
#include "image/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/reference.h"
#include "util/json.h"

bool manifest_is_index(const char *media_type, json_t *doc)
{
    const char *mt = media_type;
    if ((mt == NULL || *mt == '\0') && doc != NULL)
        mt = json_string_value(json_object_get(doc, "mediaType"));
    if (mt != NULL && (strcmp(mt, MT_DOCKER_LIST) == 0 || strcmp(mt, MT_OCI_INDEX) == 0))
        return true;
    /* an OCI index may omit mediaType: it has "manifests", not "layers" */
    return doc != NULL && json_is_array(json_object_get(doc, "manifests")) &&
           json_object_get(doc, "layers") == NULL;
}

static int parse_descriptor(json_t *d, const char *ctx, struct descriptor *out, sk_error *err)
{
    const char *mt = NULL, *dg = NULL;
    memset(out, 0, sizeof *out);
    if (!json_is_object(d))
        return sk_err(err, 0, "%s: expected an object", ctx);
    if (sk_json_string(d, "mediaType", ctx, &mt, err) < 0 ||
        sk_json_string(d, "digest", ctx, &dg, err) < 0 || sk_json_i64(d, "size", ctx, &out->size, err) < 0)
        return -1;
    if (dg == NULL || !image_digest_valid(dg))
        return sk_err(err, 0, "%s.digest: \"%s\" is not a sha256 digest", ctx, dg ? dg : "");
    snprintf(out->digest, sizeof out->digest, "%s", dg);
    snprintf(out->media_type, sizeof out->media_type, "%s", mt ? mt : "");
    return 0;
}

int manifest_parse(json_t *doc, struct manifest *m, sk_error *err)
{
    memset(m, 0, sizeof *m);
    if (!json_is_object(doc))
        return sk_err(err, 0, "manifest: expected a JSON object");
    const char *mt = json_string_value(json_object_get(doc, "mediaType"));
    if (mt != NULL && strcmp(mt, MT_DOCKER_MANIFEST) != 0 && strcmp(mt, MT_OCI_MANIFEST) != 0)
        return sk_err(err, 0, "manifest: unsupported media type %s", mt);
    if (parse_descriptor(json_object_get(doc, "config"), "manifest.config", &m->config, err) < 0)
        return -1;
    json_t *ls = json_object_get(doc, "layers");
    if (!json_is_array(ls))
        return sk_err(err, 0, "manifest.layers: expected an array");
    size_t n = json_array_size(ls);
    m->layers = calloc(n ? n : 1, sizeof *m->layers);
    if (m->layers == NULL)
        return sk_err(err, ENOMEM, "manifest");
    for (size_t i = 0; i < n; i++) {
        char ctx[64];
        snprintf(ctx, sizeof ctx, "manifest.layers[%zu]", i);
        if (parse_descriptor(json_array_get(ls, i), ctx, &m->layers[i], err) < 0) {
            manifest_clear(m);
            return -1;
        }
        const char *lmt = m->layers[i].media_type;
        if (strstr(lmt, "foreign") != NULL || strstr(lmt, "nondistributable") != NULL) {
            sk_err(err, 0, "%s: foreign layers (%s) are not supported", ctx, lmt);
            manifest_clear(m);
            return -1;
        }
    }
    m->n_layers = n;
    return 0;
}

void manifest_clear(struct manifest *m)
{
    free(m->layers);
    memset(m, 0, sizeof *m);
}

int manifest_select(json_t *index, const char *os, const char *arch, const char *variant,
                    struct descriptor *out, sk_error *err)
{
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms))
        return sk_err(err, 0, "index: manifests is not an array");
    int best = -1, best_score = -1;
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        json_t *p = json_object_get(m, "platform");
        const char *mos = json_string_value(json_object_get(p, "os"));
        const char *march = json_string_value(json_object_get(p, "architecture"));
        const char *mvar = json_string_value(json_object_get(p, "variant"));
        if (mos == NULL || march == NULL || strcmp(mos, os) != 0 || strcmp(march, arch) != 0)
            continue;
        int score = 1;
        if (variant != NULL && *variant) {
            if (mvar == NULL || strcmp(mvar, variant) != 0)
                continue;
            score = 2;
        }
        if (score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    if (best < 0)
        return sk_err(err, 0, "no matching manifest for %s/%s%s%s in the manifest list entries", os,
                      arch, variant && *variant ? "/" : "", variant ? variant : "");
    return parse_descriptor(json_array_get(ms, (size_t)best), "index.manifests", out, err);
}

int platform_parse(const char *s, char *os, char *arch, char *variant, size_t cap, sk_error *err)
{
    snprintf(os, cap, "linux");
    snprintf(arch, cap, "%s", image_host_arch());
    variant[0] = '\0';
    if (s == NULL || *s == '\0')
        return 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    char *parts[3] = {0};
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t && n < 3; t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    if (n == 1) {
        snprintf(arch, cap, "%s", parts[0]);
    } else if (n >= 2) {
        snprintf(os, cap, "%s", parts[0]);
        snprintf(arch, cap, "%s", parts[1]);
        if (n == 3)
            snprintf(variant, cap, "%s", parts[2]);
    } else {
        return sk_err(err, 0, "invalid platform \"%s\"", s);
    }
    return 0;
}

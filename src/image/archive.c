/* archive.c - docker-archive and OCI layout in, docker-archive out, import. */
#define _GNU_SOURCE
#include "image/dl_archive.h"
#include "image/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/image.h"
#include "image/layer_pipe.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

#define HEX(d) ((d) + 7)

/* ---- load ------------------------------------------------------------------- */

struct loader {
    struct image_store *s;
    int dirfd; /* the unpacked archive */
    json_t *loaded;
};

static int read_member(struct loader *l, const char *name, char **buf, size_t *len, sk_error *err)
{
    _cleanup_close_ int fd = sk_open_in_root(l->dirfd, name, O_RDONLY | O_NOFOLLOW, 0, err);
    if (fd < 0)
        return sk_err_prefix(err, "archive member %s", name);
    return sk_read_fd(fd, name, 16u << 20, buf, len, err);
}

/* A member as a verified blob: its name does not matter, its content does. */
static int member_blob(struct loader *l, const char *name, const char *expect, char digest[72],
                       sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (read_member(l, name, &buf, &len, err) < 0)
        return -1;
    return store_put_blob(l->s, buf, len, expect, digest, err) < 0 ? sk_err_prefix(err, "%s", name) : 0;
}

static int member_layer(struct loader *l, const char *name, const char *expect_digest,
                        const char *diff_id, struct layer_result *res, sk_error *err)
{
    if (store_has_layer(l->s, diff_id) && (expect_digest == NULL || store_has_blob(l->s, expect_digest)))
        return store_add_layer(l->s, NULL, NULL, diff_id, res, err);
    _cleanup_close_ int fd = sk_open_in_root(l->dirfd, name, O_RDONLY | O_NOFOLLOW, 0, err);
    if (fd < 0)
        return sk_err_prefix(err, "archive member %s", name);
    struct fd_source fs = {fd};
    struct byte_source src = {fd_source_read, &fs};
    if (store_add_layer(l->s, &src, expect_digest, diff_id, res, err) < 0)
        return sk_err_prefix(err, "%s", name);
    return 0;
}

static void report(struct loader *l, const char *id, const char *name)
{
    char line[1200];
    if (name != NULL)
        snprintf(line, sizeof line, "Loaded image: %s", name);
    else
        snprintf(line, sizeof line, "Loaded image ID: %s", id);
    json_array_append_new(l->loaded, json_string(line));
}

/* The layers of a config, from archive members named in order. */
static int load_layers(struct loader *l, const char *config_digest, json_t *names,
                       const struct manifest *m, const char *manifest_digest, sk_error *err)
{
    _cleanup_json_ json_t *cfg = NULL;
    if (image_config(l->s, config_digest, &cfg, err) < 0)
        return -1;
    json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    size_t n = m ? m->n_layers : json_array_size(names);
    if (!json_is_array(diff_ids) || json_array_size(diff_ids) != n)
        return sk_err(err, 0, "image %s: the config lists %zu layers, the archive %zu", config_digest,
                      json_is_array(diff_ids) ? json_array_size(diff_ids) : 0, n);
    struct layer_result *res = calloc(n ? n : 1, sizeof *res);
    if (res == NULL)
        return sk_err(err, ENOMEM, "load");
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *diff_id = json_string_value(json_array_get(diff_ids, i));
        char member[128];
        const char *name;
        if (m != NULL) {
            snprintf(member, sizeof member, "blobs/sha256/%s", HEX(m->layers[i].digest));
            name = member;
        } else {
            name = json_string_value(json_array_get(names, i));
        }
        if (name == NULL || diff_id == NULL || !image_digest_valid(diff_id))
            r = sk_err(err, 0, "image %s: layer %zu is not described properly", config_digest, i);
        else
            r = member_layer(l, name, m ? m->layers[i].digest : NULL, diff_id, &res[i], err);
    }
    if (r == 0)
        r = image_commit(l->s, config_digest, manifest_digest, res, n, err);
    free(res);
    return r;
}

static int load_docker(struct loader *l, sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (read_member(l, "manifest.json", &buf, &len, err) < 0)
        return -1;
    _cleanup_json_ json_t *man = sk_json_parse(buf, len, "manifest.json", err);
    if (man == NULL)
        return -1;
    if (!json_is_array(man))
        return sk_err(err, 0, "manifest.json: expected an array");
    size_t i;
    json_t *e;
    json_array_foreach(man, i, e)
    {
        const char *config = json_string_value(json_object_get(e, "Config"));
        json_t *layers = json_object_get(e, "Layers"), *tags = json_object_get(e, "RepoTags");
        if (config == NULL || !json_is_array(layers))
            return sk_err(err, 0, "manifest.json[%zu]: Config and Layers are required", i);
        char id[72];
        if (member_blob(l, config, NULL, id, err) < 0 || load_layers(l, id, layers, NULL, NULL, err) < 0)
            return -1;
        size_t k;
        json_t *t;
        bool named = false;
        json_array_foreach(tags, k, t)
        {
            char name[1024];
            if (!json_is_string(t) || image_tag(l->s, id, json_string_value(t), name, sizeof name, err) < 0)
                return sk_err_prefix(err, "manifest.json[%zu].RepoTags", i);
            char fam[1024];
            image_repo_familiar(name, fam, sizeof fam);
            report(l, id, fam);
            named = true;
        }
        if (!named)
            report(l, id, NULL);
    }
    return 0;
}

static int load_oci_manifest(struct loader *l, const char *digest, const char *name, int depth,
                             sk_error *err)
{
    char member[128], got[72];
    _cleanup_free_ char *buf = NULL;
    size_t len;
    snprintf(member, sizeof member, "blobs/sha256/%s", HEX(digest));
    if (depth > 4)
        return sk_err(err, 0, "index.json: indexes nested too deep");
    if (member_blob(l, member, digest, got, err) < 0 ||
        store_get_blob(l->s, digest, 16u << 20, &buf, &len, err) < 0)
        return -1;
    _cleanup_json_ json_t *doc = sk_json_parse(buf, len, member, err);
    if (doc == NULL)
        return -1;
    if (manifest_is_index(NULL, doc)) {
        struct descriptor d;
        if (manifest_select(doc, "linux", image_host_arch(), NULL, &d, err) < 0)
            return -1;
        return load_oci_manifest(l, d.digest, name, depth + 1, err);
    }
    struct manifest m;
    if (manifest_parse(doc, &m, err) < 0)
        return -1;
    char cfg_member[128], id[72];
    snprintf(cfg_member, sizeof cfg_member, "blobs/sha256/%s", HEX(m.config.digest));
    int r = member_blob(l, cfg_member, m.config.digest, id, err);
    if (r == 0)
        r = load_layers(l, id, NULL, &m, digest, err);
    manifest_clear(&m);
    if (r < 0)
        return -1;
    char tagged[1024];
    if (name != NULL && image_tag(l->s, id, name, tagged, sizeof tagged, NULL) == 0) {
        char fam[1024];
        image_repo_familiar(tagged, fam, sizeof fam);
        report(l, id, fam);
    } else {
        report(l, id, NULL);
    }
    return 0;
}

static int load_oci(struct loader *l, sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (read_member(l, "index.json", &buf, &len, err) < 0)
        return -1;
    _cleanup_json_ json_t *idx = sk_json_parse(buf, len, "index.json", err);
    if (idx == NULL)
        return -1;
    json_t *ms = json_object_get(idx, "manifests");
    if (!json_is_array(ms))
        return sk_err(err, 0, "index.json: manifests is not an array");
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        const char *d = json_string_value(json_object_get(m, "digest"));
        json_t *ann = json_object_get(m, "annotations");
        const char *name = json_string_value(json_object_get(ann, "io.containerd.image.name"));
        if (name == NULL) {
            /* org.opencontainers.image.ref.name is often just a tag: only a
             * full reference names the image */
            const char *rn = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
            if (rn != NULL && (strchr(rn, '/') != NULL || strchr(rn, ':') != NULL))
                name = rn;
        }
        if (d == NULL || !image_digest_valid(d))
            return sk_err(err, 0, "index.json: manifests[%zu].digest is not a sha256 digest", i);
        if (load_oci_manifest(l, d, name, 0, err) < 0)
            return -1;
    }
    return 0;
}

int image_load(struct image_store *s, const struct byte_source *src, json_t **loaded, sk_error *err)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "tmp/%d-load-%lx", (int)getpid(), (unsigned long)random());
    if (store_begin_add(s, err) < 0)
        return -1;
    struct loader l = {s, -1, json_array()};
    int r = -1;
    struct layer_result outer;
    if (mkdirat(s->dirfd, tmp, 0700) < 0 ||
        (l.dirfd = openat(s->dirfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        sk_err(err, errno, "load: scratch directory");
        goto out;
    }
    if (layer_unpack(src, l.dirfd, &outer, err) < 0) {
        sk_err_prefix(err, "load: the archive");
        goto out;
    }
    if (faccessat(l.dirfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        r = load_docker(&l, err);
    else if (faccessat(l.dirfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        r = load_oci(&l, err);
    else
        sk_err(err, 0, "load: neither a docker archive (manifest.json) nor an OCI layout (index.json)");
    if (r == 0 && json_array_size(l.loaded) == 0)
        r = sk_err(err, 0, "load: the archive holds no image");
out:
    if (l.dirfd >= 0)
        close(l.dirfd);
    sk_rm_rf_at(s->dirfd, tmp, NULL);
    store_end_add(s);
    if (r == 0)
        *loaded = l.loaded;
    else
        json_decref(l.loaded);
    return r;
}

/* ---- save --------------------------------------------------------------------- */

static int write_member(struct archive *a, const char *name, const void *data, size_t len,
                        sk_error *err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK || (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len))
        return sk_err(err, 0, "save: %s: %s", name, archive_error_string(a));
    return 0;
}

static int write_dir(struct archive *a, const char *name, sk_error *err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    return r == ARCHIVE_OK ? 0 : sk_err(err, 0, "save: %s: %s", name, archive_error_string(a));
}

/* <diffid>/layer.tar: the blob decompressed into the archive. */
static int write_layer(struct image_store *s, struct archive *a, const char *diff_id,
                       const char *digest, sk_error *err)
{
    _cleanup_json_ json_t *meta = NULL;
    uint64_t tar_size = 0;
    if (store_layer_meta(s, diff_id, &meta, err) < 0)
        return -1;
    if (sk_json_u64(meta, "tar_size", "", &tar_size, err) <= 0)
        return sk_err(err, 0, "save: layer %s has no recorded size", diff_id);
    char name[200];
    snprintf(name, sizeof name, "%s", HEX(diff_id));
    if (write_dir(a, name, err) < 0)
        return -1;
    snprintf(name, sizeof name, "%s/layer.tar", HEX(diff_id));
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)tar_size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    int hr = archive_write_header(a, e);
    archive_entry_free(e);
    if (hr != ARCHIVE_OK)
        return sk_err(err, 0, "save: %s", archive_error_string(a));
    _cleanup_close_ int bfd = store_open_blob(s, digest, err);
    if (bfd < 0)
        return -1;
    struct fd_source fs = {bfd};
    struct byte_source src = {fd_source_read, &fs};
    struct layer_pipe *p;
    if (layer_pipe_open(&p, &src, err) < 0)
        return -1;
    const void *buf;
    ssize_t n;
    uint64_t total = 0;
    int r = 0;
    while ((n = layer_pipe_read(p, &buf)) > 0) {
        if (total + (uint64_t)n > tar_size || archive_write_data(a, buf, (size_t)n) != n) {
            r = -1;
            break;
        }
        total += (uint64_t)n;
    }
    layer_pipe_free(p);
    if (r < 0 || n < 0 || total != tar_size)
        return sk_err(err, 0, "save: layer %s could not be read back from blob %s", diff_id, digest);
    return 0;
}

int image_save(struct image_store *s, char *const *names, size_t n, int fd, sk_error *err)
{
    if (sk_archive_load(err) < 0)
        return -1;
    struct archive *a = archive_write_new();
    if (a == NULL)
        return sk_err(err, ENOMEM, "save");
    archive_write_set_format_pax_restricted(a);
    if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
        sk_err(err, 0, "save: %s", archive_error_string(a));
        archive_write_free(a);
        return -1;
    }
    json_t *manifest = json_array(), *repos = json_object(), *written = json_object();
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        char id[72];
        _cleanup_json_ json_t *rec = NULL;
        if (store_resolve(s, names[i], id, err) < 0 || store_get_image(s, id, &rec, err) < 0) {
            r = -1;
            break;
        }
        json_t *tags = json_array();
        struct image_ref ref;
        bool by_id = strncmp(HEX(id), names[i], strlen(names[i])) == 0 ||
                     strncmp(id, names[i], strlen(names[i])) == 0; /* "sha256:..." too */
        if (!by_id && image_ref_parse(names[i], &ref, NULL) == 0 && ref.digest[0] == '\0') {
            char fam[1024], repo[800], famrepo[800];
            image_ref_familiar(&ref, fam, sizeof fam);
            json_array_append_new(tags, json_string(fam));
            image_ref_repo(&ref, repo, sizeof repo);
            image_repo_familiar(repo, famrepo, sizeof famrepo);
            json_t *rt = json_object_get(repos, famrepo);
            if (rt == NULL)
                json_object_set_new(repos, famrepo, rt = json_object());
            json_object_set_new(rt, ref.tag, json_string(HEX(id)));
        }
        char cfg_name[100];
        snprintf(cfg_name, sizeof cfg_name, "%s.json", HEX(id));
        json_t *layer_names = json_array();
        json_array_append_new(manifest, json_pack("{s:s, s:o, s:o}", "Config", cfg_name, "RepoTags",
                                                  json_array_size(tags) ? tags : (json_decref(tags), json_null()),
                                                  "Layers", layer_names));
        if (json_object_get(written, id) == NULL) {
            _cleanup_free_ char *cfg = NULL;
            size_t len;
            r = store_get_blob(s, id, 16u << 20, &cfg, &len, err);
            if (r == 0)
                r = write_member(a, cfg_name, cfg, len, err);
            json_object_set_new(written, id, json_true());
        }
        size_t k;
        json_t *l;
        json_array_foreach(json_object_get(rec, "layers"), k, l)
        {
            const char *diff_id = json_string_value(json_object_get(l, "diff_id"));
            const char *digest = json_string_value(json_object_get(l, "digest"));
            char lname[100];
            snprintf(lname, sizeof lname, "%s/layer.tar", HEX(diff_id));
            json_array_append_new(layer_names, json_string(lname));
            if (r == 0 && json_object_get(written, diff_id) == NULL) {
                r = write_layer(s, a, diff_id, digest, err);
                json_object_set_new(written, diff_id, json_true());
            }
        }
    }
    if (r == 0) {
        _cleanup_free_ char *mt = json_dumps(manifest, JSON_COMPACT);
        _cleanup_free_ char *rt = json_dumps(repos, JSON_COMPACT);
        r = write_member(a, "manifest.json", mt, strlen(mt), err);
        if (r == 0)
            r = write_member(a, "repositories", rt, strlen(rt), err);
    }
    if (archive_write_close(a) != ARCHIVE_OK && r == 0)
        r = sk_err(err, 0, "save: %s", archive_error_string(a));
    archive_write_free(a);
    json_decref(manifest);
    json_decref(repos);
    json_decref(written);
    return r;
}

/* ---- import --------------------------------------------------------------------- */

int image_import(struct image_store *s, const struct byte_source *src,
                 const struct import_opts *o, char id[72], sk_error *err)
{
    char now[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (store_begin_add(s, err) < 0)
        return -1;
    struct layer_result res;
    int r = store_add_layer(s, src, NULL, NULL, &res, err);
    json_t *cfg = NULL;
    if (r == 0) {
        cfg = json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "architecture",
                        o->platform_arch ? o->platform_arch : image_host_arch(), "os", "linux",
                        "created", now, "config", "rootfs", "type", "layers", "diff_ids", res.diff_id,
                        "history", "created", now, "comment",
                        o->message ? o->message : "Imported from -");
        if (cfg == NULL)
            r = sk_err(err, ENOMEM, "import");
    }
    for (size_t i = 0; r == 0 && o->changes && o->changes[i]; i++)
        r = image_apply_change(cfg, o->changes[i], err);
    if (r == 0) {
        _cleanup_free_ char *text = json_dumps(cfg, JSON_COMPACT);
        r = text ? store_put_blob(s, text, strlen(text), NULL, id, err) : sk_err(err, ENOMEM, "import");
    }
    if (r == 0)
        r = image_commit(s, id, NULL, &res, 1, err);
    if (r == 0 && o->ref != NULL)
        r = image_tag(s, id, o->ref, NULL, 0, err);
    json_decref(cfg);
    store_end_add(s);
    return r;
}

/* store.c - blobs, layers, image records and names on disk. */
#define _GNU_SOURCE
#include "image/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

#define HEX(d) ((d) + 7) /* "sha256:<hex>" -> "<hex>" */

/* tmp/ entries are "<pid>-..."; those of dead processes are litter. */
static void clear_litter(struct image_store *s)
{
    int fd = openat(s->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int pid = atoi(de->d_name);
        if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
            if (de->d_name[0] != '.')
                sk_rm_rf_at(dirfd(d), de->d_name, NULL);
    }
    closedir(d);
}

int store_open(const char *root, struct image_store **out, sk_error *err)
{
    struct image_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sk_err(err, ENOMEM, "image store");
    s->dirfd = s->lockfd = s->gcfd = -1;
    s->dir = sk_strdup_printf("%s/image", root);
    if (s->dir == NULL) {
        store_close(s);
        return sk_err(err, ENOMEM, "image store");
    }
    /* the data root is private (CVE-2021-41091) */
    if (sk_mkdir_p(root, 0700, err) < 0 || chmod(root, 0700) < 0) {
        store_close(s);
        return sk_err_prefix(err, "image store %s", root);
    }
    static const char *const subdirs[] = {"", "/blobs", "/blobs/sha256", "/layers", "/images",
                                          "/tmp", "/locks"};
    for (size_t i = 0; i < SK_ARRAY_SIZE(subdirs); i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s%s", s->dir, subdirs[i]);
        if (mkdir(p, 0700) < 0 && errno != EEXIST) {
            sk_err(err, errno, "image store: mkdir %s", p);
            store_close(s);
            return -1;
        }
    }
    s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    s->gcfd = openat(s->dirfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->dirfd < 0 || s->lockfd < 0 || s->gcfd < 0) {
        sk_err(err, errno, "image store %s", s->dir);
        store_close(s);
        return -1;
    }
    clear_litter(s);
    *out = s;
    return 0;
}

void store_close(struct image_store *s)
{
    if (s == NULL)
        return;
    if (s->lockfd >= 0)
        close(s->lockfd);
    if (s->gcfd >= 0)
        close(s->gcfd);
    if (s->dirfd >= 0)
        close(s->dirfd);
    free(s->dir);
    free(s);
}

int store_lock(struct image_store *s, sk_error *err)
{
    if (s->lock_depth++ > 0)
        return 0;
    while (flock(s->lockfd, LOCK_EX) < 0)
        if (errno != EINTR) {
            s->lock_depth--;
            return sk_err(err, errno, "lock the image store");
        }
    return 0;
}

void store_unlock(struct image_store *s)
{
    if (s->lock_depth > 0 && --s->lock_depth == 0)
        flock(s->lockfd, LOCK_UN);
}

int store_begin_add(struct image_store *s, sk_error *err)
{
    while (flock(s->gcfd, LOCK_SH) < 0)
        if (errno != EINTR)
            return sk_err(err, errno, "image store");
    return 0;
}

void store_end_add(struct image_store *s)
{
    flock(s->gcfd, LOCK_UN);
}

/* A fresh private name under tmp/. */
static void tmp_name(char *buf, size_t cap, const char *what)
{
    static unsigned seq;
    snprintf(buf, cap, "tmp/%d-%s-%u-%lx", (int)getpid(), what, seq++, (unsigned long)random());
}

/* ---- blobs ------------------------------------------------------------ */

void store_blob_path(struct image_store *s, const char *digest, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/blobs/sha256/%s", s->dir, HEX(digest));
}

bool store_has_blob(struct image_store *s, const char *digest)
{
    char p[PATH_MAX];
    if (!image_digest_valid(digest))
        return false;
    snprintf(p, sizeof p, "blobs/sha256/%s", HEX(digest));
    return faccessat(s->dirfd, p, F_OK, 0) == 0;
}

/* Rename a finished tmp file into the blob store (fsync'ed: this is the
 * persistent store). */
static int commit_blob(struct image_store *s, const char *tmp, int fd, const char *digest,
                       sk_error *err)
{
    char dst[128];
    if (fd >= 0 && fsync(fd) < 0)
        return sk_err(err, errno, "blob %s", digest);
    snprintf(dst, sizeof dst, "blobs/sha256/%s", HEX(digest));
    if (renameat(s->dirfd, tmp, s->dirfd, dst) < 0) {
        int e = errno;
        unlinkat(s->dirfd, tmp, 0);
        return sk_err(err, e, "blob %s", digest);
    }
    return 0;
}

int store_put_blob(struct image_store *s, const void *data, size_t len, const char *expect,
                   char out[72], sk_error *err)
{
    char d[72];
    if (sk_digest_init(err) < 0)
        return -1;
    sk_sha256_digest(data, len, d);
    if (expect != NULL && strcmp(expect, d) != 0)
        return sk_err(err, 0, "digest mismatch: expected %s, got %s", expect, d);
    if (out != NULL)
        memcpy(out, d, sizeof d);
    if (store_has_blob(s, d))
        return 0;
    char tmp[128];
    tmp_name(tmp, sizeof tmp, "blob");
    _cleanup_close_ int fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sk_err(err, errno, "blob");
    if (sk_write_all(fd, data, len) < 0) {
        int e = errno;
        unlinkat(s->dirfd, tmp, 0);
        return sk_err(err, e, "write blob");
    }
    return commit_blob(s, tmp, fd, d, err);
}

int store_open_blob(struct image_store *s, const char *digest, sk_error *err)
{
    char p[128];
    if (!image_digest_valid(digest))
        return sk_err(err, 0, "\"%s\" is not a sha256 digest", digest);
    snprintf(p, sizeof p, "blobs/sha256/%s", HEX(digest));
    int fd = openat(s->dirfd, p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sk_err(err, errno, "blob %s", digest);
    return fd;
}

int store_get_blob(struct image_store *s, const char *digest, size_t max, char **data, size_t *len,
                   sk_error *err)
{
    char p[128];
    if (!image_digest_valid(digest))
        return sk_err(err, 0, "\"%s\" is not a sha256 digest", digest);
    snprintf(p, sizeof p, "blobs/sha256/%s", HEX(digest));
    if (sk_digest_init(err) < 0 || sk_read_file_at(s->dirfd, p, max, data, len, err) < 0)
        return -1;
    char d[72];
    sk_sha256_digest(*data, *len, d);
    if (strcmp(d, digest) != 0) {
        free(*data);
        *data = NULL;
        return sk_err(err, 0, "blob %s is corrupt (its content hashes to %s)", digest, d);
    }
    return 0;
}

/* ---- layers ----------------------------------------------------------- */

bool store_has_layer(struct image_store *s, const char *diff_id)
{
    char p[128];
    if (!image_digest_valid(diff_id))
        return false;
    snprintf(p, sizeof p, "layers/%s/meta.json", HEX(diff_id));
    return faccessat(s->dirfd, p, F_OK, 0) == 0;
}

void store_layer_diff_path(struct image_store *s, const char *diff_id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/layers/%s/diff", s->dir, HEX(diff_id));
}

int store_layer_meta(struct image_store *s, const char *diff_id, json_t **out, sk_error *err)
{
    char p[128];
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (!image_digest_valid(diff_id))
        return sk_err(err, 0, "\"%s\" is not a sha256 digest", diff_id);
    snprintf(p, sizeof p, "layers/%s/meta.json", HEX(diff_id));
    if (sk_read_file_at(s->dirfd, p, 1 << 16, &buf, &len, err) < 0)
        return sk_err_prefix(err, "layer %s", diff_id);
    *out = sk_json_parse(buf, len, "layer meta.json", err);
    return *out ? 0 : -1;
}

/* Reads from an inner source and copies every byte to fd (the blob). */
struct tee {
    const struct byte_source *src;
    int fd;
};

static ssize_t tee_read(void *ctx, void *buf, size_t n, sk_error *err)
{
    struct tee *t = ctx;
    ssize_t r = t->src->read(t->src->ctx, buf, n, err);
    if (r > 0 && sk_write_all(t->fd, buf, (size_t)r) < 0)
        return sk_err(err, errno, "write layer blob");
    return r;
}

static int layer_lock(struct image_store *s, const char *key, sk_error *err)
{
    char p[128];
    snprintf(p, sizeof p, "locks/%s", HEX(key));
    int fd = openat(s->dirfd, p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return sk_err(err, errno, "layer lock");
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            close(fd);
            return sk_err(err, errno, "layer lock");
        }
    return fd;
}

static int fill_from_meta(struct image_store *s, const char *diff_id, struct layer_result *res,
                          sk_error *err)
{
    _cleanup_json_ json_t *m = NULL;
    const char *d = NULL;
    if (store_layer_meta(s, diff_id, &m, err) < 0)
        return -1;
    memset(res, 0, sizeof *res);
    snprintf(res->diff_id, sizeof res->diff_id, "%s", diff_id);
    if (sk_json_string(m, "digest", "", &d, NULL) > 0)
        snprintf(res->digest, sizeof res->digest, "%s", d);
    sk_json_u64(m, "size", "", &res->size, NULL);
    sk_json_u64(m, "unpacked", "", &res->unpacked, NULL);
    sk_json_u64(m, "tar_size", "", &res->tar_size, NULL);
    return 0;
}

static int write_meta(int dirfd, const struct layer_result *res, sk_error *err)
{
    json_t *m = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i}", "diff_id", res->diff_id, "digest",
                          res->digest, "size", (json_int_t)res->size, "unpacked",
                          (json_int_t)res->unpacked, "tar_size", (json_int_t)res->tar_size,
                          "compression", (int)res->compression);
    _cleanup_free_ char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    if (text == NULL)
        return sk_err(err, ENOMEM, "layer");
    _cleanup_close_ int fd = openat(dirfd, "meta.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t l = strlen(text);
    if (fd < 0 || write(fd, text, l) != (ssize_t)l)
        return sk_err(err, errno, "layer meta.json");
    return 0;
}

int store_lock_layer(struct image_store *s, const char *key, sk_error *err)
{
    if (!image_digest_valid(key))
        return sk_err(err, 0, "\"%s\" is not a sha256 digest", key);
    return layer_lock(s, key, err);
}

int store_add_layer(struct image_store *s, const struct byte_source *src, const char *expect_digest,
                    const char *expect_diff_id, struct layer_result *res, sk_error *err)
{
    const char *key = expect_diff_id ? expect_diff_id : expect_digest;
    _cleanup_close_ int lock = -1;
    if (key != NULL && (lock = store_lock_layer(s, key, err)) < 0)
        return -1;
    return store_add_layer_locked(s, src, expect_digest, expect_diff_id, res, err);
}

int store_add_layer_locked(struct image_store *s, const struct byte_source *src,
                           const char *expect_digest, const char *expect_diff_id,
                           struct layer_result *res, sk_error *err)
{
    if (expect_diff_id != NULL && store_has_layer(s, expect_diff_id))
        return fill_from_meta(s, expect_diff_id, res, err);
    if (src == NULL)
        return sk_err(err, ENOENT, "layer %s", expect_diff_id ? expect_diff_id : "(none)");
    char tdir[128], tblob[128];
    tmp_name(tdir, sizeof tdir, "layer");
    tmp_name(tblob, sizeof tblob, "blob");
    if (mkdirat(s->dirfd, tdir, 0700) < 0)
        return sk_err(err, errno, "layer: mkdir");
    char diff[160];
    snprintf(diff, sizeof diff, "%s/diff", tdir);
    int ret = -1;
    _cleanup_close_ int bfd = openat(s->dirfd, tblob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    _cleanup_close_ int dfd = -1, tfd = -1;
    if (bfd < 0 || mkdirat(s->dirfd, diff, 0755) < 0 ||
        (dfd = openat(s->dirfd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (tfd = openat(s->dirfd, tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        sk_err(err, errno, "layer: prepare");
        goto out;
    }
    struct tee t = {src, bfd};
    struct byte_source ts = {tee_read, &t};
    if (layer_unpack(&ts, dfd, res, err) < 0) {
        if (expect_digest != NULL && res->digest[0] && strcmp(expect_digest, res->digest) != 0)
            sk_err(err, 0, "layer digest mismatch: expected %s, got %s", expect_digest, res->digest);
        goto out;
    }
    if (expect_digest != NULL && strcmp(expect_digest, res->digest) != 0) {
        sk_err(err, 0, "layer digest mismatch: expected %s, got %s", expect_digest, res->digest);
        goto out;
    }
    if (expect_diff_id != NULL && strcmp(expect_diff_id, res->diff_id) != 0) {
        sk_err(err, 0, "layer diff id mismatch: expected %s, got %s", expect_diff_id, res->diff_id);
        goto out;
    }
    if (write_meta(tfd, res, err) < 0)
        goto out;
    if (!store_has_blob(s, res->digest)) {
        if (commit_blob(s, tblob, bfd, res->digest, err) < 0)
            goto out;
    }
    char dst[128];
    snprintf(dst, sizeof dst, "layers/%s", HEX(res->diff_id));
    if (renameat(s->dirfd, tdir, s->dirfd, dst) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
        sk_err(err, errno, "layer: commit %s", res->diff_id);
        goto out;
    }
    ret = 0;
out:
    sk_rm_rf_at(s->dirfd, tdir, NULL);
    unlinkat(s->dirfd, tblob, 0);
    return ret;
}

/* ---- names ------------------------------------------------------------ */

static int load_repos(struct image_store *s, json_t **out, sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (sk_read_file_at(s->dirfd, "repositories.json", 16u << 20, &buf, &len, NULL) < 0) {
        if (errno != ENOENT)
            return sk_err(err, errno, "image store: repositories.json");
        *out = json_object();
        return 0;
    }
    *out = sk_json_parse(buf, len, "repositories.json", err);
    if (*out != NULL && !json_is_object(*out)) {
        json_decref(*out);
        return sk_err(err, 0, "image store: repositories.json is damaged");
    }
    return *out ? 0 : -1;
}

static int save_repos(struct image_store *s, json_t *repos, sk_error *err)
{
    _cleanup_free_ char *text = json_dumps(repos, JSON_COMPACT | JSON_SORT_KEYS);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/repositories.json", s->dir);
    if (text == NULL)
        return sk_err(err, ENOMEM, "repositories.json");
    return sk_write_atomic(path, text, strlen(text), 0600, SK_DURABLE, err);
}

int store_tag_many(struct image_store *s, const char *const *refs, size_t n, const char *id,
                   sk_error *err)
{
    json_t *repos = NULL;
    if (store_lock(s, err) < 0)
        return -1;
    int r = load_repos(s, &repos, err);
    bool changed = false;
    for (size_t i = 0; r == 0 && i < n; i++) {
        const char *cur = json_string_value(json_object_get(repos, refs[i]));
        if (cur != NULL && strcmp(cur, id) == 0)
            continue;
        json_object_set_new(repos, refs[i], json_string(id));
        changed = true;
    }
    if (r == 0 && changed)
        r = save_repos(s, repos, err);
    json_decref(repos);
    store_unlock(s);
    return r;
}

int store_tag(struct image_store *s, const char *ref, const char *id, sk_error *err)
{
    return store_tag_many(s, &ref, 1, id, err);
}

int store_untag(struct image_store *s, const char *ref, sk_error *err)
{
    json_t *repos = NULL;
    if (store_lock(s, err) < 0)
        return -1;
    int r = load_repos(s, &repos, err);
    if (r == 0 && json_object_get(repos, ref) != NULL) {
        json_object_del(repos, ref);
        r = save_repos(s, repos, err) < 0 ? -1 : 1;
    }
    json_decref(repos);
    store_unlock(s);
    return r;
}

json_t *store_names_of(struct image_store *s, const char *id, bool digests)
{
    json_t *repos = NULL, *out = json_array();
    if (load_repos(s, &repos, NULL) < 0)
        return out;
    const char *k;
    json_t *v;
    json_object_foreach(repos, k, v)
    {
        if (strcmp(json_string_value(v), id) != 0)
            continue;
        bool is_digest = strchr(k, '@') != NULL;
        if (is_digest == digests)
            json_array_append_new(out, json_string(k));
    }
    json_decref(repos);
    return out;
}

/* ---- image records ------------------------------------------------------ */

int store_put_image(struct image_store *s, json_t *rec, sk_error *err)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    if (!image_digest_valid(id))
        return sk_err(err, 0, "image record without a valid id");
    _cleanup_free_ char *text = json_dumps(rec, JSON_COMPACT);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/images/%s.json", s->dir, HEX(id));
    if (text == NULL)
        return sk_err(err, ENOMEM, "image record");
    _cleanup_free_ char *old = NULL;
    size_t len;
    if (sk_read_file(path, 16u << 20, &old, &len, NULL) == 0 && len == strlen(text) &&
        memcmp(old, text, len) == 0)
        return 0; /* pulled again: nothing changed */
    return sk_write_atomic(path, text, strlen(text), 0600, SK_DURABLE, err);
}

int store_get_image(struct image_store *s, const char *id, json_t **out, sk_error *err)
{
    char p[128];
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (!image_digest_valid(id))
        return sk_err(err, 0, "No such image: %s", id);
    snprintf(p, sizeof p, "images/%s.json", HEX(id));
    if (sk_read_file_at(s->dirfd, p, 16u << 20, &buf, &len, err) < 0)
        return errno == ENOENT ? sk_err(err, 0, "No such image: %s", id) : -1;
    *out = sk_json_parse(buf, len, "image record", err);
    return *out ? 0 : -1;
}

static int for_each_id(struct image_store *s, int (*fn)(const char *id, void *ud), void *ud)
{
    int fd = openat(s->dirfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l != 64 + 5 || strcmp(de->d_name + 64, ".json") != 0)
            continue;
        char id[72];
        snprintf(id, sizeof id, "sha256:%.64s", de->d_name);
        r = fn(id, ud);
    }
    closedir(d);
    return r;
}

struct list_ctx {
    struct image_store *s;
    json_t *out;
};

static int list_one(const char *id, void *ud)
{
    struct list_ctx *c = ud;
    json_t *rec;
    if (store_get_image(c->s, id, &rec, NULL) < 0)
        return 0;
    json_object_set_new(rec, "repo_tags", store_names_of(c->s, id, false));
    json_object_set_new(rec, "repo_digests", store_names_of(c->s, id, true));
    json_array_append_new(c->out, rec);
    return 0;
}

int store_list_images(struct image_store *s, json_t **out, sk_error *err)
{
    struct list_ctx c = {s, json_array()};
    if (for_each_id(s, list_one, &c) < 0) {
        json_decref(c.out);
        return sk_err(err, errno, "list images");
    }
    *out = c.out;
    return 0;
}

struct prefix_ctx {
    const char *prefix;
    char found[72];
    int matches;
};

static int match_prefix(const char *id, void *ud)
{
    struct prefix_ctx *c = ud;
    if (strncmp(HEX(id), c->prefix, strlen(c->prefix)) == 0) {
        snprintf(c->found, sizeof c->found, "%s", id);
        c->matches++;
    }
    return 0;
}

int store_resolve(struct image_store *s, const char *name, char id[72], sk_error *err)
{
    struct image_ref ref;
    if (image_ref_parse(name, &ref, NULL) == 0) {
        json_t *repos = NULL;
        char key[1024], repo[800];
        image_ref_repo(&ref, repo, sizeof repo);
        if (ref.digest[0])
            snprintf(key, sizeof key, "%s@%s", repo, ref.digest);
        else
            snprintf(key, sizeof key, "%s:%s", repo, ref.tag);
        if (load_repos(s, &repos, err) < 0)
            return -1;
        const char *v = json_string_value(json_object_get(repos, key));
        if (v != NULL) {
            snprintf(id, 72, "%s", v);
            json_decref(repos);
            return 0;
        }
        json_decref(repos);
    }
    const char *hex = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
    size_t hl = strlen(hex);
    bool is_hex = hl > 0 && hl <= 64 && strspn(hex, "0123456789abcdef") == hl;
    if (is_hex) {
        struct prefix_ctx c = {.prefix = hex};
        for_each_id(s, match_prefix, &c);
        if (c.matches == 1) {
            memcpy(id, c.found, 72);
            return 0;
        }
        if (c.matches > 1)
            return sk_err(err, 0, "short identifier \"%s\" matches more than one image", name);
    }
    return sk_err(err, 0, "No such image: %s", name);
}

int store_delete_image(struct image_store *s, const char *id, sk_error *err)
{
    char p[128];
    if (!image_digest_valid(id))
        return sk_err(err, 0, "No such image: %s", id);
    snprintf(p, sizeof p, "images/%s.json", HEX(id));
    if (unlinkat(s->dirfd, p, 0) < 0 && errno != ENOENT)
        return sk_err(err, errno, "delete image %s", id);
    return 0;
}

/* ---- garbage collection --------------------------------------------------- */

struct gc_ctx {
    struct image_store *s;
    json_t *keep; /* set of digests (object keys) */
};

static int mark(const char *id, void *ud)
{
    struct gc_ctx *c = ud;
    json_t *rec;
    if (store_get_image(c->s, id, &rec, NULL) < 0)
        return 0;
    json_object_set_new(c->keep, id, json_true());
    const char *m = json_string_value(json_object_get(rec, "manifest_digest"));
    if (m != NULL)
        json_object_set_new(c->keep, m, json_true());
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(rec, "layers"), i, l)
    {
        const char *d = json_string_value(json_object_get(l, "digest"));
        const char *df = json_string_value(json_object_get(l, "diff_id"));
        if (d)
            json_object_set_new(c->keep, d, json_true());
        if (df)
            json_object_set_new(c->keep, df, json_true());
    }
    json_decref(rec);
    return 0;
}

static uint64_t du(int at, const char *name)
{
    struct stat st;
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return (uint64_t)st.st_blocks * 512;
    uint64_t total = 0;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            total += du(dirfd(d), de->d_name);
    closedir(d);
    return total;
}

static void sweep(struct gc_ctx *c, const char *sub, uint64_t *freed)
{
    int fd = openat(c->s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strlen(de->d_name) != 64)
            continue;
        char digest[72];
        snprintf(digest, sizeof digest, "sha256:%s", de->d_name);
        if (json_object_get(c->keep, digest) != NULL)
            continue;
        if (freed != NULL)
            *freed += du(dirfd(d), de->d_name);
        sk_rm_rf_at(dirfd(d), de->d_name, NULL);
    }
    closedir(d);
}

void store_discard(struct image_store *s, json_t *digests)
{
    if (flock(s->gcfd, LOCK_EX | LOCK_NB) < 0)
        return; /* another pull, load or import is adding: it may use them */
    struct gc_ctx c = {s, json_object()};
    if (store_lock(s, NULL) == 0) {
        for_each_id(s, mark, &c);
        size_t i;
        json_t *d;
        json_array_foreach(digests, i, d)
        {
            const char *v = json_string_value(d);
            if (!image_digest_valid(v) || json_object_get(c.keep, v) != NULL)
                continue;
            char p[128];
            snprintf(p, sizeof p, "blobs/sha256/%s", HEX(v));
            unlinkat(s->dirfd, p, 0);
            snprintf(p, sizeof p, "layers/%s", HEX(v));
            sk_rm_rf_at(s->dirfd, p, NULL);
        }
        store_unlock(s);
    }
    flock(s->gcfd, LOCK_UN);
    json_decref(c.keep);
}

int store_gc(struct image_store *s, json_t *keep, uint64_t *freed, sk_error *err)
{
    struct gc_ctx c = {s, json_object()};
    if (freed != NULL)
        *freed = 0;
    /* wait for pulls, loads and imports still adding content */
    while (flock(s->gcfd, LOCK_EX) < 0)
        if (errno != EINTR) {
            json_decref(c.keep);
            return sk_err(err, errno, "image store");
        }
    if (store_lock(s, err) < 0) {
        flock(s->gcfd, LOCK_UN);
        json_decref(c.keep);
        return -1;
    }
    for_each_id(s, mark, &c);
    const char *kid;
    json_t *kv;
    json_object_foreach(keep, kid, kv) mark(kid, &c); /* images containers use */
    sweep(&c, "blobs/sha256", freed);
    sweep(&c, "layers", freed);
    store_unlock(s);
    flock(s->gcfd, LOCK_UN);
    json_decref(c.keep);
    return 0;
}

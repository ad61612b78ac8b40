/* volume.c - named volumes (the "local" driver): a directory per volume
 * under <root>/volumes/<name>/_data with its record in meta.json, filled
 * from the image the first time a container mounts it empty, as docker does. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

static void vol_dir(struct sk_engine *e, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/volumes/%s", e->root, name);
}

static int vol_lock(struct sk_engine *e, sk_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/volumes", e->root);
    if (sk_mkdir_p(path, 0700, err) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/volumes/lock", e->root);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        int e2 = errno;
        if (fd >= 0)
            close(fd);
        return sk_err(err, e2, "volumes lock");
    }
    return fd;
}

static int load_meta(struct sk_engine *e, const char *name, json_t **out, sk_error *err)
{
    char path[PATH_MAX + 16];
    vol_dir(e, name, path, sizeof path);
    strcat(path, "/meta.json");
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (!ctr_valid_name(name) || sk_read_file(path, 1 << 20, &buf, &len, NULL) < 0)
        return sk_err(err, 0, "get %s: no such volume", name);
    *out = sk_json_parse(buf, len, path, err);
    return *out ? 0 : -1;
}

static int save_meta(struct sk_engine *e, json_t *meta, sk_error *err)
{
    char path[PATH_MAX + 16];
    vol_dir(e, json_string_value(json_object_get(meta, "Name")), path, sizeof path);
    strcat(path, "/meta.json");
    _cleanup_free_ char *text = json_dumps(meta, JSON_COMPACT);
    if (text == NULL)
        return sk_err(err, ENOMEM, "volume");
    return sk_write_atomic(path, text, strlen(text), 0600, SK_DURABLE, err);
}

/* docker's volume object from a record (taken over): the bookkeeping goes. */
static int hand_out(json_t *meta, json_t **out)
{
    json_object_del(meta, "Anonymous");
    json_object_del(meta, "Populated");
    if (out != NULL)
        *out = meta;
    else
        json_decref(meta);
    return 0;
}

int sk_volume_create(struct sk_engine *e, const char *name, json_t *labels, json_t *opts,
                     bool anonymous, json_t **out, sk_error *err)
{
    char gen[SK_ID_LEN + 1];
    if (name == NULL || *name == '\0') {
        if (sk_random_hex(gen, 32) < 0)
            return sk_err(err, errno, "getrandom");
        name = gen;
    }
    if (!ctr_valid_name(name))
        return sk_err(err, 0, "create %s: \"%s\" includes invalid characters for a local volume name, "
                              "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                      name, name);
    if (vol_check_opts(name, opts, err) < 0)
        return -1;
    _cleanup_close_ int lock = vol_lock(e, err);
    if (lock < 0)
        return -1;
    json_t *meta = NULL;
    if (load_meta(e, name, &meta, NULL) == 0) /* docker: creating an existing volume returns it */
        return hand_out(meta, out);
    char dir[PATH_MAX], data[PATH_MAX + 8], now[40];
    vol_dir(e, name, dir, sizeof dir);
    snprintf(data, sizeof data, "%s/_data", dir);
    if (sk_mkdir_p(dir, 0700, err) < 0 || sk_mkdir_p(data, 0755, err) < 0)
        return -1;
    sk_now(now, sizeof now);
    meta = json_pack("{s:s, s:s, s:s, s:s, s:{}, s:s, s:b, s:b}", "Name", name, "Driver", "local",
                     "Mountpoint", data, "CreatedAt", now, "Options", "Scope", "local", "Anonymous",
                     anonymous, "Populated", 0);
    if (meta != NULL) {
        json_object_set_new(meta, "Labels", json_is_object(labels) ? json_deep_copy(labels) : json_object());
        if (json_object_size(opts) > 0)
            json_object_set_new(meta, "Options", json_deep_copy(opts));
    }
    if (meta == NULL || save_meta(e, meta, err) < 0) {
        json_decref(meta);
        sk_rm_rf(dir, NULL);
        return -1;
    }
    sk_event(e, "volume", "create", name, json_pack("{s:s}", "driver", "local"));
    return hand_out(meta, out);
}

int sk_volume_inspect(struct sk_engine *e, const char *name, json_t **out, sk_error *err)
{
    json_t *meta;
    if (load_meta(e, name, &meta, err) < 0)
        return -1;
    return hand_out(meta, out);
}

/* Which containers mount it (names, as an array). */
static json_t *users(struct sk_engine *e, const char *name)
{
    json_t *u = json_array();
    _cleanup_json_ json_t *ids = NULL;
    if (ctr_ids(e, &ids, NULL) < 0)
        return u;
    size_t i, k;
    json_t *v, *m;
    json_array_foreach(ids, i, v)
    {
        struct ctr *c;
        if (ctr_load(e, json_string_value(v), &c, NULL) < 0)
            continue;
        json_array_foreach(json_object_get(c->cfg, "MountPoints"), k, m)
        if (sk_streq(json_string_value(json_object_get(m, "Type")), "volume") &&
            sk_streq(json_string_value(json_object_get(m, "Name")), name))
            json_array_append(u, json_object_get(c->cfg, "Id"));
        ctr_free(c);
    }
    return u;
}

int sk_volume_list(struct sk_engine *e, json_t **out, sk_error *err)
{
    (void)err;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/volumes", e->root);
    *out = json_array();
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        json_t *meta;
        if (de->d_name[0] == '.' || strcmp(de->d_name, "lock") == 0 ||
            sk_volume_inspect(e, de->d_name, &meta, NULL) < 0)
            continue;
        json_t *u = users(e, de->d_name);
        json_object_set_new(meta, "InUse", json_boolean(json_array_size(u) > 0));
        json_decref(u);
        json_array_append_new(*out, meta);
    }
    closedir(d);
    return 0;
}

int sk_volume_remove(struct sk_engine *e, const char *name, bool force, sk_error *err)
{
    _cleanup_close_ int lock = vol_lock(e, err);
    if (lock < 0)
        return -1;
    json_t *meta;
    if (load_meta(e, name, &meta, err) < 0)
        return force ? 0 : -1;
    json_decref(meta);
    _cleanup_json_ json_t *u = users(e, name);
    if (json_array_size(u) > 0)
        return sk_err(err, 0, "remove %s: volume is in use - [%s]", name,
                      json_string_value(json_array_get(u, 0)));
    char dir[PATH_MAX], data[PATH_MAX + 8];
    vol_dir(e, name, dir, sizeof dir);
    snprintf(data, sizeof data, "%s/_data", dir);
    /* a device mounted there goes first: never into a host directory */
    if (vol_unmount(data, err) < 0 || vol_is_mounted(data))
        return sk_err_prefix(err, "remove %s", name);
    if (sk_rm_rf(dir, err) < 0)
        return -1;
    sk_event(e, "volume", "destroy", name, json_pack("{s:s}", "driver", "local"));
    return 0;
}

/* ---- filters and prune ---------------------------------------------------------------- */

struct vol_match {
    json_t *vol;
    const char *bad;
};

static bool vol_test(void *ud, const char *kind, const char *s)
{
    struct vol_match *m = ud;
    json_t *v = m->vol;
    if (!strcmp(kind, "name"))
        return strstr(json_string_value(json_object_get(v, "Name")), s) != NULL;
    if (!strcmp(kind, "dangling"))
        return json_is_true(json_object_get(v, "InUse")) == !(strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
    if (!strcmp(kind, "driver"))
        return strcmp(s, "local") == 0;
    if (!strcmp(kind, "label"))
        return sk_json_label_match(json_object_get(v, "Labels"), s);
    m->bad = kind;
    return false;
}

const char *const sk_volume_filter_kinds[] = {"name", "dangling", "label", "driver", NULL};

bool sk_volume_matches(json_t *vol, json_t *filters, const char **bad_kind)
{
    struct vol_match m = {vol, NULL};
    bool ok = sk_filters_match(filters, vol_test, &m);
    if (bad_kind != NULL)
        *bad_kind = m.bad;
    return ok && m.bad == NULL;
}

/* docker 23+: an anonymous volume is one made without a name (64 hex digits). */
static bool anonymous(json_t *meta)
{
    const char *name = json_string_value(json_object_get(meta, "Name"));
    return json_is_true(json_object_get(meta, "Anonymous")) ||
           (strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64);
}

int sk_volume_prune(struct sk_engine *e, bool all, json_t *filters, json_t **removed,
                    uint64_t *freed, sk_error *err)
{
    *removed = json_array();
    *freed = 0;
    _cleanup_json_ json_t *vols = NULL;
    if (prune_filters_check(filters, false, err) < 0 || sk_volume_list(e, &vols, err) < 0)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "Name"));
        json_t *meta = NULL;
        if (json_is_true(json_object_get(v, "InUse")) || load_meta(e, name, &meta, NULL) < 0)
            continue;
        bool keep = !all && !anonymous(meta);
        json_decref(meta);
        if (keep || prune_keeps(filters, json_object_get(v, "Labels"), 0))
            continue;
        uint64_t size = sk_tree_size(json_string_value(json_object_get(v, "Mountpoint")));
        if (sk_volume_remove(e, name, false, NULL) == 0) {
            json_array_append_new(*removed, json_string(name));
            *freed += size;
        }
    }
    return 0;
}

/* ---- for containers ------------------------------------------------------------------ */

int ctr_volume_mount(struct sk_engine *e, json_t *list, const char *name, const char *target,
                     bool ro, bool anonymous, sk_error *err)
{
    _cleanup_json_ json_t *meta = NULL;
    if (sk_volume_create(e, name, NULL, NULL, anonymous, &meta, err) < 0)
        return -1;
    json_array_append_new(list, json_pack("{s:s, s:O, s:O, s:s, s:b}", "Type", "volume", "Name",
                                          json_object_get(meta, "Name"), "Source",
                                          json_object_get(meta, "Mountpoint"), "Target", target,
                                          "ReadOnly", ro));
    return 0;
}

int ctr_populate_volumes(struct sk_engine *e, struct ctr *c, const char *rootfs, sk_error *err)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(c->cfg, "MountPoints"), i, m)
    {
        if (!sk_streq(json_string_value(json_object_get(m, "Type")), "volume"))
            continue;
        const char *name = json_string_value(json_object_get(m, "Name"));
        _cleanup_close_ int lock = vol_lock(e, err);
        _cleanup_json_ json_t *meta = NULL;
        if (lock < 0 || load_meta(e, name, &meta, err) < 0 || vol_mount(meta, err) < 0)
            return -1;
        if (json_is_true(json_object_get(meta, "Populated")))
            continue;
        const char *data = json_string_value(json_object_get(meta, "Mountpoint"));
        DIR *d = opendir(data);
        bool empty = true;
        struct dirent *de;
        while (d && empty && (de = readdir(d)) != NULL)
            empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
        if (d)
            closedir(d);
        /* what the image has at the mount point, into a volume nobody filled */
        _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int src = rootfd >= 0 ? sk_open_in_root(rootfd, json_string_value(json_object_get(m, "Target")),
                                                                O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, NULL)
                                              : -1;
        _cleanup_close_ int dst = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (empty && src >= 0 && dst >= 0 && ctr_copy_tree_contents(src, dst, err) < 0)
            return sk_err_prefix(err, "volume %s", name);
        json_object_set_new(meta, "Populated", json_true());
        if (save_meta(e, meta, err) < 0)
            return -1;
    }
    return 0;
}

void ctr_remove_anonymous_volumes(struct sk_engine *e, json_t *mounts)
{
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m)
    {
        const char *name = json_string_value(json_object_get(m, "Name"));
        json_t *meta;
        if (name == NULL || load_meta(e, name, &meta, NULL) < 0)
            continue;
        bool anon = json_is_true(json_object_get(meta, "Anonymous"));
        json_decref(meta);
        if (anon)
            sk_volume_remove(e, name, false, NULL);
    }
}

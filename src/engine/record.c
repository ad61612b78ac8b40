/* record.c - container records on disk: load, save, names, ids. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

void ctr_paths(struct sk_engine *e, const char *id, struct ctr *c)
{
    snprintf(c->id, sizeof c->id, "%s", id);
    snprintf(c->dir, sizeof c->dir, "%s/containers/%s", e->root, id);
    snprintf(c->rundir, sizeof c->rundir, "%s/containers/%s", e->runroot, id);
    /* a unix socket path has 108 bytes: "<runroot>/s/<32 hex>.a" leaves room */
    snprintf(c->sockbase, sizeof c->sockbase, "%s/s/%.32s", e->runroot, id);
}

static bool is_id(const char *s)
{
    if (strlen(s) != SK_ID_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
            return false;
    return true;
}

static int read_json(const char *dir, const char *name, json_t **out, sk_error *err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (sk_read_file(path, 16u << 20, &buf, &len, err) < 0)
        return -1;
    *out = sk_json_parse(buf, len, path, err);
    if (*out != NULL && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return sk_err(err, 0, "%s: not a JSON object", path);
    }
    return *out ? 0 : -1;
}

int ctr_load(struct sk_engine *e, const char *id, struct ctr **out, sk_error *err)
{
    if (!is_id(id))
        return sk_err(err, 0, "No such container: %s", id);
    struct ctr *c = calloc(1, sizeof *c);
    if (c == NULL)
        return sk_err(err, ENOMEM, "container");
    ctr_paths(e, id, c);
    if (read_json(c->dir, "config.json", &c->cfg, err) < 0) {
        bool gone = errno == ENOENT;
        ctr_free(c);
        return gone ? sk_err(err, 0, "No such container: %s", id) : -1;
    }
    if (read_json(c->dir, "state.json", &c->state, NULL) < 0)
        c->state = json_pack("{s:s}", "Status", "created");
    *out = c;
    return 0;
}

void ctr_free(struct ctr *c)
{
    if (c == NULL)
        return;
    json_decref(c->cfg);
    json_decref(c->state);
    free(c);
}

static int save(struct ctr *c, const char *name, json_t *doc, int flags, sk_error *err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return sk_err(err, ENOMEM, "container %s", name);
    return sk_write_atomic(path, text, strlen(text), 0600, flags, err);
}

/* The record is durable: a container exists or not, whatever happens;
 * except one removed when it ends (--rm), which has nothing to come back
 * to after a crash (and saves its run two fsyncs). */
int ctr_save_config(struct ctr *c, sk_error *err)
{
    bool rm = json_is_true(json_object_get(json_object_get(c->cfg, "HostConfig"), "AutoRemove"));
    return save(c, "config.json", c->cfg, rm ? 0 : SK_DURABLE, err);
}

/* The state is atomic but not flushed: it changes several times in every
 * container's life, and what it says about processes is checked against
 * the processes (ctr_reconcile) - after a power loss, when none is left, an
 * older state.json is as good as a newer one. */
int ctr_save_state(struct ctr *c, sk_error *err)
{
    return save(c, "state.json", c->state, 0, err);
}

int ctr_reload_state(struct ctr *c, sk_error *err)
{
    json_t *st = NULL;
    if (read_json(c->dir, "state.json", &st, err) < 0)
        return -1;
    json_decref(c->state);
    c->state = st;
    return 0;
}

/* The record first: a removal killed half-way leaves litter, never a
 * container missing half its files (ctr_ids sweeps the litter). Commands
 * running at the same time (a reconcile, a health result, the monitor's
 * last word) may create a file in the directory while it is walked - the
 * lock, a state.json.tmp - and find it gone on their next try: a walk that
 * meets a directory not empty goes again. */
int ctr_remove_files(struct ctr *c, sk_error *err)
{
    char cfg[PATH_MAX + 16];
    snprintf(cfg, sizeof cfg, "%s/config.json", c->dir);
    if (unlink(cfg) < 0 && errno != ENOENT)
        return sk_err(err, errno, "remove %s", cfg);
    const char *dirs[] = {c->rundir, c->dir};
    for (size_t i = 0; i < 2; i++) {
        sk_error e;
        int r, tries = 0;
        while ((r = sk_rm_rf(dirs[i], &e)) < 0 && e.errnum == ENOTEMPTY && ++tries < 20)
            usleep(5000);
        if (r < 0) {
            if (err != NULL)
                *err = e;
            return -1;
        }
    }
    return 0;
}

static int lock_path(const char *path, sk_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return sk_err(err, errno, "lock %s", path);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return sk_err(err, e, "lock %s", path);
        }
    return fd;
}

int ctr_lock(struct ctr *c, sk_error *err)
{
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/lock", c->dir);
    return lock_path(path, err);
}

int ctr_lock_all(struct sk_engine *e, sk_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/containers/lock", e->root);
    return lock_path(path, err);
}

int ctr_ids(struct sk_engine *e, json_t **out, sk_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/containers", e->root);
    *out = json_array();
    DIR *d = opendir(path);
    if (d == NULL)
        return errno == ENOENT ? 0 : sk_err(err, errno, "%s", path);
    struct dirent *de;
    time_t now = time(NULL);
    while ((de = readdir(d)) != NULL) {
        if (!is_id(de->d_name))
            continue;
        char cfg[PATH_MAX + 80];
        snprintf(cfg, sizeof cfg, "%s/%s/config.json", path, de->d_name);
        if (access(cfg, F_OK) == 0) {
            json_array_append_new(*out, json_string(de->d_name));
            continue;
        }
        /* no record: a create still writing it, or what a create or rm
         * killed half-way left; a minute old, it is litter */
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && now - st.st_mtime > 60) {
            if (sk_valid_id(de->d_name))
                net_forget(ctr_netctx(e), de->d_name); /* its leases and namespace too */
            sk_rm_rf_at(dirfd(d), de->d_name, NULL);
        }
    }
    closedir(d);
    return 0;
}

bool ctr_valid_name(const char *name)
{
    /* docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/' is dropped first) */
    size_t n = strlen(name);
    if (n < 2 || n > 253 || !isalnum((unsigned char)name[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return false;
    return true;
}

int ctr_name_taken(struct sk_engine *e, const char *name, char id[SK_ID_LEN + 1])
{
    _cleanup_json_ json_t *ids = NULL;
    if (ctr_ids(e, &ids, NULL) < 0)
        return 0;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        struct ctr *c;
        if (ctr_load(e, json_string_value(v), &c, NULL) < 0)
            continue;
        const char *n = json_string_value(json_object_get(c->cfg, "Name"));
        bool same = n != NULL && strcmp(n + (n[0] == '/'), name) == 0;
        if (same && id != NULL)
            snprintf(id, SK_ID_LEN + 1, "%s", c->id);
        ctr_free(c);
        if (same)
            return 1;
    }
    return 0;
}

/* Made-up names: an adjective and a pioneer of computing, as docker does. */
static const char *const adjectives[] = {
    "agile",   "bold",    "brave",   "bright",  "calm",    "clever",  "cool",    "curious",
    "daring",  "eager",   "gentle",  "happy",   "jolly",   "keen",    "kind",    "lucid",
    "merry",   "modest",  "nimble",  "patient", "quiet",   "quick",   "serene",  "sharp",
    "steady",  "swift",   "tender",  "upbeat",  "vivid",   "wise",    "witty",   "zealous",
};
static const char *const surnames[] = {
    "allen",   "babbage", "backus",  "bartik",  "cerf",    "conway",  "dijkstra", "engelbart",
    "floyd",   "goldberg", "hamilton", "hopper", "kahn",    "kay",     "knuth",   "lamport",
    "liskov",  "lovelace", "mccarthy", "minsky", "naur",    "perlman", "ritchie", "shannon",
    "sutherland", "tarjan", "thompson", "torvalds", "turing", "wirth",  "wozniak", "zuse",
};

void ctr_random_name(char *buf, size_t cap)
{
    unsigned r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (unsigned)getpid() ^ (unsigned)time(NULL);
    snprintf(buf, cap, "%s_%s", adjectives[r % 32], surnames[(r / 32) % 32]);
}

int sk_container_resolve(struct sk_engine *e, const char *ref, char id[SK_ID_LEN + 1],
                         sk_error *err)
{
    const char *name = ref[0] == '/' ? ref + 1 : ref;
    if (*name == '\0')
        return sk_err(err, 0, "No such container: %s", ref);
    if (is_id(name)) {
        char cfg[PATH_MAX];
        snprintf(cfg, sizeof cfg, "%s/containers/%s/config.json", e->root, name);
        if (access(cfg, F_OK) == 0) {
            snprintf(id, SK_ID_LEN + 1, "%s", name);
            return 0;
        }
    }
    if (ctr_name_taken(e, name, id))
        return 0;
    /* a unique id prefix */
    _cleanup_json_ json_t *ids = NULL;
    if (ctr_ids(e, &ids, err) < 0)
        return -1;
    size_t n = strlen(name), found = 0, i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        const char *s = json_string_value(v);
        if (strncmp(s, name, n) == 0) {
            if (found++ == 0)
                snprintf(id, SK_ID_LEN + 1, "%s", s);
        }
    }
    if (found == 1)
        return 0;
    if (found > 1)
        return sk_err(err, 0, "multiple IDs found with provided prefix: %s", ref);
    return sk_err(err, 0, "No such container: %s", ref);
}

int ctr_find(struct sk_engine *e, const char *ref, struct ctr **out, sk_error *err)
{
    char id[SK_ID_LEN + 1];
    if (sk_container_resolve(e, ref, id, err) < 0)
        return -1;
    return ctr_load(e, id, out, err);
}

/* registry.c - pulling an image: manifests, config and layers. */
#define _GNU_SOURCE
#include "image/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/regclient.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#define ACCEPT_MANIFESTS                                                                           \
    "Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST
#define SMALL_MAX (8u << 20) /* manifests and configs */
#define RETRIES 5

struct puller {
    struct regclient c;
    struct image_ref ref;
    struct image_store *s;
    const struct pull_opts *o;
    pthread_mutex_t plock; /* serializes progress callbacks */
    json_t *created;       /* layers (diff ids and blob digests) this pull made */
};

static void emit(struct puller *p, const struct pull_event *ev)
{
    if (p->o->progress == NULL)
        return;
    pthread_mutex_lock(&p->plock);
    p->o->progress(p->o->ud, ev);
    pthread_mutex_unlock(&p->plock);
}

static int status_error(struct puller *p, const struct regresp *r, const char *what,
                        const char *which, sk_error *err)
{
    char name[1200], msg[256];
    image_ref_familiar(&p->ref, name, sizeof name);
    regresp_message(r, msg, sizeof msg);
    if (r->status == 401 || r->status == 403)
        return sk_err(err, 0,
                      "pull access denied for %s, repository does not exist or may require "
                      "'skiff login': %s",
                      name, msg[0] ? msg : "unauthorized");
    if (r->status == 404 && strcmp(what, "manifest") == 0)
        return sk_err(err, 0, "manifest for %s not found: %s", name, msg[0] ? msg : "manifest unknown");
    if (r->status == 404)
        return sk_err(err, 0, "%s %s of %s not found: %s", what, which, name,
                      msg[0] ? msg : "blob unknown");
    return sk_err(err, 0, "%s %s of %s: the registry answered HTTP %ld%s%s", what, which, name,
                  r->status, msg[0] ? ": " : "", msg);
}

static bool retryable(const struct regresp *r)
{
    return r->status == 408 || r->status == 429 || r->status >= 500;
}

static void backoff(int attempt)
{
    if (attempt > 0)
        usleep(100000u << attempt); /* 0.2 s, 0.4 s, ... */
}

static int auth_error(struct puller *p, sk_error *err)
{
    char name[1200];
    image_ref_familiar(&p->ref, name, sizeof name);
    return sk_err_prefix(err, "pull access denied for %s, repository does not exist or may require "
                              "'skiff login'",
                         name);
}

/* A whole small document (a manifest or a config), verified when its digest
 * is known; retried when the connection breaks or the registry is busy. */
static int get_small(struct puller *p, const char *what, const char *ref, const char *want,
                     char **body, size_t *len, char *media_type, size_t mcap, char digest[72],
                     sk_error *err)
{
    char path[1024];
    bool manifest = strcmp(what, "manifest") == 0;
    snprintf(path, sizeof path, "%s/%s/%s", p->c.repo, manifest ? "manifests" : "blobs", ref);
    struct regresp r = {.fd = -1, .max = SMALL_MAX};
    int rc = -1;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        backoff(attempt);
        rc = regclient_get(&p->c, path, manifest ? ACCEPT_MANIFESTS : NULL, &r, err);
        if (rc < 0 && r.auth_failed) {
            rc = auth_error(p, err);
            break;
        }
        if (rc < 0) /* the connection broke: again */
            continue;
        if (r.status == 200)
            break;
        rc = status_error(p, &r, what, ref, err);
        if (!retryable(&r))
            break;
    }
    if (rc < 0) {
        sb_free(&r.body);
        return -1;
    }
    *len = r.body.len;
    *body = sb_take(&r.body);
    if (*body == NULL)
        return sk_err(err, ENOMEM, "%s", what);
    sk_sha256_digest(*body, *len, digest);
    if (want != NULL && strcmp(want, digest) != 0) {
        free(*body);
        *body = NULL;
        return sk_err(err, 0, "%s %s: digest mismatch: the registry sent content hashing to %s",
                      what, want, digest);
    }
    if (media_type != NULL)
        snprintf(media_type, mcap, "%s", r.content_type);
    return 0;
}

/* ---- layers ----------------------------------------------------------------------- */

struct layer_job {
    struct puller *p;
    int index;
    const struct descriptor *desc;
    const char *diff_id;
    bool skip; /* present already */
    struct layer_result res;
    sk_error err;
    int rc;
    bool created; /* by this pull */
    /* the download side */
    int wfd;
    uint64_t done;
    sk_error dl_err;
    int dl_rc;
};

static void on_tick(void *ud, uint64_t n)
{
    struct layer_job *j = ud;
    j->done += n;
    struct pull_event ev = {.kind = PULL_LAYER_PROGRESS, .layer = j->index,
                            .digest = j->desc->digest, .done = j->done,
                            .total = (uint64_t)(j->desc->size > 0 ? j->desc->size : 0)};
    emit(j->p, &ev);
}

/* Download a blob into the pipe, resuming with a Range request when the
 * connection breaks. */
static void *download(void *arg)
{
    struct layer_job *j = arg;
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE); /* a reader that gave up is an EPIPE, not a signal */
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    char path[1024];
    snprintf(path, sizeof path, "%s/blobs/%s", j->p->c.repo, j->desc->digest);
    struct regresp r = {.fd = j->wfd, .tick = on_tick, .tick_ud = j};
    j->dl_rc = -1;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        backoff(attempt);
        r.range_from = r.written;
        int rc = regclient_get(&j->p->c, path, NULL, &r, &j->dl_err);
        if (rc == 0 && (r.status == 200 || r.status == 206)) {
            j->dl_rc = 0;
            break;
        }
        if (r.write_failed)
            break;
        if (rc < 0 && r.auth_failed) {
            auth_error(j->p, &j->dl_err);
            break;
        }
        if (rc == 0) {
            status_error(j->p, &r, "blob", j->desc->digest, &j->dl_err);
            if (!retryable(&r))
                break;
        }
    }
    sb_free(&r.body);
    close(j->wfd);
    return NULL;
}

/* One layer: a download thread feeds the store's one-pass unpacker.  The
 * layer's lock is held from before the download starts, so that concurrent
 * pulls sharing a layer fetch it once: the later ones find it made. */
static void pull_layer(struct layer_job *j)
{
    _cleanup_close_ int lock = store_lock_layer(j->p->s, j->diff_id, &j->err);
    if (lock < 0) {
        j->rc = -1;
        return;
    }
    if (store_has_layer(j->p->s, j->diff_id)) {
        j->rc = store_add_layer_locked(j->p->s, NULL, NULL, j->diff_id, &j->res, &j->err);
        struct pull_event ev = {.kind = PULL_LAYER_EXISTS, .layer = j->index,
                                .digest = j->desc->digest};
        emit(j->p, &ev);
        return;
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        j->rc = sk_err(&j->err, errno, "pipe");
        return;
    }
    fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20); /* best effort: fewer wakeups */
    j->wfd = pfd[1];
    pthread_t t;
    if (pthread_create(&t, NULL, download, j) != 0) {
        close(pfd[0]);
        close(pfd[1]);
        j->rc = sk_err(&j->err, EAGAIN, "cannot start a download thread");
        return;
    }
    struct fd_source fs = {pfd[0]};
    struct byte_source src = {fd_source_read, &fs};
    j->rc = store_add_layer_locked(j->p->s, &src, j->desc->digest, j->diff_id, &j->res, &j->err);
    close(pfd[0]); /* a download still going fails its next write and stops */
    pthread_join(t, NULL);
    /* the unpacker verified every byte: a late download error does not matter then;
     * otherwise the download's error is the cause */
    if (j->rc < 0 && j->dl_rc < 0 && j->dl_err.msg[0] && j->dl_err.errnum != EPIPE)
        j->err = j->dl_err;
    if (j->rc == 0) {
        j->created = true;
        struct pull_event ev = {.kind = PULL_LAYER_DONE, .layer = j->index,
                                .digest = j->desc->digest, .done = j->done, .total = j->done};
        emit(j->p, &ev);
    }
}

struct pool {
    struct layer_job *jobs;
    size_t n, next;
    pthread_mutex_t lock;
    bool failed;
};

static void *worker(void *arg)
{
    struct pool *pl = arg;
    for (;;) {
        pthread_mutex_lock(&pl->lock);
        while (pl->next < pl->n && pl->jobs[pl->next].skip)
            pl->next++;
        struct layer_job *j = pl->next < pl->n && !pl->failed ? &pl->jobs[pl->next++] : NULL;
        pthread_mutex_unlock(&pl->lock);
        if (j == NULL)
            return NULL;
        pull_layer(j);
        if (j->rc < 0) {
            pthread_mutex_lock(&pl->lock);
            pl->failed = true; /* start nothing new; running layers finish */
            pthread_mutex_unlock(&pl->lock);
        }
    }
}

static int pull_layers(struct puller *p, const struct manifest *m, json_t *diff_ids,
                       struct layer_result *out, bool *fresh, sk_error *err)
{
    size_t n = m->n_layers, todo = 0;
    struct pool pl = {.jobs = calloc(n ? n : 1, sizeof *pl.jobs), .n = n};
    if (pl.jobs == NULL)
        return sk_err(err, ENOMEM, "pull");
    for (size_t i = 0; i < n; i++) {
        struct layer_job *j = &pl.jobs[i];
        *j = (struct layer_job){.p = p, .index = (int)i, .desc = &m->layers[i],
                                .diff_id = json_string_value(json_array_get(diff_ids, i))};
        j->skip = store_has_layer(p->s, j->diff_id);
        struct pull_event ev = {.kind = j->skip ? PULL_LAYER_EXISTS : PULL_LAYER_WAITING,
                                .layer = (int)i, .digest = j->desc->digest,
                                .total = (uint64_t)(j->desc->size > 0 ? j->desc->size : 0)};
        emit(p, &ev);
        todo += !j->skip;
    }
    *fresh = *fresh || todo > 0;
    pthread_mutex_init(&pl.lock, NULL);
    size_t par = p->o->parallel > 0 ? (size_t)p->o->parallel : 3;
    if (par > todo)
        par = todo;
    pthread_t threads[16];
    if (par > 16)
        par = 16;
    size_t started = 0;
    for (; started < par; started++)
        if (pthread_create(&threads[started], NULL, worker, &pl) != 0)
            break;
    if (started == 0 && todo > 0)
        worker(&pl); /* no threads to be had: do it here */
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&pl.lock);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct layer_job *j = &pl.jobs[i];
        if (j->skip)
            j->rc = store_add_layer(p->s, NULL, NULL, j->diff_id, &j->res, &j->err);
        else if (j->rc == 0 && j->res.diff_id[0] == '\0')
            j->rc = sk_err(&j->err, ECANCELED, "not pulled: another layer failed");
        if (j->rc < 0) {
            *err = j->err;
            sk_err_prefix(err, "layer %.19s", m->layers[i].digest);
            rc = -1;
        }
        out[i] = j->res;
    }
    for (size_t i = 0; i < n; i++)
        if (pl.jobs[i].created) {
            json_array_append_new(p->created, json_string(pl.jobs[i].res.diff_id));
            json_array_append_new(p->created, json_string(pl.jobs[i].res.digest));
        }
    /* the first failure in download order is the one to report */
    for (size_t i = 0; i < n && rc < 0; i++)
        if (pl.jobs[i].rc < 0 && pl.jobs[i].err.errnum != ECANCELED) {
            *err = pl.jobs[i].err;
            sk_err_prefix(err, "layer %.19s", m->layers[i].digest);
            break;
        }
    free(pl.jobs);
    return rc;
}

/* ---- manifests ---------------------------------------------------------------------- */

/* The image config must be for the platform asked for (docker checks too). */
static int check_platform(json_t *config, const char *os, const char *arch, bool explicit_platform,
                          sk_error *err)
{
    const char *cos = json_string_value(json_object_get(config, "os"));
    const char *carch = json_string_value(json_object_get(config, "architecture"));
    if (!explicit_platform || cos == NULL || carch == NULL)
        return 0;
    if (strcmp(cos, os) != 0 || strcmp(carch, arch) != 0)
        return sk_err(err, 0,
                      "image was found but does not match the specified platform: wanted %s/%s, "
                      "actual: %s/%s",
                      os, arch, cos, carch);
    return 0;
}

struct doc {
    char *body;
    size_t len;
    char media_type[160];
    char digest[72];
    json_t *json;
};

static void doc_clear(struct doc *d)
{
    free(d->body);
    json_decref(d->json);
    memset(d, 0, sizeof *d);
}

static int get_doc(struct puller *p, const char *what, const char *ref, const char *want,
                   struct doc *d, sk_error *err)
{
    doc_clear(d);
    if (get_small(p, what, ref, want, &d->body, &d->len, d->media_type, sizeof d->media_type,
                  d->digest, err) < 0)
        return -1;
    d->json = sk_json_parse(d->body, d->len, what, err);
    if (d->json != NULL && !json_is_object(d->json))
        return sk_err(err, 0, "%s %s: not a JSON object", what, ref);
    return d->json ? 0 : -1;
}

/* The image config: from the store when we have it (verified on read). */
static int get_config(struct puller *p, const char *digest, struct doc *d, sk_error *err)
{
    if (!store_has_blob(p->s, digest) ||
        store_get_blob(p->s, digest, SMALL_MAX, &d->body, &d->len, NULL) < 0)
        return get_doc(p, "blob", digest, digest, d, err);
    snprintf(d->digest, sizeof d->digest, "%s", digest);
    d->json = sk_json_parse(d->body, d->len, "image config", err);
    if (d->json != NULL && !json_is_object(d->json))
        return sk_err(err, 0, "image config %s: not a JSON object", digest);
    return d->json ? 0 : -1;
}

static int name_image(struct puller *p, const char *id, const char *top_digest,
                      struct pull_result *res, sk_error *err)
{
    char repo[800], by_digest[1200], by_tag[1200];
    image_ref_repo(&p->ref, repo, sizeof repo);
    snprintf(by_digest, sizeof by_digest, "%s@%s", repo, top_digest);
    snprintf(by_tag, sizeof by_tag, "%s:%s", repo, p->ref.tag);
    bool tagged = p->ref.tag[0] && !p->ref.digest[0];
    const char *names[] = {by_digest, by_tag};
    if (store_tag_many(p->s, names, tagged ? 2 : 1, id, err) < 0)
        return -1;
    snprintf(res->name, sizeof res->name, "%s", tagged ? by_tag : by_digest);
    snprintf(res->id, sizeof res->id, "%s", id);
    snprintf(res->digest, sizeof res->digest, "%s", top_digest);
    return 0;
}

static int do_pull(struct puller *p, struct pull_result *res, sk_error *err)
{
    char os[32], arch[32], variant[32];
    if (platform_parse(p->o->platform, os, arch, variant, sizeof os, err) < 0)
        return -1;
    struct doc top = {0}, man = {0}, cfg = {0};
    struct manifest m = {0};
    struct layer_result *layers = NULL;
    int rc = -1;
    const char *ref = p->ref.digest[0] ? p->ref.digest : p->ref.tag;
    if (get_doc(p, "manifest", ref, p->ref.digest[0] ? p->ref.digest : NULL, &top, err) < 0)
        goto out;
    struct doc *mdoc = &top;
    if (manifest_is_index(top.media_type, top.json)) {
        struct descriptor d;
        if (manifest_select(top.json, os, arch, variant, &d, err) < 0 ||
            get_doc(p, "manifest", d.digest, d.digest, &man, err) < 0)
            goto out;
        if (manifest_is_index(man.media_type, man.json)) {
            sk_err(err, 0, "manifest %s: an index inside an index is not supported", d.digest);
            goto out;
        }
        mdoc = &man;
    }
    if (manifest_parse(mdoc->json, &m, err) < 0)
        goto out;
    struct pull_event ev = {.kind = PULL_RESOLVED, .n_layers = m.n_layers, .digest = top.digest};
    emit(p, &ev);
    if (get_config(p, m.config.digest, &cfg, err) < 0 ||
        check_platform(cfg.json, os, arch, p->o->platform && *p->o->platform, err) < 0)
        goto out;
    json_t *diff_ids = json_object_get(json_object_get(cfg.json, "rootfs"), "diff_ids");
    if (!json_is_array(diff_ids) || json_array_size(diff_ids) != m.n_layers) {
        sk_err(err, 0, "image config lists %zu layers, the manifest %zu",
               json_is_array(diff_ids) ? json_array_size(diff_ids) : 0, m.n_layers);
        goto out;
    }
    for (size_t i = 0; i < m.n_layers; i++)
        if (!image_digest_valid(json_string_value(json_array_get(diff_ids, i)))) {
            sk_err(err, 0, "image config: rootfs.diff_ids[%zu] is not a sha256 digest", i);
            goto out;
        }
    layers = calloc(m.n_layers ? m.n_layers : 1, sizeof *layers);
    if (layers == NULL) {
        sk_err(err, ENOMEM, "pull");
        goto out;
    }
    res->fresh = !store_has_blob(p->s, m.config.digest);
    /* layers first: a pull that fails leaves no manifest or config behind
     * (layers it finished stay, unreferenced, for the next pull to reuse) */
    if (pull_layers(p, &m, diff_ids, layers, &res->fresh, err) < 0 ||
        store_put_blob(p->s, cfg.body, cfg.len, m.config.digest, NULL, err) < 0 ||
        store_put_blob(p->s, top.body, top.len, top.digest, NULL, err) < 0 ||
        (mdoc == &man && store_put_blob(p->s, man.body, man.len, man.digest, NULL, err) < 0) ||
        image_commit(p->s, m.config.digest, mdoc->digest, layers, m.n_layers, err) < 0 ||
        name_image(p, m.config.digest, top.digest, res, err) < 0)
        goto out;
    rc = 0;
out:
    free(layers);
    manifest_clear(&m);
    doc_clear(&top);
    doc_clear(&man);
    doc_clear(&cfg);
    return rc;
}

int registry_pull(struct image_store *s, const char *ref, const struct pull_opts *o,
                  struct pull_result *res, sk_error *err)
{
    memset(res, 0, sizeof *res);
    struct puller p = {.s = s, .o = o};
    if (image_ref_parse(ref, &p.ref, err) < 0)
        return -1;
    _cleanup_json_ json_t *created = p.created = json_array();
    char path[PATH_MAX];
    _cleanup_free_ char *creds = NULL;
    registry_auth_path(o->auth_file, path, sizeof path);
    if (o->creds != NULL && (creds = strdup(o->creds)) == NULL)
        return sk_err(err, ENOMEM, "pull");
    if ((creds == NULL && registry_auth_load(path, p.ref.domain, &creds, err) < 0) ||
        regclient_init(&p.c, image_ref_registry_host(&p.ref), p.ref.path, creds, o->insecure, err) < 0)
        return -1;
    pthread_mutex_init(&p.plock, NULL);
    int rc = store_begin_add(s, err);
    if (rc == 0) {
        rc = do_pull(&p, res, err);
        store_end_add(s);
        if (rc < 0) /* a failed pull leaves the store as it found it */
            store_discard(s, created);
    }
    pthread_mutex_destroy(&p.plock);
    regclient_free(&p.c);
    return rc;
}

/* docker's tag rule: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} (a registry's list is input too) */
static bool valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
              t[i] == '_' || t[i] == '.' || t[i] == '-'))
            return false;
    return true;
}

int registry_tags(const char *repo, const struct pull_opts *o, json_t **tags, sk_error *err)
{
    struct image_ref ref;
    if (image_ref_parse(repo, &ref, err) < 0)
        return -1;
    char path[PATH_MAX];
    _cleanup_free_ char *creds = NULL;
    registry_auth_path(o->auth_file, path, sizeof path);
    if (o->creds != NULL && (creds = strdup(o->creds)) == NULL)
        return sk_err(err, ENOMEM, "tags");
    struct regclient c;
    if ((creds == NULL && registry_auth_load(path, ref.domain, &creds, err) < 0) ||
        regclient_init(&c, image_ref_registry_host(&ref), ref.path, creds, o->insecure, err) < 0)
        return -1;
    *tags = json_array();
    char page[1024];
    snprintf(page, sizeof page, "%s/tags/list?n=1000", ref.path);
    int rc = 0;
    for (int pages = 0; rc == 0 && page[0] && pages < 100; pages++) {
        struct regresp r = {.fd = -1, .max = SMALL_MAX};
        rc = regclient_get(&c, page, "application/json", &r, err);
        if (rc == 0 && r.status != 200) {
            char msg[256];
            regresp_message(&r, msg, sizeof msg);
            rc = sk_err(err, 0, "tags of %s: %ld %s", ref.path, r.status, msg);
        }
        json_t *doc = rc == 0 ? json_loadb(r.body.s ? r.body.s : "", r.body.len, 0, NULL) : NULL;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(doc, "tags"), i, t) if (json_is_string(t) &&
                                                                   valid_tag(json_string_value(t)))
            json_array_append(*tags, t);
        if (rc == 0 && doc == NULL)
            rc = sk_err(err, 0, "tags of %s: not a tag list", ref.path);
        json_decref(doc);
        /* the next page: "/v2/<repo>/tags/list?last=...&n=..." */
        const char *v2 = strncmp(r.next, "/v2/", 4) == 0 ? r.next + 4 : NULL;
        snprintf(page, sizeof page, "%s", rc == 0 && v2 ? v2 : "");
        sb_free(&r.body);
    }
    regclient_free(&c);
    if (rc < 0) {
        json_decref(*tags);
        *tags = NULL;
    }
    return rc;
}

int registry_login(const char *registry, const char *user, const char *pass, char *const *insecure,
                   sk_error *err)
{
    const char *host = strcmp(registry, "docker.io") == 0 ? "registry-1.docker.io" : registry;
    _cleanup_free_ char *creds = sk_strdup_printf("%s:%s", user, pass ? pass : "");
    struct regclient c;
    if (creds == NULL)
        return sk_err(err, ENOMEM, "login");
    if (regclient_init(&c, host, "", creds, insecure, err) < 0)
        return -1;
    struct regresp r = {.fd = -1, .max = 1 << 20};
    int rc = regclient_get(&c, "", NULL, &r, err);
    if (rc == 0 && (r.status == 401 || r.status == 403))
        rc = sk_err(err, 0, "unauthorized: incorrect username or password");
    else if (rc == 0 && r.status != 200)
        rc = sk_err(err, 0, "the registry answered HTTP %ld", r.status);
    sb_free(&r.body);
    regclient_free(&c);
    if (rc < 0)
        sk_err_prefix(err, "login to %s", registry);
    return rc;
}

/* h_images.c - /images: list, inspect, history, tag, remove, pull and import
 * (POST /images/create), load, save, prune.
 *
 * Archives are never held in memory: an upload goes from the socket through
 * a pipe into the library (a thread copies the body, the library reads the
 * other end), a download from the library through a pipe into chunks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api_int.h"
#include "image/archive.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"
#include "util/base64.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/timefmt.h"

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Every value of a query parameter ("names=a&names=b"), decoded; NULL when
 * there is none. */
static char **query_all(struct api_ctx *x, const char *key)
{
    char **v = NULL;
    size_t kl = strlen(key);
    for (const char *p = x->r->query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq != NULL && (size_t)(eq - p) == kl && strncmp(p, key, kl) == 0) {
            _cleanup_free_ char *val = strndup(eq + 1, n - kl - 1);
            if (val != NULL && http_unescape(val, true) == 0 && *val)
                sk_strv_push(&v, val);
        }
        p = amp ? amp + 1 : NULL;
    }
    return v;
}

/* One line of a JSON stream (j taken over). */
static int send_line(struct api_ctx *x, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (s == NULL)
        return -1;
    size_t n = strlen(s);
    s[n] = '\n'; /* over the NUL: the chunk has its length */
    int rc = http_chunk(x->c, s, n + 1);
    free(s);
    return rc;
}

static bool truthy(const char *v)
{
    return strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

static bool falsy(const char *v)
{
    return strcmp(v, "false") == 0 || strcmp(v, "0") == 0;
}

/* ---- list, inspect, history ---------------------------------------------------------------- */

static int newest_first(const void *a, const void *b)
{
    json_int_t ta = json_integer_value(json_object_get(*(json_t *const *)a, "Created"));
    json_int_t tb = json_integer_value(json_object_get(*(json_t *const *)b, "Created"));
    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* docker sorts the summaries by Created, newest first */
static json_t *sorted(json_t *rows)
{
    size_t n = json_array_size(rows);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL)
        return rows;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(rows, i));
    qsort(v, n, sizeof *v, newest_first);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, v[i]);
    free(v);
    json_decref(rows);
    return out;
}

static int img_list(struct api_ctx *x)
{
    json_t *filters;
    if (api_filters(x, &filters) < 0)
        return 0;
    char legacy[1024]; /* filter=NAME: API < 1.41 */
    if (api_q(x, "filter", legacy, sizeof legacy) != NULL && *legacy &&
        json_object_get(filters, "reference") == NULL)
        json_object_set_new(filters, "reference", json_pack("[s]", legacy));
    sk_error err;
    json_t *rows = NULL, *out = NULL;
    int rc = sk_image_list(x->e, &rows, &err);
    if (rc == 0)
        rc = sk_image_filter(x->e, rows, filters, &out, &err);
    json_decref(rows);
    json_decref(filters);
    if (rc < 0)
        return api_fail(x, &err);
    return api_json(x, 200, sorted(out));
}

static int resolve(struct api_ctx *x, struct image_store **s, char id[72], sk_error *err)
{
    *s = sk_engine_images(x->e, err);
    return *s == NULL ? -1 : store_resolve(*s, x->param[0], id, err);
}

static int img_inspect(struct api_ctx *x)
{
    sk_error err;
    struct image_store *s;
    char id[72];
    json_t *j = NULL;
    if (resolve(x, &s, id, &err) < 0 || (j = image_inspect(s, id, &err)) == NULL)
        return api_fail(x, &err);
    return api_json(x, 200, j);
}

static int img_history(struct api_ctx *x)
{
    sk_error err;
    json_t *out;
    if (sk_image_history(x->e, x->param[0], &out, &err) < 0)
        return api_fail(x, &err);
    return api_json(x, 200, out);
}

/* ---- tag, remove, prune ------------------------------------------------------------------- */

static int img_tag(struct api_ctx *x)
{
    char repo[1024], tag[256], target[1400];
    if (api_q(x, "repo", repo, sizeof repo) == NULL || !*repo)
        return api_error(x, 400, "repository name must have at least one component");
    if (api_q(x, "tag", tag, sizeof tag) == NULL)
        tag[0] = '\0';
    sk_error err;
    snprintf(target, sizeof target, "%s", repo);
    if (*tag) { /* the tag parameter wins over one in repo, as in docker */
        struct image_ref r;
        char name[800];
        if (image_ref_parse(repo, &r, &err) < 0)
            return api_fail(x, &err);
        image_ref_repo(&r, name, sizeof name);
        snprintf(target, sizeof target, "%s:%s", name, tag);
    }
    if (sk_image_tag(x->e, x->param[0], target, &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 201);
}

static int img_remove(struct api_ctx *x)
{
    sk_error err;
    json_t *events = json_array();
    if (sk_image_remove(x->e, x->param[0], api_qbool(x, "force", false), events, &err) < 0) {
        json_decref(events);
        return api_fail(x, &err);
    }
    return api_json(x, 200, events);
}

/* filters: dangling=false prunes every unused image (docker image prune -a) */
static int img_prune(struct api_ctx *x)
{
    json_t *filters;
    if (api_filters(x, &filters) < 0)
        return 0;
    const char *dangling = api_filter_first(filters, "dangling");
    int rc = 0;
    if (dangling != NULL && !truthy(dangling) && !falsy(dangling)) {
        rc = api_error(x, 400, "invalid filter 'dangling=%s'", dangling);
        json_decref(filters);
        return rc;
    }
    bool all = dangling != NULL && falsy(dangling);
    json_object_del(filters, "dangling");
    sk_error err;
    json_t *events = json_array();
    uint64_t freed = 0;
    rc = sk_image_prune(x->e, all, filters, events, &freed, &err);
    json_decref(filters);
    if (rc < 0) {
        json_decref(events);
        return api_fail(x, &err);
    }
    return api_json(x, 200, json_pack("{s:o, s:I}", "ImagesDeleted", events, "SpaceReclaimed",
                                      (json_int_t)freed));
}

/* ---- pull --------------------------------------------------------------------------------- */

struct pull_stream {
    struct api_ctx *x;
    bool started, broken;
    char id[160];             /* the tag or digest asked for */
    char path[600];           /* "library/busybox" */
    size_t n;                 /* layers */
    struct timespec *last;    /* per layer: the last progress line */
    char (*pending)[13];      /* "Already exists" lines held back: none when all exist */
    size_t npending;
};

static int pull_begin(struct pull_stream *p)
{
    if (p->started)
        return 0;
    p->started = true;
    if (http_chunked_begin(p->x->c, 200, "application/json", NULL) < 0)
        p->broken = true;
    return p->broken ? -1 : 0;
}

static void pull_line(struct pull_stream *p, json_t *j)
{
    if (p->broken || pull_begin(p) < 0) {
        json_decref(j);
        return;
    }
    if (send_line(p->x, j) < 0) {
        sk_log(SK_LOG_INFO, "pull: the client went away");
        p->broken = true;
    }
}

static void layer_line(struct pull_stream *p, const char *status, const char *id)
{
    pull_line(p, json_pack("{s:s, s:{}, s:s}", "status", status, "progressDetail", "id", id));
}

static void flush_pending(struct pull_stream *p)
{
    for (size_t i = 0; i < p->npending; i++)
        layer_line(p, "Already exists", p->pending[i]);
    p->npending = 0;
}

/* docker's units.HumanSize: 4 significant digits, powers of 1000 */
static void human(uint64_t n, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < sizeof unit / sizeof unit[0]) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, cap, "%.4g%s", v, unit[u]);
}

/* docker's JSONProgress.String(): "[=====>      ]  1.2MB/2.15MB" */
static void progress_bar(uint64_t cur, uint64_t total, char *buf, size_t cap)
{
    char c[32], t[32];
    human(cur, c, sizeof c);
    if (total == 0) {
        snprintf(buf, cap, "%8s", c);
        return;
    }
    human(total, t, sizeof t);
    int pct = (int)((double)cur / (double)total * 100.0) / 2;
    if (pct > 50)
        pct = 50;
    char bar[64];
    memset(bar, '=', (size_t)pct);
    bar[pct] = '>';
    memset(bar + pct + 1, ' ', (size_t)(50 - pct));
    bar[51] = '\0';
    if (cur > total)
        snprintf(buf, cap, "[%s] %8s", bar, c);
    else
        snprintf(buf, cap, "[%s] %8s/%s", bar, c, t);
}

static long ms_since(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Called from the pull's threads, one at a time. */
static void on_pull(void *ud, const struct pull_event *ev)
{
    struct pull_stream *p = ud;
    if (p->broken)
        return;
    if (ev->kind == PULL_RESOLVED) {
        char msg[700];
        snprintf(msg, sizeof msg, "Pulling from %s", p->path);
        pull_line(p, json_pack("{s:s, s:s}", "status", msg, "id", p->id));
        free(p->last);
        free(p->pending);
        p->n = ev->n_layers;
        p->last = calloc(p->n ? p->n : 1, sizeof *p->last);
        p->pending = calloc(p->n ? p->n : 1, sizeof *p->pending);
        p->npending = 0;
        if (p->last == NULL || p->pending == NULL)
            p->n = 0;
        return;
    }
    if (ev->layer < 0 || (size_t)ev->layer >= p->n || ev->digest == NULL)
        return;
    char id[13];
    const char *hex = strchr(ev->digest, ':');
    snprintf(id, sizeof id, "%s", hex ? hex + 1 : ev->digest);
    if (ev->kind == PULL_LAYER_EXISTS) {
        snprintf(p->pending[p->npending++], sizeof p->pending[0], "%s", id);
        return;
    }
    flush_pending(p);
    switch (ev->kind) {
    case PULL_LAYER_WAITING:
        layer_line(p, "Pulling fs layer", id);
        break;
    case PULL_LAYER_PROGRESS: {
        struct timespec now, *last = &p->last[ev->layer];
        clock_gettime(CLOCK_MONOTONIC, &now);
        bool end = ev->total > 0 && ev->done >= ev->total;
        if (!end && last->tv_sec != 0 && ms_since(last, &now) < 100)
            break; /* at most ten lines a second per layer */
        *last = now;
        char bar[128];
        progress_bar(ev->done, ev->total, bar, sizeof bar);
        json_t *detail = ev->total ? json_pack("{s:I, s:I}", "current", (json_int_t)ev->done, "total",
                                               (json_int_t)ev->total)
                                   : json_pack("{s:I}", "current", (json_int_t)ev->done);
        pull_line(p, json_pack("{s:s, s:o, s:s, s:s}", "status", "Downloading", "progressDetail", detail,
                               "progress", bar, "id", id));
        break;
    }
    case PULL_LAYER_DONE:
        layer_line(p, "Download complete", id);
        layer_line(p, "Pull complete", id);
        break;
    default:
        break;
    }
}

/* X-Registry-Auth: base64url of {"username", "password", "auth",
 * "serveraddress"}; "user:password", or NULL when it names nobody. */
static char *registry_creds(struct api_ctx *x)
{
    const char *h = http_header(x->r, "X-Registry-Auth");
    if (h == NULL || !*h || strlen(h) > 65536)
        return NULL;
    size_t n = strlen(h);
    _cleanup_free_ char *b = malloc(n + 4);
    if (b == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        b[i] = h[i] == '-' ? '+' : h[i] == '_' ? '/' : h[i];
    while (n % 4)
        b[n++] = '=';
    b[n] = '\0';
    size_t len;
    _cleanup_free_ unsigned char *raw = sk_base64_decode(b, &len);
    _cleanup_json_ json_t *j = raw ? json_loadb((const char *)raw, len, 0, NULL) : NULL;
    const char *user = str(j, "username"), *pass = str(j, "password"), *auth = str(j, "auth");
    if (user != NULL && *user)
        return sk_strdup_printf("%s:%s", user, pass ? pass : "");
    if (auth != NULL && *auth) {
        _cleanup_free_ unsigned char *up = sk_base64_decode(auth, &len);
        if (up != NULL && memchr(up, ':', len) != NULL && strlen((char *)up) == len)
            return strdup((char *)up);
    }
    return NULL;
}

/* fromImage (a name, maybe with a tag) and tag (a tag or a digest) as one
 * reference. */
static int pull_ref(const char *from, const char *tag, struct image_ref *r, sk_error *err)
{
    if (image_ref_parse(from, r, err) < 0)
        return -1;
    if (tag == NULL || !*tag)
        return 0;
    char repo[800], full[1200];
    image_ref_repo(r, repo, sizeof repo);
    snprintf(full, sizeof full, "%s%s%s", repo, strchr(tag, ':') ? "@" : ":", tag);
    return image_ref_parse(full, r, err);
}

static int pull_error_status(const char *m)
{
    if (strstr(m, "pull access denied") != NULL || strstr(m, "manifest unknown") != NULL)
        return 404;
    return api_status_of(m);
}

/* One reference into the stream p (begun at the first line); 0, or -1
 * with *err when it failed. */
static int pull_one(struct api_ctx *x, struct pull_stream *p, const struct image_ref *r,
                    const char *platform, const char *creds, sk_error *err)
{
    char full[1200], fam[1200];
    image_ref_string(r, full, sizeof full);
    image_ref_familiar(r, fam, sizeof fam);
    snprintf(p->id, sizeof p->id, "%s", r->digest[0] ? r->digest : r->tag);
    snprintf(p->path, sizeof p->path, "%s", r->path);
    p->n = p->npending = 0;
    struct pull_opts po = {.platform = *platform ? platform : NULL, .creds = creds,
                           .progress = on_pull, .ud = p};
    struct pull_result res;
    int rc = sk_image_pull(x->e, full, &po, &res, err);
    if (rc == 0 && res.fresh)
        flush_pending(p);
    free(p->last);
    free(p->pending);
    p->last = NULL;
    p->pending = NULL;
    if (rc < 0)
        return -1;
    char line[1400];
    snprintf(line, sizeof line, "Digest: %s", res.digest);
    pull_line(p, json_pack("{s:s}", "status", line));
    snprintf(line, sizeof line, "Status: %s for %s", res.fresh ? "Downloaded newer image" : "Image is up to date",
             fam);
    pull_line(p, json_pack("{s:s}", "status", line));
    return 0;
}

/* A tag (or a digest), or with none every tag the registry has (docker's
 * meaning of an empty tag: `docker pull --all-tags`). */
static int img_pull(struct api_ctx *x, const char *from)
{
    char tag[200], platform[64];
    if (api_q(x, "tag", tag, sizeof tag) == NULL)
        tag[0] = '\0';
    if (api_q(x, "platform", platform, sizeof platform) == NULL)
        platform[0] = '\0';
    sk_error err;
    struct image_ref r;
    if (pull_ref(from, tag, &r, &err) < 0)
        return api_fail(x, &err);
    _cleanup_free_ char *creds = registry_creds(x);
    _cleanup_json_ json_t *tags = json_array();
    if (!*tag && !image_ref_has_tag(from)) {
        char repo[1200];
        image_ref_repo(&r, repo, sizeof repo);
        json_decref(tags);
        struct pull_opts po = {.creds = creds};
        if (sk_image_tags(x->e, repo, &po, &tags, &err) < 0)
            return api_error(x, pull_error_status(err.msg), "%s", err.msg);
    } else {
        json_array_append_new(tags, json_string(r.digest[0] ? "" : r.tag));
    }
    struct pull_stream p = {.x = x};
    int rc = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        if (!r.digest[0])
            snprintf(r.tag, sizeof r.tag, "%s", json_string_value(t));
        if ((rc = pull_one(x, &p, &r, platform, creds, &err)) < 0 || p.broken)
            break;
    }
    if (rc < 0) {
        char msg[SK_ERROR_MAX + 16];
        const char *sl = strstr(err.msg, "'skiff login'"); /* the client is docker's */
        if (sl != NULL)
            snprintf(msg, sizeof msg, "%.*s'docker login'%s", (int)(sl - err.msg), err.msg,
                     sl + strlen("'skiff login'"));
        else
            snprintf(msg, sizeof msg, "%s", err.msg);
        if (!p.started)
            return api_error(x, pull_error_status(msg), "%s", msg);
        if (!p.broken)
            send_line(x, json_pack("{s:{s:s}, s:s}", "errorDetail", "message", msg, "error", msg));
    }
    if (!p.started && !p.broken && pull_begin(&p) < 0) /* no tag at all: an empty stream */
        return -1;
    return p.broken ? -1 : http_chunked_end(x->c);
}

/* ---- uploads: import, load ---------------------------------------------------------------- */

struct pump {
    struct http_conn *c;
    const struct http_req *r;
    int fd;
};

static void *pump_body(void *arg)
{
    struct pump *p = arg;
    http_copy_body(p->c, p->r, p->fd); /* a failure ends the connection (closing) */
    close(p->fd);
    return NULL;
}

/* fn reads the request body from src: a thread copies it from the socket
 * into a pipe.  The connection is the thread's until fn returns. */
static int with_body(struct api_ctx *x, int (*fn)(void *ud, const struct byte_source *src, sk_error *err),
                     void *ud, sk_error *err)
{
    int fds[2];
    x->body_read = true;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        x->c->closing = true;
        return sk_err(err, errno, "pipe");
    }
    struct pump p = {x->c, x->r, fds[1]};
    pthread_t t;
    if (pthread_create(&t, NULL, pump_body, &p) != 0) {
        close(fds[0]);
        close(fds[1]);
        x->c->closing = true;
        return sk_err(err, EAGAIN, "cannot start a thread");
    }
    struct fd_source fs = {fds[0]};
    struct byte_source src = {fd_source_read, &fs};
    int rc = fn(ud, &src, err);
    close(fds[0]); /* what fn left unread: the thread's writes fail, it ends */
    pthread_join(t, NULL);
    return rc;
}

struct import_job {
    struct sk_engine *e;
    struct import_opts o;
    char id[72];
};

static int run_import(void *ud, const struct byte_source *src, sk_error *err)
{
    struct import_job *j = ud;
    return sk_image_import(j->e, src, &j->o, j->id, err);
}

/* fromSrc=- : the body is a root filesystem tar */
static int img_import(struct api_ctx *x, const char *from)
{
    if (strcmp(from, "-") != 0)
        return api_error(x, 400, "importing from a URL is not supported; send the archive as the body");
    char repo[1024], tag[256], message[1024], platform[64], ref[1400];
    const char *name = NULL;
    sk_error err;
    if (api_q(x, "repo", repo, sizeof repo) != NULL && *repo) {
        name = repo;
        if (api_q(x, "tag", tag, sizeof tag) != NULL && *tag) {
            struct image_ref r;
            char rp[800];
            if (image_ref_parse(repo, &r, &err) < 0)
                return api_fail(x, &err);
            image_ref_repo(&r, rp, sizeof rp);
            snprintf(ref, sizeof ref, "%s:%s", rp, tag);
            name = ref;
        }
        struct image_ref check;
        if (image_ref_parse(name, &check, &err) < 0)
            return api_fail(x, &err);
    }
    _cleanup_strv_ char **changes = query_all(x, "changes");
    _cleanup_json_ json_t *scratch = json_object();
    for (size_t i = 0; changes && changes[i]; i++) /* refuse a bad change before reading the body */
        if (image_apply_change(scratch, changes[i], &err) < 0)
            return api_error(x, 400, "%s", err.msg);
    if (api_q(x, "message", message, sizeof message) == NULL || !*message)
        snprintf(message, sizeof message, "Imported from -");
    char *arch = NULL; /* "linux/arm64/v8" -> "arm64" */
    if (api_q(x, "platform", platform, sizeof platform) != NULL && *platform) {
        char *slash = strchr(platform, '/');
        arch = slash ? slash + 1 : platform;
        arch[strcspn(arch, "/")] = '\0';
    }
    struct import_job j = {.o = {name, changes, message, arch}};
    j.e = x->e;
    if (with_body(x, run_import, &j, &err) < 0)
        return api_fail(x, &err);
    if (http_chunked_begin(x->c, 200, "application/json", NULL) < 0 ||
        send_line(x, json_pack("{s:s}", "status", j.id)) < 0)
        return -1;
    return http_chunked_end(x->c);
}

static int img_create(struct api_ctx *x)
{
    char from[1024];
    if (api_q(x, "fromImage", from, sizeof from) != NULL && *from)
        return img_pull(x, from);
    if (api_q(x, "fromSrc", from, sizeof from) != NULL && *from)
        return img_import(x, from);
    return api_error(x, 400, "either fromImage or fromSrc is required");
}

struct load_job {
    struct sk_engine *e;
    json_t *loaded;
};

static int run_load(void *ud, const struct byte_source *src, sk_error *err)
{
    struct load_job *j = ud;
    return sk_image_load(j->e, src, &j->loaded, err);
}

/* the body is a docker-save tar (or an OCI layout); quiet changes nothing:
 * there are no progress bars to leave out */
static int img_load(struct api_ctx *x)
{
    sk_error err;
    struct load_job j = {0};
    j.e = x->e;
    if (with_body(x, run_load, &j, &err) < 0) {
        /* docker answers a load that failed with 200 and the error in the stream */
        json_decref(j.loaded);
        if (http_chunked_begin(x->c, 200, "application/json", NULL) < 0 ||
            send_line(x, json_pack("{s:{s:s}, s:s}", "errorDetail", "message", err.msg, "error", err.msg)) < 0)
            return -1;
        return http_chunked_end(x->c);
    }
    int rc = http_chunked_begin(x->c, 200, "application/json", NULL);
    size_t i;
    json_t *l;
    json_array_foreach(j.loaded, i, l)
    {
        char line[1400];
        snprintf(line, sizeof line, "%s\n", json_string_value(l));
        if (rc == 0)
            rc = send_line(x, json_pack("{s:s}", "stream", line));
    }
    json_decref(j.loaded);
    return rc < 0 ? -1 : http_chunked_end(x->c);
}

/* ---- save --------------------------------------------------------------------------------- */

struct save_job {
    struct sk_engine *e;
    char **names;
    int fd;
    int rc;
    sk_error err;
};

static void *run_save(void *arg)
{
    struct save_job *j = arg;
    j->rc = sk_image_save(j->e, j->names, sk_strv_len(j->names), j->fd, &j->err);
    close(j->fd);
    return NULL;
}

/* docker save: the archive written by a thread into a pipe, sent in chunks */
static int save(struct api_ctx *x, char **names)
{
    sk_error err;
    struct image_store *s = sk_engine_images(x->e, &err);
    if (s == NULL)
        return api_fail(x, &err);
    if (names == NULL)
        return api_error(x, 400, "no image names given (names=...)");
    for (size_t i = 0; names[i]; i++) { /* before anything is sent: a 404 */
        char id[72];
        if (store_resolve(s, names[i], id, &err) < 0)
            return api_fail(x, &err);
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return api_error(x, 500, "pipe: %s", strerror(errno));
    struct save_job j = {.e = x->e, .names = names, .fd = fds[1]};
    pthread_t t;
    if (pthread_create(&t, NULL, run_save, &j) != 0) {
        close(fds[0]);
        close(fds[1]);
        return api_error(x, 500, "cannot start a thread");
    }
    bool broken = http_chunked_begin(x->c, 200, "application/x-tar", NULL) < 0;
    char buf[65536];
    ssize_t n;
    while (!broken && ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0 && http_chunk(x->c, buf, (size_t)n) < 0)
            broken = true;
    close(fds[0]); /* the writer's next write fails: it ends */
    pthread_join(t, NULL);
    if (broken)
        return -1;
    if (j.rc < 0) { /* too late for a status: the archive ends unfinished */
        sk_log(SK_LOG_INFO, "save: %s", j.err.msg);
        return -1;
    }
    return http_chunked_end(x->c);
}

static int img_save_many(struct api_ctx *x)
{
    _cleanup_strv_ char **names = query_all(x, "names");
    return save(x, names);
}

static int img_save_one(struct api_ctx *x)
{
    char *one[] = {(char *)x->param[0], NULL};
    return save(x, one);
}

const struct api_route api_image_routes[] = {
    {"GET", "/images/json", img_list},
    {"POST", "/images/create", img_create},
    {"POST", "/images/load", img_load},
    {"GET", "/images/get", img_save_many},
    {"POST", "/images/prune", img_prune},
    {"GET", "/images/{*}/json", img_inspect},
    {"GET", "/images/{*}/history", img_history},
    {"GET", "/images/{*}/get", img_save_one},
    {"POST", "/images/{*}/tag", img_tag},
    {"DELETE", "/images/{*}", img_remove},
    {NULL, NULL, NULL},
};

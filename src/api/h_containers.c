/* h_containers.c - /containers/...: create, list, inspect, the life cycle,
 * logs, stats, top, changes, export, archive, prune. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api_int.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/timefmt.h"

#define ID(x) ((x)->param[0])

static int create(struct api_ctx *x)
{
    json_t *body;
    if (api_body_json(x, &body) < 0)
        return 0;
    char name[256], platform[64];
    struct sk_create_opts o = {.name = api_q(x, "name", name, sizeof name),
                               .pull = SK_PULL_NEVER,
                               .platform = api_q(x, "platform", platform, sizeof platform)};
    if (o.name != NULL && !*o.name)
        o.name = NULL;
    if (o.platform != NULL && !*o.platform)
        o.platform = NULL;
    char id[SK_ID_LEN + 1];
    sk_error err;
    int rc = sk_container_create(x->e, body, &o, id, &err);
    json_decref(body);
    if (rc < 0)
        return api_fail(x, &err);
    return api_json(x, 201, json_pack("{s:s, s:[]}", "Id", id, "Warnings"));
}

static bool ctr_match(void *ud, json_t *row, json_t *filters, const char **bad)
{
    return sk_container_matches(ud, row, filters, bad);
}

static int list(struct api_ctx *x)
{
    json_t *filters, *rows = NULL, *out;
    if (api_filters(x, &filters) < 0)
        return 0;
    bool all = api_qbool(x, "all", false) || json_object_get(filters, "status") ||
               json_object_get(filters, "exited");
    long long limit = api_qint(x, "limit", -1);
    sk_error err;
    if (sk_container_list(x->e, all || limit > 0, &rows, &err) < 0) {
        json_decref(filters);
        return api_fail(x, &err);
    }
    if (api_keep_matching(x, rows, filters, sk_container_filter_kinds, limit > 0 ? (size_t)limit : 0, ctr_match, x->e, &out) < 0)
        return 0;
    size_t i;
    json_t *row;
    int64_t rw, rootfs;
    json_array_foreach(api_qbool(x, "size", false) ? out : NULL, i, row)
    {
        if (sk_container_size(x->e, json_string_value(json_object_get(row, "Id")), &rw, &rootfs, &err) == 0) {
            json_object_set_new(row, "SizeRw", json_integer(rw));
            json_object_set_new(row, "SizeRootFs", json_integer(rootfs));
        }
    }
    return api_json(x, 200, out);
}

/* docker up to API 1.44 lists the short id among a network's aliases */
static void old_aliases(struct api_ctx *x, json_t *j)
{
    if (x->version > 44)
        return;
    char shortid[13];
    snprintf(shortid, sizeof shortid, "%s", json_string_value(json_object_get(j, "Id")) ?: "");
    const char *k;
    json_t *ep;
    json_object_foreach(json_object_get(json_object_get(j, "NetworkSettings"), "Networks"), k, ep)
    {
        json_t *al = json_object_get(ep, "Aliases");
        if (!json_is_array(al) || strcmp(k, "bridge") == 0)
            continue;
        bool have = false;
        size_t i;
        json_t *a;
        json_array_foreach(al, i, a) have |= strcmp(json_string_value(a) ?: "", shortid) == 0;
        if (!have)
            json_array_append_new(al, json_string(shortid));
    }
}

static int inspect(struct api_ctx *x)
{
    json_t *j;
    sk_error err;
    if (sk_container_inspect(x->e, ID(x), &j, &err) < 0)
        return api_fail(x, &err);
    old_aliases(x, j);
    int64_t rw, rootfs;
    if (api_qbool(x, "size", false) && sk_container_size(x->e, ID(x), &rw, &rootfs, &err) == 0) {
        json_object_set_new(j, "SizeRw", json_integer(rw));
        json_object_set_new(j, "SizeRootFs", json_integer(rootfs));
    }
    return api_json(x, 200, j);
}

/* State.Running of a container (-1 when it cannot be had: answered). */
static int running_state(struct api_ctx *x, bool *running, bool *paused)
{
    json_t *j;
    sk_error err;
    if (sk_container_inspect(x->e, ID(x), &j, &err) < 0)
        return api_fail(x, &err), -1;
    json_t *st = json_object_get(j, "State");
    *running = json_is_true(json_object_get(st, "Running"));
    if (paused)
        *paused = json_is_true(json_object_get(st, "Paused"));
    json_decref(j);
    return 0;
}

static int start(struct api_ctx *x)
{
    bool running;
    if (running_state(x, &running, NULL) < 0)
        return 0;
    if (running)
        return api_empty(x, 304);
    sk_error err;
    if (sk_container_start(x->e, ID(x), NULL, &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

static int stop(struct api_ctx *x)
{
    bool running;
    if (running_state(x, &running, NULL) < 0)
        return 0;
    if (!running)
        return api_empty(x, 304);
    char sname[32];
    int sig = 0;
    if (api_q(x, "signal", sname, sizeof sname) != NULL && *sname && (sig = sk_signal_parse(sname)) <= 0)
        return api_error(x, 400, "Invalid signal: %s", sname);
    sk_error err;
    if (sk_container_stop(x->e, ID(x), (int)api_qint(x, "t", -1), sig, &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

static int restart(struct api_ctx *x)
{
    sk_error err;
    if (sk_container_restart(x->e, ID(x), (int)api_qint(x, "t", -1), &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

static int kill_(struct api_ctx *x)
{
    char s[32];
    int sig = SIGKILL;
    if (api_q(x, "signal", s, sizeof s) != NULL && *s && (sig = sk_signal_parse(s)) <= 0)
        return api_error(x, 400, "Invalid signal: %s", s);
    bool running;
    if (running_state(x, &running, NULL) < 0)
        return 0;
    if (!running)
        return api_error(x, 409, "Container %s is not running", ID(x));
    sk_error err;
    if (sk_container_kill(x->e, ID(x), sig, &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

static int pause_(struct api_ctx *x)
{
    sk_error err;
    if (sk_container_pause(x->e, ID(x), &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

static int unpause(struct api_ctx *x)
{
    sk_error err;
    if (sk_container_unpause(x->e, ID(x), &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

static int remove_(struct api_ctx *x)
{
    sk_error err;
    if (sk_container_remove(x->e, ID(x), api_qbool(x, "force", false), api_qbool(x, "v", false), &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

static int rename_(struct api_ctx *x)
{
    char name[256];
    if (api_q(x, "name", name, sizeof name) == NULL || !*name)
        return api_error(x, 400, "name is required");
    sk_error err;
    if (sk_container_rename(x->e, ID(x), name, &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 204);
}

struct head_out {
    struct api_ctx *x;
    bool sent, failed;
};

static void wait_head(void *ud)
{
    struct head_out *h = ud;
    h->sent = true;
    h->x->c->closing = true;
    h->failed = http_chunked_begin(h->x->c, 200, "application/json", NULL) < 0;
}

/* The response head goes out once the wait is registered (the CLI starts
 * the container only after it has it); the body when the wait is over. */
static int wait_(struct api_ctx *x)
{
    char cond[32] = "not-running";
    api_q(x, "condition", cond, sizeof cond);
    if (!*cond)
        snprintf(cond, sizeof cond, "not-running");
    if (strcmp(cond, "not-running") && strcmp(cond, "next-exit") && strcmp(cond, "removed"))
        return api_error(x, 400, "invalid condition: \"%s\"", cond);
    char id[SK_ID_LEN + 1];
    sk_error err;
    if (sk_container_resolve(x->e, ID(x), id, &err) < 0)
        return api_fail(x, &err);
    struct head_out h = {.x = x};
    struct sk_ready ready = {wait_head, &h};
    struct sk_exit ex;
    json_t *body;
    int wr = sk_container_wait_ready(x->e, id, cond, &ready, &ex, &err);
    if (!h.sent)
        return wr < 0 ? api_fail(x, &err) : -1;
    if (h.failed)
        return -1;
    if (wr < 0)
        body = json_pack("{s:i, s:{s:s}}", "StatusCode", -1, "Error", "Message", err.msg);
    else if (strcmp(ex.reason, "runtime_error") == 0)
        body = json_pack("{s:i, s:{s:s}}", "StatusCode", ex.code, "Error", "Message", "runtime error");
    else
        body = json_pack("{s:i, s:n}", "StatusCode", ex.code, "Error");
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = s ? http_chunk(x->c, s, strlen(s)) : -1;
    if (rc == 0)
        rc = http_chunk(x->c, "\n", 1);
    free(s);
    return rc < 0 ? -1 : http_chunked_end(x->c);
}

/* ---- logs ------------------------------------------------------------------------------------ */

struct log_out {
    struct api_ctx *x;
    bool tty, timestamps;
};

static int log_entry(void *ud, int stream, const char *time, const char *data, size_t len)
{
    struct log_out *lo = ud;
    char ts[48] = "";
    size_t tl = 0;
    if (lo->timestamps) {
        tl = (size_t)snprintf(ts, sizeof ts, "%s ", time);
        if (tl >= sizeof ts)
            tl = sizeof ts - 1;
    }
    size_t n = tl + len;
    char *buf = malloc(n + 8);
    if (buf == NULL)
        return 1;
    size_t off = 0;
    if (!lo->tty) {
        unsigned char h[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                              (unsigned char)(n >> 8), (unsigned char)n};
        memcpy(buf, h, 8);
        off = 8;
    }
    memcpy(buf + off, ts, tl);
    memcpy(buf + off + tl, data, len);
    int rc = http_chunk(lo->x->c, buf, off + n);
    free(buf);
    return rc < 0 ? 1 : 0;
}

static int64_t time_q(struct api_ctx *x, const char *key)
{
    char v[64];
    if (api_q(x, key, v, sizeof v) == NULL || !*v || strcmp(v, "0") == 0)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return sk_parse_since(v, (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec);
}

/* Config.Tty of a container; -1 when answered with an error. */
static int has_tty(struct api_ctx *x, bool *tty)
{
    json_t *j;
    sk_error err;
    if (sk_container_inspect(x->e, ID(x), &j, &err) < 0)
        return api_fail(x, &err), -1;
    *tty = json_is_true(json_object_get(json_object_get(j, "Config"), "Tty"));
    json_decref(j);
    return 0;
}

const char *api_stream_type(struct api_ctx *x, bool tty)
{
    return tty || x->version < 42 ? "application/vnd.docker.raw-stream"
                                  : "application/vnd.docker.multiplexed-stream";
}

static int logs(struct api_ctx *x)
{
    struct sk_logs_opts o = {.stdout_ = api_qbool(x, "stdout", false),
                             .stderr_ = api_qbool(x, "stderr", false),
                             .follow = api_qbool(x, "follow", false),
                             .tail = -1,
                             .since = time_q(x, "since"),
                             .until = time_q(x, "until")};
    if (!o.stdout_ && !o.stderr_)
        return api_error(x, 400, "Bad parameters: you must choose at least one stream");
    if (o.since < 0 || o.until < 0)
        return api_error(x, 400, "invalid since or until");
    char tail[32];
    if (api_q(x, "tail", tail, sizeof tail) != NULL && *tail && strcmp(tail, "all") != 0) {
        char *end;
        long t = strtol(tail, &end, 10);
        o.tail = *end || t < 0 ? -1 : t;
    }
    struct log_out lo = {.x = x, .timestamps = api_qbool(x, "timestamps", false)};
    if (has_tty(x, &lo.tty) < 0)
        return 0;
    x->c->closing = true;
    if (http_chunked_begin(x->c, 200, api_stream_type(x, lo.tty), NULL) < 0)
        return -1;
    sk_error err;
    if (sk_container_logs(x->e, ID(x), &o, log_entry, &lo, &err) < 0)
        return -1;
    return http_chunked_end(x->c);
}

/* ---- top, stats, changes ---------------------------------------------------------------------- */

static int top(struct api_ctx *x)
{
    char args[256];
    json_t *j;
    sk_error err;
    if (sk_container_top(x->e, ID(x), api_q(x, "ps_args", args, sizeof args), &j, &err) < 0)
        return api_fail(x, &err);
    return api_json(x, 200, j);
}

/* The host's cpu time in ns, as docker's system_cpu_usage. */
static json_int_t system_cpu_ns(void)
{
    FILE *f = fopen("/proc/stat", "re");
    unsigned long long v[8] = {0};
    int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                       &v[5], &v[6], &v[7])
              : 0;
    if (f)
        fclose(f);
    unsigned long long sum = 0;
    for (int i = 0; i < n && i < 8; i++)
        sum += v[i];
    long hz = sysconf(_SC_CLK_TCK);
    return (json_int_t)(sum * (1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100)));
}

static json_t *sample(struct api_ctx *x, sk_error *err)
{
    json_t *s;
    if (sk_container_stats(x->e, ID(x), &s, err) < 0)
        return NULL;
    char now[64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(now + k, sizeof now - k, ".%09ldZ", ts.tv_nsec);
    json_object_set_new(s, "read", json_string(now));
    json_t *cpu = json_object_get(s, "cpu_stats");
    json_object_set_new(cpu, "system_cpu_usage", json_integer(system_cpu_ns()));
    json_object_set_new(cpu, "online_cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(cpu, "throttling_data", json_pack("{s:i, s:i, s:i}", "periods", 0,
                                                          "throttled_periods", 0, "throttled_time", 0));
    json_t *mem = json_object_get(s, "memory_stats");
    json_object_set_new(mem, "stats", json_pack("{s:I, s:I}", "inactive_file", (json_int_t)0, "cache",
                                                json_integer_value(json_object_get(mem, "cache"))));
    const char *name = json_string_value(json_object_get(s, "name"));
    if (name != NULL && name[0] != '/') {
        char n[300];
        snprintf(n, sizeof n, "/%s", name);
        json_object_set_new(s, "name", json_string(n));
    }
    json_object_set_new(s, "num_procs", json_integer(0));
    return s;
}

static json_t *empty_pre(void)
{
    return json_pack("{s:{s:i, s:i, s:i}, s:i, s:i}", "cpu_usage", "total_usage", 0, "usage_in_usermode", 0,
                     "usage_in_kernelmode", 0, "system_cpu_usage", 0, "online_cpus", 0);
}

static int stats(struct api_ctx *x)
{
    bool stream = api_qbool(x, "stream", true), one_shot = api_qbool(x, "one-shot", false);
    sk_error err;
    json_t *prev = NULL, *cur = sample(x, &err);
    if (cur == NULL)
        return api_fail(x, &err);
    if (!stream) {
        if (!one_shot) { /* docker's precpu_stats: a sample taken a moment before */
            prev = cur;
            usleep(500000);
            cur = sample(x, &err);
            if (cur == NULL) {
                json_decref(prev);
                return api_fail(x, &err);
            }
        }
        json_object_set_new(cur, "precpu_stats", prev ? json_incref(json_object_get(prev, "cpu_stats")) : empty_pre());
        json_object_set_new(cur, "preread", json_string(prev ? json_string_value(json_object_get(prev, "read"))
                                                             : "0001-01-01T00:00:00Z"));
        json_decref(prev);
        return api_json(x, 200, cur);
    }
    x->c->closing = true;
    if (http_chunked_begin(x->c, 200, "application/json", NULL) < 0) {
        json_decref(cur);
        return -1;
    }
    for (;;) {
        json_object_set_new(cur, "precpu_stats", prev ? json_incref(json_object_get(prev, "cpu_stats")) : empty_pre());
        json_object_set_new(cur, "preread", json_string(prev ? json_string_value(json_object_get(prev, "read"))
                                                             : "0001-01-01T00:00:00Z"));
        char *s = json_dumps(cur, JSON_COMPACT);
        int rc = s ? http_chunk(x->c, s, strlen(s)) : -1;
        if (rc == 0)
            rc = http_chunk(x->c, "\n", 1);
        free(s);
        json_decref(prev);
        prev = cur;
        if (rc < 0)
            break;
        sleep(1);
        if ((cur = sample(x, &err)) == NULL)
            break; /* it stopped: the stream ends */
    }
    json_decref(prev);
    return http_chunked_end(x->c);
}

static int changes(struct api_ctx *x)
{
    json_t *j;
    sk_error err;
    if (sk_container_changes(x->e, ID(x), &j, &err) < 0)
        return api_fail(x, &err);
    return api_json(x, 200, j);
}

static int prune(struct api_ctx *x)
{
    json_t *filters, *deleted;
    if (api_filters(x, &filters) < 0)
        return 0;
    sk_error err;
    int rc = sk_container_prune(x->e, filters, &deleted, &err);
    json_decref(filters);
    if (rc < 0)
        return api_fail(x, &err);
    return api_json(x, 200, json_pack("{s:o, s:i}", "ContainersDeleted", deleted, "SpaceReclaimed", 0));
}

/* ---- export, archive: a tar written straight into the socket ------------------------------------ */

/* A response whose body ends when the connection closes: the engine writes
 * the tar to the socket as it makes it. */
static int raw_body_begin(struct api_ctx *x, const char *ctype, const char *headers)
{
    x->c->closing = true;
    char head[4096];
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nApi-Version: 1.%d\r\n"
                     "Ostype: linux\r\nServer: skiff\r\nConnection: close\r\n%s\r\n",
                     ctype, API_VERSION_MAX, headers ? headers : "");
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    return http_write_all(x->c->fd, head, (size_t)n);
}

static int export_(struct api_ctx *x)
{
    char id[SK_ID_LEN + 1];
    sk_error err;
    if (sk_container_resolve(x->e, ID(x), id, &err) < 0)
        return api_fail(x, &err);
    if (raw_body_begin(x, "application/x-tar", NULL) < 0)
        return -1;
    sk_container_export(x->e, id, x->c->fd, &err);
    return -1; /* the connection ends the body */
}

static int path_stat_header(struct api_ctx *x, const char *path, char *hdr, size_t cap)
{
    json_t *st;
    sk_error err;
    if (sk_container_stat(x->e, ID(x), path, &st, &err) < 0)
        return api_fail(x, &err), -1;
    char *s = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    char *b64 = s ? sk_base64_encode(s, strlen(s)) : NULL;
    free(s);
    if (b64 == NULL)
        return api_error(x, 500, "out of memory"), -1;
    snprintf(hdr, cap, "X-Docker-Container-Path-Stat: %s\r\n", b64);
    free(b64);
    return 0;
}

static int archive_head(struct api_ctx *x)
{
    char path[4096], hdr[8192];
    if (api_q(x, "path", path, sizeof path) == NULL || !*path)
        return api_error(x, 400, "path is required");
    if (path_stat_header(x, path, hdr, sizeof hdr) < 0)
        return 0;
    return http_respond(x->c, x->r, 200, "application/x-tar", hdr, "", 0);
}

static int archive_get(struct api_ctx *x)
{
    char path[4096], hdr[8192];
    if (api_q(x, "path", path, sizeof path) == NULL || !*path)
        return api_error(x, 400, "path is required");
    if (path_stat_header(x, path, hdr, sizeof hdr) < 0)
        return 0;
    if (raw_body_begin(x, "application/x-tar", hdr) < 0)
        return -1;
    sk_error err;
    sk_container_archive(x->e, ID(x), path, x->c->fd, &err);
    return -1;
}

/* PUT: the body (a tar, maybe compressed) is fed through a pipe by a child
 * of ours while the engine unpacks it. */
static int archive_put(struct api_ctx *x)
{
    char path[4096];
    if (api_q(x, "path", path, sizeof path) == NULL || !*path)
        return api_error(x, 400, "path is required");
    json_t *st;
    sk_error err;
    if (sk_container_stat(x->e, ID(x), path, &st, &err) < 0)
        return api_fail(x, &err);
    bool dir = (json_integer_value(json_object_get(st, "mode")) & (1LL << 31)) != 0;
    json_decref(st);
    if (!dir)
        return api_error(x, 400, "extraction point is not a directory");
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return api_error(x, 500, "pipe: %s", strerror(errno));
    x->body_read = true;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return api_error(x, 500, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(p[0]);
        _exit(http_copy_body(x->c, x->r, p[1]) == 0 ? 0 : 1);
    }
    close(p[1]);
    int rc = sk_container_extract(x->e, ID(x), path, p[0], api_qbool(x, "copyUIDGID", false), &err);
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    x->c->closing = true; /* the child read the body: our buffer knows nothing of it */
    if (rc < 0)
        return api_fail(x, &err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return api_error(x, 400, "malformed request body");
    return api_empty(x, 200);
}

static int update(struct api_ctx *x)
{
    json_t *body;
    if (api_body_json(x, &body) < 0)
        return 0;
    sk_error err;
    int rc = sk_container_update(x->e, ID(x), body, &err);
    json_decref(body);
    if (rc < 0)
        return api_fail(x, &err);
    return api_json(x, 200, json_pack("{s:[]}", "Warnings"));
}

static int resize(struct api_ctx *x)
{
    int h = (int)api_qint(x, "h", 0), w = (int)api_qint(x, "w", 0);
    sk_error err;
    if (sk_container_resize(x->e, ID(x), h, w, &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 200);
}

const struct api_route api_container_routes[] = {
    {"POST", "/containers/create", create},
    {"GET", "/containers/json", list},
    {"POST", "/containers/prune", prune},
    {"GET", "/containers/{}/json", inspect},
    {"POST", "/containers/{}/start", start},
    {"POST", "/containers/{}/stop", stop},
    {"POST", "/containers/{}/restart", restart},
    {"POST", "/containers/{}/kill", kill_},
    {"POST", "/containers/{}/pause", pause_},
    {"POST", "/containers/{}/unpause", unpause},
    {"POST", "/containers/{}/rename", rename_},
    {"POST", "/containers/{}/wait", wait_},
    {"POST", "/containers/{}/resize", resize},
    {"POST", "/containers/{}/update", update},
    {"GET", "/containers/{}/logs", logs},
    {"GET", "/containers/{}/top", top},
    {"GET", "/containers/{}/stats", stats},
    {"GET", "/containers/{}/changes", changes},
    {"GET", "/containers/{}/export", export_},
    {"HEAD", "/containers/{}/archive", archive_head},
    {"GET", "/containers/{}/archive", archive_get},
    {"PUT", "/containers/{}/archive", archive_put},
    {"DELETE", "/containers/{}", remove_},
    {NULL, NULL, NULL},
};

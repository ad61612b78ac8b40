/* router.c - versions, routes, and the helpers every handler uses. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "util/json.h"
#include "util/log.h"

/* ---- answers ------------------------------------------------------------------------------ */

int api_json(struct api_ctx *x, int status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : strdup("null");
    json_decref(j);
    if (s == NULL)
        return http_respond(x->c, x->r, 500, "application/json", NULL,
                            "{\"message\":\"out of memory\"}\n", 28);
    size_t n = strlen(s);
    char *body = realloc(s, n + 2);
    if (body == NULL) {
        free(s);
        return -1;
    }
    body[n] = '\n';
    int rc = http_respond(x->c, x->r, status, "application/json", NULL, body, n + 1);
    free(body);
    return rc;
}

int api_empty(struct api_ctx *x, int status)
{
    return http_respond(x->c, x->r, status, status == 204 || status == 304 ? NULL : "text/plain",
                        NULL, "", 0);
}

int api_error(struct api_ctx *x, int status, const char *fmt, ...)
{
    char msg[SK_ERROR_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sk_log(status >= 500 ? SK_LOG_INFO : SK_LOG_DEBUG, "%s %s: %d %s", x->r->method, x->r->path, status, msg);
    return api_json(x, status, json_pack("{s:s}", "message", msg));
}

int api_status_of(const char *m)
{
    static const struct {
        const char *needle;
        int status;
    } map[] = {
        {"No such ", 404},
        {"not found", 404},
        {"is already in use", 409},
        {"already exists", 409},
        {"is not running", 409},
        {"is paused", 409},
        {"is running", 409},
        {"is restarting", 409},
        {"cannot remove", 409},
        {"conflict", 409},
        {"is in use", 409},
        {"has active endpoints", 409},
        {"is being used", 409},
        {"is a pre-defined network", 403},
        {"cannot be removed", 403},
        {"invalid", 400},
        {"Invalid", 400},
        {"must be", 400},
        {"not supported", 400},
        {"bad ", 400},
        {"malformed", 400},
        {"expected ", 400},
        {"unknown ", 400},
        {"overlaps", 400},
        {"is required", 400},
        {"No exec command", 400},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strstr(m, map[i].needle) != NULL)
            return map[i].status;
    return 500;
}

/* Go's error texts are lower case, and clients match them ("no such file
 * or directory" makes the docker CLI exit 127, "permission denied" 126). */
static void go_case(char *m)
{
    static const char *const texts[] = {"No such file or directory", "Permission denied",
                                        "Is a directory", "Not a directory"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (char *p = strstr(m, texts[i]); p != NULL; p = strstr(p + 1, texts[i]))
            *p = (char)(*p - 'A' + 'a');
}

int api_fail(struct api_ctx *x, const sk_error *err)
{
    char m[SK_ERROR_MAX];
    snprintf(m, sizeof m, "%s", err->msg);
    go_case(m);
    return api_error(x, api_status_of(m), "%s", m);
}

/* ---- the request -------------------------------------------------------------------------- */

const char *api_q(struct api_ctx *x, const char *key, char *buf, size_t cap)
{
    return http_query(x->r, key, buf, cap);
}

bool api_qbool(struct api_ctx *x, const char *key, bool def)
{
    char v[16];
    if (api_q(x, key, v, sizeof v) == NULL)
        return def;
    return strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0;
}

long long api_qint(struct api_ctx *x, const char *key, long long def)
{
    char v[32], *end;
    if (api_q(x, key, v, sizeof v) == NULL || !*v)
        return def;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    return errno || *end ? def : n;
}

int api_body_json(struct api_ctx *x, json_t **out)
{
    char *body;
    size_t len;
    int status = 400;
    *out = NULL;
    x->body_read = true;
    if (http_read_body(x->c, x->r, HTTP_MAX_BODY, &body, &len, &status) < 0) {
        api_error(x, status, status == 413 ? "request body too large" : "malformed request body");
        return -1;
    }
    size_t skip = strspn(body, " \t\r\n");
    if (skip == len) {
        free(body);
        *out = json_object();
        return 0;
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    free(body);
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        api_error(x, 400, "invalid JSON: %s", j ? "expected an object" : je.text);
        return -1;
    }
    *out = j;
    return 0;
}

int api_filters(struct api_ctx *x, json_t **out)
{
    *out = json_object();
    char *raw = malloc(65536);
    if (raw == NULL || *out == NULL) {
        free(raw);
        return api_error(x, 500, "out of memory"), -1;
    }
    if (api_q(x, "filters", raw, 65536) == NULL || !*raw) {
        free(raw);
        return 0;
    }
    json_error_t je;
    json_t *in = json_loads(raw, 0, &je);
    free(raw);
    if (in == NULL || !json_is_object(in)) {
        json_decref(in);
        api_error(x, 400, "invalid filter: %s", in ? "expected an object" : je.text);
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        json_t *list = json_array();
        if (json_is_array(v)) {
            size_t i;
            json_t *s;
            json_array_foreach(v, i, s) if (json_is_string(s)) json_array_append(list, s);
        } else if (json_is_object(v)) {
            const char *vk;
            json_t *b;
            json_object_foreach(v, vk, b) if (json_is_true(b)) json_array_append_new(list, json_string(vk));
        } else if (json_is_string(v)) {
            json_array_append(list, v);
        } else {
            json_decref(list);
            json_decref(in);
            api_error(x, 400, "invalid filter '%s'", k);
            return -1;
        }
        json_object_set_new(*out, k, list);
    }
    json_decref(in);
    return 0;
}

int api_keep_matching(struct api_ctx *x, json_t *list, json_t *filters, const char *const *kinds,
                      size_t limit, api_match match, void *ud, json_t **out)
{
    *out = json_array();
    const char *bad = NULL;
    const char *kind;
    json_t *vals;
    json_object_foreach(filters, kind, vals) /* up front: also with nothing to match */
    {
        const char *const *k = kinds;
        while (k != NULL && *k != NULL && strcmp(*k, kind) != 0)
            k++;
        if (k != NULL && *k == NULL && bad == NULL)
            bad = kind;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if ((limit > 0 && json_array_size(*out) >= limit) || bad != NULL)
            break;
        if (match(ud, v, filters, &bad) && bad == NULL)
            json_array_append(*out, v);
    }
    int rc = 0;
    if (bad != NULL) {
        api_error(x, 400, "invalid filter '%s'", bad);
        json_decref(*out);
        *out = NULL;
        rc = -1;
    }
    json_decref(list);
    json_decref(filters);
    return rc;
}

const char *api_filter_first(json_t *filters, const char *kind)
{
    return json_string_value(json_array_get(json_object_get(filters, kind), 0));
}

/* ---- routing ------------------------------------------------------------------------------ */

#define MAX_SEGS 64

static size_t split(char *path, char **seg)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(path, "/", &save); t && n < MAX_SEGS;
         t = strtok_r(NULL, "/", &save))
        seg[n++] = t;
    return n;
}

/* Match the segments; "{}" takes one, "{*}" one or more (what the pattern's
 * remaining segments leave).  Captures are written into caps (joined with
 * '/' for "{*}") and x->param points at them. */
static bool match(const char *pattern, char **seg, size_t n, struct api_ctx *x, char caps[][1024])
{
    char pat[256];
    char *ps[MAX_SEGS];
    snprintf(pat, sizeof pat, "%s", pattern);
    size_t np = split(pat, ps);
    size_t si = 0, ncap = 0;
    for (size_t pi = 0; pi < np; pi++) {
        if (strcmp(ps[pi], "{*}") == 0) {
            if (ncap >= API_MAX_PARAMS)
                return false;
            size_t rest = np - pi - 1;
            if (n < si + 1 + rest)
                return false;
            size_t take = n - si - rest;
            caps[ncap][0] = '\0';
            size_t len = 0;
            for (size_t k = 0; k < take; k++) {
                int w = snprintf(caps[ncap] + len, 1024 - len, "%s%s", k ? "/" : "", seg[si + k]);
                if (w < 0 || (size_t)w >= 1024 - len)
                    return false;
                len += (size_t)w;
            }
            x->param[ncap] = caps[ncap];
            ncap++;
            si += take;
            continue;
        }
        if (si >= n)
            return false;
        if (strcmp(ps[pi], "{}") == 0) {
            if (ncap >= API_MAX_PARAMS || strlen(seg[si]) >= 1024)
                return false;
            snprintf(caps[ncap], 1024, "%s", seg[si]);
            x->param[ncap] = caps[ncap];
            ncap++;
        } else if (strcmp(ps[pi], seg[si]) != 0) {
            return false;
        }
        si++;
    }
    return si == n;
}

static const struct api_route *const tables[] = {
    api_system_routes,  api_container_routes, api_stream_routes,
    api_image_routes,   api_network_routes,   api_volume_routes,
};

/* "/v1.43/containers/json" -> version 43, path "/containers/json" */
static int strip_version(struct api_ctx *x, char **path)
{
    x->version = API_VERSION_MAX;
    char *p = *path;
    if (strncmp(p, "/v", 2) != 0 || !(p[2] >= '0' && p[2] <= '9'))
        return 0;
    char *end;
    long major = strtol(p + 2, &end, 10);
    long minor = 0;
    if (*end == '.')
        minor = strtol(end + 1, &end, 10);
    if (*end != '/' && *end != '\0')
        return 0;
    if (major != 1 || minor > API_VERSION_MAX)
        return api_error(x, 400, "client version %ld.%ld is too new. Maximum supported API version is 1.%d",
                         major, minor, API_VERSION_MAX), -1;
    if (minor < API_VERSION_MIN)
        return api_error(x, 400, "client version %ld.%ld is too old. Minimum supported API version is 1.%d, "
                         "please upgrade your client to a newer version", major, minor, API_VERSION_MIN), -1;
    x->version = (int)minor;
    *path = end;
    return 0;
}

int api_dispatch(struct api_ctx *x)
{
    char *path = x->r->path;
    if (strip_version(x, &path) < 0)
        return x->c->closing ? -1 : 0;
    char copy[8192];
    if (strlen(path) >= sizeof copy)
        return api_error(x, 400, "path too long");
    snprintf(copy, sizeof copy, "%s", path);
    char *seg[MAX_SEGS];
    size_t n = split(copy, seg);
    static char caps[API_MAX_PARAMS][1024];
    bool path_known = false;
    /* HEAD: a HEAD route, else the GET route (whose body is not sent) */
    bool head = strcmp(x->r->method, "HEAD") == 0;
    for (int pass = 0; pass < (head ? 2 : 1); pass++) {
        const char *m = pass ? "GET" : x->r->method;
        for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
            for (const struct api_route *rt = tables[t]; rt->method; rt++) {
                if (!match(rt->pattern, seg, n, x, caps))
                    continue;
                path_known = true;
                if (strcmp(rt->method, m) == 0)
                    return rt->fn(x);
            }
    }
    if (path_known)
        return api_error(x, 405, "method %s not allowed for %s", x->r->method, path);
    sk_log(SK_LOG_DEBUG, "%s %s: no route", x->r->method, x->r->path);
    return api_error(x, 404, "page not found");
}

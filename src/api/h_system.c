/* h_system.c - /_ping, /version, /info, /events, /system/df, /build/prune, /auth, /plugins. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "api/api_int.h"
#include "config.h"
#include "image/registry.h"
#include "util/json.h"
#include "util/timefmt.h"

static int ping(struct api_ctx *x)
{
    static const char h[] = "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n"
                            "Builder-Version: \r\nSwarm: inactive\r\n";
    return http_respond(x->c, x->r, 200, "text/plain; charset=utf-8", h, "OK", 2);
}

static const char *go_arch(const char *machine)
{
    if (strcmp(machine, "x86_64") == 0)
        return "amd64";
    if (strcmp(machine, "aarch64") == 0)
        return "arm64";
    if (strncmp(machine, "armv", 4) == 0)
        return "arm";
    return machine;
}

static int version(struct api_ctx *x)
{
    struct utsname u;
    uname(&u);
    char api[8], min[8];
    snprintf(api, sizeof api, "1.%d", API_VERSION_MAX);
    snprintf(min, sizeof min, "1.%d", API_VERSION_MIN);
    json_t *details = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ApiVersion", api,
                                "MinAPIVersion", min, "GitCommit", SKIFF_COMMIT, "GoVersion", "n/a (C11)",
                                "Os", "linux", "Arch", go_arch(u.machine), "KernelVersion", u.release);
    return api_json(x, 200, json_pack("{s:{s:s}, s:[{s:s, s:s, s:o}], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                                      "Platform", "Name", "skiff", "Components", "Name", "Engine",
                                      "Version", SKIFF_VERSION, "Details", details, "Version",
                                      SKIFF_VERSION, "ApiVersion", api, "MinAPIVersion", min,
                                      "GitCommit", SKIFF_COMMIT, "GoVersion", "n/a (C11)", "Os", "linux",
                                      "Arch", go_arch(u.machine), "KernelVersion", u.release));
}

static int info(struct api_ctx *x)
{
    sk_error err;
    json_t *j;
    if (sk_system_info(x->e, &j, &err) < 0)
        return api_fail(x, &err);
    return api_json(x, 200, j);
}

/* ---- events -------------------------------------------------------------------------------- */

static int event_out(void *ud, json_t *ev)
{
    struct api_ctx *x = ud;
    char *s = json_dumps(ev, JSON_COMPACT);
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    s[n] = '\n'; /* json_dumps leaves room: the NUL */
    int rc = http_chunk(x->c, s, n + 1);
    free(s);
    return rc < 0 ? 1 : 0;
}

static int64_t time_param(struct api_ctx *x, const char *key)
{
    char v[64];
    if (api_q(x, key, v, sizeof v) == NULL || !*v)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t t = sk_parse_since(v, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    return t < 0 ? -1 : t;
}

static int events(struct api_ctx *x)
{
    int64_t since = time_param(x, "since"), until = time_param(x, "until");
    if (since < 0 || until < 0)
        return api_error(x, 400, "invalid since or until: a unix time, an RFC 3339 time or a duration");
    json_t *filters = NULL;
    if (api_filters(x, &filters) < 0)
        return 0;
    x->c->closing = true;
    if (http_chunked_begin(x->c, 200, "application/json", NULL) < 0) {
        json_decref(filters);
        return -1;
    }
    sk_error err;
    int rc = sk_events(x->e, since, until, filters, true, event_out, x, &err);
    json_decref(filters);
    if (rc < 0)
        return -1;
    return http_chunked_end(x->c);
}

/* ---- df, auth, plugins --------------------------------------------------------------------- */

static int system_df(struct api_ctx *x)
{
    sk_error err;
    json_t *df;
    if (sk_system_df(x->e, &df, &err) < 0)
        return api_fail(x, &err);
    return api_json(x, 200, df);
}

static int auth(struct api_ctx *x)
{
    json_t *b;
    if (api_body_json(x, &b) < 0)
        return 0;
    const char *user = json_string_value(json_object_get(b, "username"));
    const char *pass = json_string_value(json_object_get(b, "password"));
    const char *server = json_string_value(json_object_get(b, "serveraddress"));
    if (server == NULL || !*server || strstr(server, "index.docker.io") != NULL)
        server = "docker.io";
    const char *host = strstr(server, "://") ? strstr(server, "://") + 3 : server;
    char reg[256];
    snprintf(reg, sizeof reg, "%s", host);
    reg[strcspn(reg, "/")] = '\0';
    sk_error err;
    int rc = registry_login(reg, user ? user : "", pass ? pass : "", sk_engine_insecure(x->e), &err);
    json_decref(b);
    if (rc < 0)
        return api_error(x, strstr(err.msg, "unauthorized") || strstr(err.msg, "401") ? 401 : 500, "%s", err.msg);
    return api_json(x, 200, json_pack("{s:s, s:s}", "Status", "Login Succeeded", "IdentityToken", ""));
}

/* skiff builds no images, so it keeps no build cache: nothing to prune
 * (docker's `system prune` asks for it after the rest). */
static int build_prune(struct api_ctx *x)
{
    return api_json(x, 200, json_pack("{s:[], s:i}", "CachesDeleted", "SpaceReclaimed", 0));
}

static int plugins(struct api_ctx *x)
{
    return api_json(x, 200, json_array());
}

const struct api_route api_system_routes[] = {
    {"GET", "/_ping", ping},
    {"GET", "/version", version},
    {"GET", "/info", info},
    {"GET", "/events", events},
    {"GET", "/system/df", system_df},
    {"POST", "/build/prune", build_prune},
    {"POST", "/auth", auth},
    {"GET", "/plugins", plugins},
    {NULL, NULL, NULL},
};

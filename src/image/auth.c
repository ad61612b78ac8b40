/* auth.c - registry credentials in docker's config.json ("auths"). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/regclient.h"
#include "image/registry.h"
#include "util/base64.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

void registry_auth_path(const char *override, char *buf, size_t cap)
{
    const char *dc = getenv("DOCKER_CONFIG");
    const char *home = getenv("HOME");
    if (override != NULL && *override)
        snprintf(buf, cap, "%s", override);
    else if (dc != NULL && *dc)
        snprintf(buf, cap, "%s/config.json", dc);
    else
        snprintf(buf, cap, "%s/.docker/config.json", home && *home ? home : "/root");
}

/* Docker keys Docker Hub as "https://index.docker.io/v1/". */
static const char *auth_key(const char *registry)
{
    if (strcmp(registry, "docker.io") == 0 || strcmp(registry, "registry-1.docker.io") == 0 ||
        strcmp(registry, "index.docker.io") == 0)
        return "https://index.docker.io/v1/";
    return registry;
}

/* Keys may be "host", "host:port", or URLs with a scheme and a path. */
static bool same_registry(const char *key, const char *registry)
{
    if (strcmp(key, auth_key(registry)) == 0)
        return true;
    const char *k = key;
    if (strncmp(k, "https://", 8) == 0)
        k += 8;
    else if (strncmp(k, "http://", 7) == 0)
        k += 7;
    size_t n = strcspn(k, "/");
    return strlen(registry) == n && strncmp(k, registry, n) == 0;
}

static json_t *load_config(const char *path, sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (sk_read_file(path, 4 << 20, &buf, &len, err) < 0) {
        if (errno != ENOENT)
            return NULL;
        return json_object();
    }
    json_t *cfg = sk_json_parse(buf, len, path, err);
    if (cfg != NULL && !json_is_object(cfg)) {
        json_decref(cfg);
        sk_err(err, 0, "%s: not a JSON object", path);
        return NULL;
    }
    return cfg;
}

int registry_auth_load(const char *path, const char *registry, char **creds, sk_error *err)
{
    *creds = NULL;
    _cleanup_json_ json_t *cfg = load_config(path, err);
    if (cfg == NULL)
        return -1;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(cfg, "auths"), k, v)
    {
        if (!same_registry(k, registry))
            continue;
        const char *a = json_string_value(json_object_get(v, "auth"));
        if (a == NULL || !*a)
            continue;
        size_t n;
        unsigned char *dec = sk_base64_decode(a, &n);
        if (dec == NULL || memchr(dec, ':', n) == NULL || memchr(dec, '\0', n) != NULL) {
            free(dec);
            return sk_err(err, 0, "%s: the credentials of %s are not base64 \"user:password\"", path,
                          k);
        }
        *creds = (char *)dec;
        return 0;
    }
    return 0;
}

int registry_auth_store(const char *path, const char *registry, const char *user, const char *pass,
                        bool *removed, sk_error *err)
{
    _cleanup_json_ json_t *cfg = load_config(path, err);
    if (cfg == NULL)
        return -1;
    json_t *auths = json_object_get(cfg, "auths");
    if (!json_is_object(auths)) {
        auths = json_object();
        json_object_set_new(cfg, "auths", auths);
    }
    /* every spelling of this registry goes first */
    const char *k;
    json_t *v;
    void *tmp;
    bool found = false;
    json_object_foreach_safe(auths, tmp, k, v)
    {
        if (same_registry(k, registry)) {
            json_object_del(auths, k);
            found = true;
        }
    }
    if (removed != NULL)
        *removed = found;
    if (user != NULL) {
        _cleanup_free_ char *up = sk_strdup_printf("%s:%s", user, pass ? pass : "");
        _cleanup_free_ char *enc = up ? sk_base64_encode(up, strlen(up)) : NULL;
        if (enc == NULL)
            return sk_err(err, ENOMEM, "credentials");
        json_object_set_new(auths, auth_key(registry), json_pack("{s:s}", "auth", enc));
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (sk_mkdir_p(dir, 0700, err) < 0)
            return -1;
    }
    _cleanup_free_ char *text = json_dumps(cfg, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return sk_err(err, ENOMEM, "credentials");
    return sk_write_atomic(path, text, strlen(text), 0600, SK_DURABLE, err);
}

/* links.c - docker's legacy links (`--link name[:alias]`, HostConfig.Links).
 *
 * At create the linked container must be running; the link is recorded as
 * docker shows it ("/redis:/web/db") with what it resolved to
 * (SkiffLinks: alias, id, name, ip).  The linking container then has an
 * /etc/hosts line for it ("IP alias hostname name"); on the default
 * bridge also docker's environment (DB_PORT=tcp://IP:6379,
 * DB_PORT_6379_TCP_ADDR=IP, ..., DB_NAME=/web/db, DB_ENV_K=V); on a
 * user-defined network the alias is a name its name server answers (for
 * this container only).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine_int.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strutil.h"

static int by_port(const void *a, const void *b)
{
    const char *x = json_string_value(*(json_t *const *)a), *y = json_string_value(*(json_t *const *)b);
    long px = strtol(x, NULL, 10), py = strtol(y, NULL, 10);
    return px != py ? (px < py ? -1 : 1) : strcmp(x, y);
}

static void add_env(json_t *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_env(json_t *env, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) >= 0) {
        json_array_append_new(env, json_string(s));
        free(s);
    }
    va_end(ap);
}

/* docker's link environment (moby's links.ToEnv) */
static void link_env(json_t *env, const char *alias, const char *link_name, const char *ip,
                     json_t *child_cfg)
{
    char up[256];
    size_t n = 0;
    for (; alias[n] && n < sizeof up - 1; n++)
        up[n] = alias[n] == '-' ? '_' : (char)toupper((unsigned char)alias[n]);
    up[n] = '\0';
    json_t *ports = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(child_cfg, "ExposedPorts"), k, v) json_array_append_new(ports, json_string(k));
    size_t np = json_array_size(ports);
    json_t **sorted = np ? calloc(np, sizeof *sorted) : NULL;
    for (size_t i = 0; sorted && i < np; i++)
        sorted[i] = json_array_get(ports, i);
    if (sorted)
        qsort(sorted, np, sizeof *sorted, by_port);
    for (size_t i = 0; sorted && i < np; i++) {
        char port[16], proto[8] = "tcp", uproto[8];
        if (sscanf(json_string_value(sorted[i]), "%15[0-9]/%7s", port, proto) < 1)
            continue;
        for (size_t j = 0; j < sizeof uproto; j++)
            uproto[j] = (char)toupper((unsigned char)proto[j]);
        if (i == 0)
            add_env(env, "%s_PORT=%s://%s:%s", up, proto, ip, port);
        add_env(env, "%s_PORT_%s_%s=%s://%s:%s", up, port, uproto, proto, ip, port);
        add_env(env, "%s_PORT_%s_%s_ADDR=%s", up, port, uproto, ip);
        add_env(env, "%s_PORT_%s_%s_PORT=%s", up, port, uproto, port);
        add_env(env, "%s_PORT_%s_%s_PROTO=%s", up, port, uproto, proto);
    }
    free(sorted);
    json_decref(ports);
    add_env(env, "%s_NAME=%s", up, link_name);
    size_t i;
    json_array_foreach(json_object_get(child_cfg, "Env"), i, v) {
        const char *e = json_string_value(v), *eq = e ? strchr(e, '=') : NULL;
        if (eq == NULL || (eq - e == 4 && (!strncmp(e, "HOME", 4) || !strncmp(e, "PATH", 4))))
            continue;
        add_env(env, "%s_ENV_%s", up, e);
    }
}

/* The linked container's address on a network this one is on, else its first. */
static const char *shared_ip(struct ctr *self, struct ctr *child)
{
    const char *net;
    json_t *ep;
    json_object_foreach(ctr_networks(self), net, ep)
    {
        const char *ip = json_string_value(json_object_get(json_object_get(ctr_networks(child), net), "IPAddress"));
        if (ip != NULL && *ip)
            return ip;
    }
    return ctr_ip(child);
}

int ctr_resolve_links(struct sk_engine *e, struct ctr *c, sk_error *err)
{
    json_t *hc = json_object_get(c->cfg, "HostConfig");
    json_t *links = json_object_get(hc, "Links");
    if (json_array_size(links) == 0)
        return 0;
    const char *self = json_string_value(json_object_get(c->cfg, "Name"));
    const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
    bool legacy = mode == NULL || strcmp(mode, "bridge") == 0;
    json_t *env = json_object_get(json_object_get(c->cfg, "Config"), "Env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(json_object_get(c->cfg, "Config"), "Env", env);
    }
    json_t *out = json_array(), *resolved = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l)
    {
        const char *s = json_string_value(l);
        char target[256], alias[256];
        if (s == NULL || sscanf(s[0] == '/' ? s + 1 : s, "%255[^:]:%255s", target, alias) < 1) {
            json_decref(out);
            json_decref(resolved);
            return sk_err(err, 0, "invalid link: \"%s\"", s ? s : "");
        }
        if (strchr(s, ':') == NULL)
            snprintf(alias, sizeof alias, "%s", target);
        if (alias[0] == '/') /* "/redis:/web/db" as inspect shows it */
            memmove(alias, strrchr(alias, '/') + 1, strlen(strrchr(alias, '/')));
        _cleanup_(ctr_freep) struct ctr *child = NULL;
        if (ctr_find(e, target, &child, NULL) < 0 || !ctr_is_running(child)) {
            json_decref(out);
            json_decref(resolved);
            return sk_err(err, 0, "Cannot link to a non running container: /%s AS %s/%s", target,
                          self ? self : "", alias);
        }
        const char *cname = json_string_value(json_object_get(child->cfg, "Name"));
        const char *ip = shared_ip(c, child);
        char shown[600];
        snprintf(shown, sizeof shown, "%s:%s/%s", cname ? cname : "", self ? self : "", alias);
        json_array_append_new(out, json_string(shown));
        json_array_append_new(resolved, json_pack("{s:s, s:s, s:s, s:s, s:s}", "Alias", alias, "Id", child->id,
                                                  "Name", cname ? cname + 1 : "", "Hostname",
                                                  json_string_value(json_object_get(json_object_get(child->cfg, "Config"), "Hostname")) ?: "",
                                                  "IP", ip ? ip : ""));
        if (legacy && ip != NULL && *ip)
            link_env(env, alias, shown + strlen(cname ? cname : "") + 1, ip, json_object_get(child->cfg, "Config"));
    }
    json_object_set_new(hc, "Links", out);
    json_object_set_new(c->cfg, "SkiffLinks", resolved);
    return 0;
}

void ctr_link_hosts(struct ctr *c, struct strbuf *b)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(c->cfg, "SkiffLinks"), i, l)
    {
        const char *ip = json_string_value(json_object_get(l, "IP")), *alias = json_string_value(json_object_get(l, "Alias"));
        const char *host = json_string_value(json_object_get(l, "Hostname")), *name = json_string_value(json_object_get(l, "Name"));
        if (ip == NULL || !*ip || alias == NULL)
            continue;
        sb_printf(b, "%s\t%s", ip, alias);
        if (host != NULL && *host)
            sb_printf(b, " %s", host);
        if (name != NULL && *name && strcmp(name, alias) != 0)
            sb_printf(b, " %s", name);
        sb_puts(b, "\n");
    }
}

bool ctr_link_alias(struct ctr *c, const char *want, const char *id)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(c->cfg, "SkiffLinks"), i, l)
    {
        const char *alias = json_string_value(json_object_get(l, "Alias"));
        if (alias != NULL && strcasecmp(alias, want) == 0 &&
            sk_streq(json_string_value(json_object_get(l, "Id")), id))
            return true;
    }
    return false;
}

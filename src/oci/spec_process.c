/* spec_process.c - the "process" object: args, env, user, caps, rlimits. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "oci/caps.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"

static const struct {
    const char *name;
    int res;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

static int rlimit_parse(const char *name)
{
    for (size_t i = 0; i < SK_ARRAY_SIZE(rlimit_names); i++)
        if (strcmp(rlimit_names[i].name, name) == 0)
            return rlimit_names[i].res;
    return -1;
}

static int parse_cap_set(json_t *caps, const char *key, uint64_t *mask, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(caps, key, "process.capabilities", &arr, err);
    if (r <= 0)
        return r;
    size_t i;
    json_t *v = NULL;
    int last = oci_cap_last();
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            return sk_err(err, 0, "process.capabilities.%s[%zu]: expected a string", key, i);
        const char *name = json_string_value(v);
        int cap = oci_cap_parse(name);
        if (cap < 0 || strncasecmp(name, "CAP_", 4) != 0) {
            sk_warn("process.capabilities.%s: unknown capability \"%s\" ignored", key, name);
            continue;
        }
        if (cap > last) {
            sk_warn("process.capabilities.%s: %s is not supported by this kernel, ignored", key,
                    name);
            continue;
        }
        *mask |= 1ULL << cap;
    }
    return 1;
}

static int parse_caps(json_t *proc, struct oci_process *p, sk_error *err)
{
    json_t *caps = NULL;
    int r = sk_json_object(proc, "capabilities", "process", &caps, err);
    if (r <= 0)
        return r;
    p->has_caps = true;
    if (parse_cap_set(caps, "bounding", &p->caps.bounding, err) < 0 ||
        parse_cap_set(caps, "effective", &p->caps.effective, err) < 0 ||
        parse_cap_set(caps, "inheritable", &p->caps.inheritable, err) < 0 ||
        parse_cap_set(caps, "permitted", &p->caps.permitted, err) < 0 ||
        parse_cap_set(caps, "ambient", &p->caps.ambient, err) < 0)
        return -1;
    return 0;
}

static int parse_rlimits(json_t *proc, struct oci_process *p, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(proc, "rlimits", "process", &arr, err);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    p->rlimits = calloc(n ? n : 1, sizeof *p->rlimits);
    if (p->rlimits == NULL)
        return sk_err(err, ENOMEM, "process.rlimits");
    size_t i;
    json_t *v = NULL;
    json_array_foreach(arr, i, v)
    {
        char ctx[64];
        snprintf(ctx, sizeof ctx, "process.rlimits[%zu]", i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        const char *type = NULL;
        if (sk_json_string(v, "type", ctx, &type, err) < 0)
            return -1;
        if (type == NULL)
            return sk_err(err, 0, "%s.type: missing", ctx);
        int res = rlimit_parse(type);
        if (res < 0)
            return sk_err(err, 0, "%s.type: unknown rlimit \"%s\"", ctx, type);
        for (size_t k = 0; k < p->n_rlimits; k++)
            if (p->rlimits[k].resource == res)
                return sk_err(err, 0, "%s.type: %s given twice", ctx, type);
        struct oci_rlimit *rl = &p->rlimits[p->n_rlimits];
        int rs = sk_json_u64(v, "soft", ctx, &rl->soft, err);
        if (rs <= 0)
            return rs < 0 ? -1 : sk_err(err, 0, "%s.soft: missing", ctx);
        rs = sk_json_u64(v, "hard", ctx, &rl->hard, err);
        if (rs <= 0)
            return rs < 0 ? -1 : sk_err(err, 0, "%s.hard: missing", ctx);
        if (rl->soft > rl->hard)
            return sk_err(err, 0, "%s: soft limit %llu is above the hard limit %llu", ctx,
                          (unsigned long long)rl->soft, (unsigned long long)rl->hard);
        rl->resource = res;
        p->n_rlimits++;
    }
    return 0;
}

static int parse_user(json_t *proc, struct oci_process *p, sk_error *err)
{
    json_t *user = NULL;
    int r = sk_json_object(proc, "user", "process", &user, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return sk_err(err, 0, "process.user: missing");
    if (sk_json_u32(user, "uid", "process.user", &p->uid, err) < 0 ||
        sk_json_u32(user, "gid", "process.user", &p->gid, err) < 0)
        return -1;
    if ((uint32_t)p->uid == UINT32_MAX || (uint32_t)p->gid == UINT32_MAX)
        return sk_err(err, 0, "process.user: uid/gid 4294967295 is not a valid id");
    r = sk_json_u64(user, "umask", "process.user", &p->umask.v, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        if (p->umask.v > 0777)
            return sk_err(err, 0, "process.user.umask: %llu is out of range",
                          (unsigned long long)p->umask.v);
        p->umask.set = true;
    }
    json_t *gids = NULL;
    r = sk_json_array(user, "additionalGids", "process.user", &gids, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        size_t n = json_array_size(gids);
        p->additional_gids = calloc(n ? n : 1, sizeof(gid_t));
        if (p->additional_gids == NULL)
            return sk_err(err, ENOMEM, "process.user.additionalGids");
        for (size_t i = 0; i < n; i++) {
            uint64_t g;
            char ctx[64];
            snprintf(ctx, sizeof ctx, "process.user.additionalGids[%zu]", i);
            if (sk_json_as_u64(json_array_get(gids, i), ctx, &g, err) < 0)
                return -1;
            if (g >= UINT32_MAX)
                return sk_err(err, 0, "%s: %llu is out of range", ctx, (unsigned long long)g);
            p->additional_gids[i] = (gid_t)g;
        }
        p->n_additional_gids = n;
    }
    return 0;
}

int oci_process_parse(json_t *proc, const char *ctx, struct oci_process *p, sk_error *err)
{
    memset(p, 0, sizeof *p);
    const char *s = NULL;
    json_t *obj = NULL;
    if (!json_is_object(proc))
        return sk_err(err, 0, "%s: expected an object", ctx);
    if (sk_json_bool(proc, "terminal", "process", &p->terminal, err) < 0)
        return -1;
    int r = sk_json_object(proc, "consoleSize", "process", &obj, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        uint32_t h = 0, w = 0;
        if (sk_json_u32(obj, "height", "process.consoleSize", &h, err) < 0 ||
            sk_json_u32(obj, "width", "process.consoleSize", &w, err) < 0)
            return -1;
        if (h > 65535 || w > 65535)
            return sk_err(err, 0, "process.consoleSize: out of range");
        p->console_height = h;
        p->console_width = w;
    }
    if (sk_json_strv(proc, "args", "process", &p->args, err) < 0)
        return -1;
    if (p->args == NULL || p->args[0] == NULL)
        return sk_err(err, 0, "process.args: must name the program to run");
    if (p->args[0][0] == '\0')
        return sk_err(err, 0, "process.args[0]: must not be empty");
    if (sk_json_strv(proc, "env", "process", &p->env, err) < 0)
        return -1;
    for (size_t i = 0; p->env != NULL && p->env[i] != NULL; i++)
        if (strchr(p->env[i], '=') == NULL || p->env[i][0] == '=')
            return sk_err(err, 0, "process.env[%zu]: \"%s\" is not NAME=value", i, p->env[i]);
    r = sk_json_string(proc, "cwd", "process", &s, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return sk_err(err, 0, "process.cwd: missing");
    if (s[0] != '/')
        return sk_err(err, 0, "process.cwd: \"%s\" is not an absolute path", s);
    if ((p->cwd = strdup(s)) == NULL)
        return sk_err(err, ENOMEM, "process.cwd");
    if (parse_user(proc, p, err) < 0 || parse_caps(proc, p, err) < 0 ||
        parse_rlimits(proc, p, err) < 0)
        return -1;
    if (sk_json_bool(proc, "noNewPrivileges", "process", &p->no_new_privileges, err) < 0)
        return -1;
    r = sk_json_i64(proc, "oomScoreAdj", "process", &p->oom_score_adj.v, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        if (p->oom_score_adj.v < -1000 || p->oom_score_adj.v > 1000)
            return sk_err(err, 0, "process.oomScoreAdj: %lld is outside -1000..1000",
                          (long long)p->oom_score_adj.v);
        p->oom_score_adj.set = true;
    }
    s = NULL;
    if (sk_json_string(proc, "apparmorProfile", "process", &s, err) < 0)
        return -1;
    if (s != NULL && *s != '\0' && (p->apparmor_profile = strdup(s)) == NULL)
        return sk_err(err, ENOMEM, "process");
    s = NULL;
    if (sk_json_string(proc, "selinuxLabel", "process", &s, err) < 0)
        return -1;
    if (s != NULL && *s != '\0' && (p->selinux_label = strdup(s)) == NULL)
        return sk_err(err, ENOMEM, "process");
    return 0;
}

void oci_process_clear(struct oci_process *p)
{
    sk_strv_free(p->args);
    sk_strv_free(p->env);
    free(p->cwd);
    free(p->additional_gids);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    memset(p, 0, sizeof *p);
}

const char *oci_env_get(char *const *env, const char *name)
{
    size_t l = strlen(name);
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        if (strncmp(env[i], name, l) == 0 && env[i][l] == '=')
            return env[i] + l + 1;
    return NULL;
}

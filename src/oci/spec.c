/* spec.c - config.json: the document, root, mounts, hooks, sysctl rules. */
#define _GNU_SOURCE
#include "oci/spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#define CONFIG_MAX (16u << 20)

int oci_req_u32(json_t *obj, const char *key, const char *ctx, uint32_t *out, sk_error *err)
{
    int r = sk_json_u32(obj, key, ctx, out, err);
    return r > 0 ? 0 : r < 0 ? -1 : sk_err(err, 0, "%s%s%s: missing", ctx, *ctx ? "." : "", key);
}

int oci_req_u64(json_t *obj, const char *key, const char *ctx, uint64_t *out, sk_error *err)
{
    int r = sk_json_u64(obj, key, ctx, out, err);
    return r > 0 ? 0 : r < 0 ? -1 : sk_err(err, 0, "%s%s%s: missing", ctx, *ctx ? "." : "", key);
}

int oci_req_i64(json_t *obj, const char *key, const char *ctx, int64_t *out, sk_error *err)
{
    int r = sk_json_i64(obj, key, ctx, out, err);
    return r > 0 ? 0 : r < 0 ? -1 : sk_err(err, 0, "%s%s%s: missing", ctx, *ctx ? "." : "", key);
}

int oci_req_string(json_t *obj, const char *key, const char *ctx, const char **out, sk_error *err)
{
    int r = sk_json_string(obj, key, ctx, out, err);
    return r > 0 ? 0 : r < 0 ? -1 : sk_err(err, 0, "%s%s%s: missing", ctx, *ctx ? "." : "", key);
}

static const char *const hook_names[OCI_HOOK_COUNT] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_hook_name(enum oci_hook_kind k)
{
    return hook_names[k];
}

static char *dup_or_null(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}

static int parse_mounts(json_t *root, struct oci_spec *s, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(root, "mounts", "", &arr, err);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    s->mounts = calloc(n ? n : 1, sizeof *s->mounts);
    if (s->mounts == NULL)
        return sk_err(err, ENOMEM, "mounts");
    for (size_t i = 0; i < n; i++) {
        char ctx[48];
        json_t *v = json_array_get(arr, i), *opts = NULL;
        struct oci_mount *m = &s->mounts[i];
        const char *dst = NULL, *type = NULL, *src = NULL;
        snprintf(ctx, sizeof ctx, "mounts[%zu]", i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        s->n_mounts = i + 1;
        if (oci_req_string(v, "destination", ctx, &dst, err) < 0 ||
            sk_json_string(v, "type", ctx, &type, err) < 0 ||
            sk_json_string(v, "source", ctx, &src, err) < 0 ||
            sk_json_array(v, "options", ctx, &opts, err) < 0)
            return -1;
        if (dst[0] != '/')
            return sk_err(err, 0, "%s.destination: \"%s\" is not an absolute path", ctx, dst);
        if (strlen(dst) >= PATH_MAX)
            return sk_err(err, 0, "%s.destination: too long", ctx);
        if ((m->destination = strdup(dst)) == NULL || (m->type = dup_or_null(type), type && !m->type) ||
            (m->source = dup_or_null(src), src && !m->source))
            return sk_err(err, ENOMEM, "%s", ctx);
        if (oci_mount_options(opts, ctx, m, err) < 0)
            return -1;
        if (m->type != NULL && strcmp(m->type, "bind") == 0)
            m->bind = true;
        if (m->bind && (m->source == NULL || m->source[0] == '\0'))
            return sk_err(err, 0, "%s: a bind mount needs a source", ctx);
        if (!m->bind && (m->type == NULL || m->type[0] == '\0'))
            return sk_err(err, 0, "%s: type is required for \"%s\"", ctx, dst);
    }
    return 0;
}

static int parse_hook_list(json_t *hooks, enum oci_hook_kind k, struct oci_spec *s, sk_error *err)
{
    json_t *arr = NULL;
    char ctx0[48];
    snprintf(ctx0, sizeof ctx0, "hooks.%s", hook_names[k]);
    int r = sk_json_array(hooks, hook_names[k], "hooks", &arr, err);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    s->hooks[k] = calloc(n ? n : 1, sizeof **s->hooks);
    if (s->hooks[k] == NULL)
        return sk_err(err, ENOMEM, "%s", ctx0);
    for (size_t i = 0; i < n; i++) {
        char ctx[64];
        json_t *v = json_array_get(arr, i);
        struct oci_hook *h = &s->hooks[k][i];
        const char *path = NULL;
        int64_t timeout = 0;
        snprintf(ctx, sizeof ctx, "%s[%zu]", ctx0, i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        s->n_hooks[k] = i + 1;
        if (oci_req_string(v, "path", ctx, &path, err) < 0)
            return -1;
        if (path[0] != '/')
            return sk_err(err, 0, "%s.path: \"%s\" is not an absolute path", ctx, path);
        if ((h->path = strdup(path)) == NULL)
            return sk_err(err, ENOMEM, "%s", ctx);
        if (sk_json_strv(v, "args", ctx, &h->args, err) < 0 ||
            sk_json_strv(v, "env", ctx, &h->env, err) < 0)
            return -1;
        int t = sk_json_i64(v, "timeout", ctx, &timeout, err);
        if (t < 0)
            return -1;
        if (t > 0 && (timeout <= 0 || timeout > INT_MAX))
            return sk_err(err, 0, "%s.timeout: must be a positive number of seconds", ctx);
        h->timeout = (int)timeout;
    }
    return 0;
}

static int parse_hooks(json_t *root, struct oci_spec *s, sk_error *err)
{
    json_t *hooks = NULL;
    int r = sk_json_object(root, "hooks", "", &hooks, err);
    if (r <= 0)
        return r;
    for (int k = 0; k < OCI_HOOK_COUNT; k++)
        if (parse_hook_list(hooks, (enum oci_hook_kind)k, s, err) < 0)
            return -1;
    if (s->n_hooks[OCI_HOOK_PRESTART] > 0)
        sk_debug("hooks.prestart is deprecated; run as createRuntime hooks");
    return 0;
}

static int parse_document(json_t *doc, struct oci_spec *s, sk_error *err)
{
    const char *v = NULL;
    if (!json_is_object(doc))
        return sk_err(err, 0, "expected a JSON object");
    if (oci_req_string(doc, "ociVersion", "", &v, err) < 0)
        return -1;
    if (!sk_str_has_prefix(v, "1."))
        return sk_err(err, 0, "ociVersion: \"%s\" is not supported (need 1.x)", v);
    if ((s->oci_version = strdup(v)) == NULL)
        return sk_err(err, ENOMEM, "ociVersion");

    json_t *root = NULL;
    int r = sk_json_object(doc, "root", "", &root, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return sk_err(err, 0, "root: missing");
    const char *path = NULL;
    if (oci_req_string(root, "path", "root", &path, err) < 0)
        return -1;
    if (*path == '\0')
        return sk_err(err, 0, "root.path: must not be empty");
    if ((s->root_path = strdup(path)) == NULL)
        return sk_err(err, ENOMEM, "root.path");
    if (sk_json_bool(root, "readonly", "root", &s->root_readonly, err) < 0)
        return -1;

    json_t *proc = NULL;
    r = sk_json_object(doc, "process", "", &proc, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        if (oci_process_parse(proc, "process", &s->process, err) < 0)
            return -1;
        s->has_process = true;
    }
    v = NULL;
    if (sk_json_string(doc, "hostname", "", &v, err) < 0)
        return -1;
    if (v != NULL && *v != '\0' && (s->hostname = strdup(v)) == NULL)
        return sk_err(err, ENOMEM, "hostname");
    v = NULL;
    if (sk_json_string(doc, "domainname", "", &v, err) < 0)
        return -1;
    if (v != NULL && *v != '\0' && (s->domainname = strdup(v)) == NULL)
        return sk_err(err, ENOMEM, "domainname");
    if (parse_mounts(doc, s, err) < 0 || parse_hooks(doc, s, err) < 0)
        return -1;

    json_t *lx = NULL;
    r = sk_json_object(doc, "linux", "", &lx, err);
    if (r < 0)
        return -1;
    if (r > 0 && oci_linux_parse(lx, &s->lx, err) < 0)
        return -1;
    if ((s->hostname || s->domainname) && !s->lx.ns[OCI_NS_UTS].present)
        return sk_err(err, 0, "hostname/domainname need a new uts namespace");
    for (size_t i = 0; s->lx.sysctl_keys && s->lx.sysctl_keys[i]; i++)
        if (oci_sysctl_validate(s, s->lx.sysctl_keys[i], s->lx.sysctl_values[i], err) < 0)
            return -1;
    return 0;
}

int oci_spec_parse(const char *buf, size_t len, const char *what, struct oci_spec **out,
                   sk_error *err)
{
    struct oci_spec *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sk_err(err, ENOMEM, "%s", what);
    s->json = sk_json_parse(buf, len, what, err);
    if (s->json == NULL) {
        oci_spec_free(s);
        return -1;
    }
    if (parse_document(s->json, s, err) < 0) {
        oci_spec_free(s);
        return sk_err_prefix(err, "%s", what);
    }
    *out = s;
    return 0;
}

int oci_spec_load(const char *bundle, struct oci_spec **out, sk_error *err)
{
    _cleanup_free_ char *path = sk_strdup_printf("%s/config.json", bundle);
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (path == NULL)
        return sk_err(err, ENOMEM, "config.json");
    if (sk_read_file(path, CONFIG_MAX, &buf, &len, err) < 0)
        return -1;
    return oci_spec_parse(buf, len, "config.json", out, err);
}

void oci_spec_free(struct oci_spec *s)
{
    if (s == NULL)
        return;
    free(s->oci_version);
    oci_process_clear(&s->process);
    free(s->root_path);
    free(s->hostname);
    free(s->domainname);
    for (size_t i = 0; i < s->n_mounts; i++) {
        free(s->mounts[i].destination);
        free(s->mounts[i].type);
        free(s->mounts[i].source);
        free(s->mounts[i].data);
    }
    free(s->mounts);
    for (int k = 0; k < OCI_HOOK_COUNT; k++) {
        for (size_t i = 0; i < s->n_hooks[k]; i++) {
            free(s->hooks[k][i].path);
            sk_strv_free(s->hooks[k][i].args);
            sk_strv_free(s->hooks[k][i].env);
        }
        free(s->hooks[k]);
    }
    oci_linux_clear(&s->lx);
    if (s->json != NULL)
        json_decref(s->json);
    free(s);
}

/* ---- sysctl: only what is namespaced (CVE-2022-0811) ---------------- */

static bool ns_private(const struct oci_spec *s, enum oci_ns ns)
{
    /* A namespace joined by path may be the host's; only a new one, or a
     * joined one that is not ours, isolates.  runc accepts joined ones too. */
    return s->lx.ns[ns].present;
}

int oci_sysctl_validate(const struct oci_spec *s, const char *key, const char *value,
                        sk_error *err)
{
    static const char *const ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                           "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                           "kernel.shmmni", "kernel.shm_rmid_forced"};
    if (*key == '\0' || strlen(key) > 200)
        return sk_err(err, 0, "linux.sysctl: invalid key \"%s\"", key);
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._-/:@", *p) != NULL))
            return sk_err(err, 0, "linux.sysctl: invalid key \"%s\"", key);
    if (strstr(key, "..") != NULL || key[0] == '.' || key[0] == '/')
        return sk_err(err, 0, "linux.sysctl: invalid key \"%s\"", key);
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return sk_err(err, 0, "linux.sysctl.%s: value contains a control character", key);
    bool ok = false;
    for (size_t i = 0; i < SK_ARRAY_SIZE(ipc_keys); i++)
        if (strcmp(key, ipc_keys[i]) == 0)
            ok = true;
    if (sk_str_has_prefix(key, "fs.mqueue."))
        ok = true;
    if (ok && !ns_private(s, OCI_NS_IPC))
        return sk_err(err, 0, "linux.sysctl: %s needs an ipc namespace", key);
    if (sk_str_has_prefix(key, "net.")) {
        ok = true;
        if (!ns_private(s, OCI_NS_NET))
            return sk_err(err, 0, "linux.sysctl: %s needs a network namespace", key);
    }
    if (strcmp(key, "kernel.domainname") == 0 || strcmp(key, "kernel.hostname") == 0) {
        ok = true;
        if (!ns_private(s, OCI_NS_UTS))
            return sk_err(err, 0, "linux.sysctl: %s needs a uts namespace", key);
    }
    if (!ok)
        return sk_err(err, 0, "linux.sysctl: %s is not namespaced and cannot be set in a container",
                      key);
    return 0;
}

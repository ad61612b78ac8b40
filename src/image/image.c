/* image.c - image records, names, inspect, removal, --change. */
#define _GNU_SOURCE
#include "image/image.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

const char *image_host_arch(void)
{
    static const struct {
        const char *uname, *oci;
    } map[] = {{"x86_64", "amd64"},  {"aarch64", "arm64"}, {"armv7l", "arm"},
               {"i686", "386"},      {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
               {"riscv64", "riscv64"}};
    static char arch[65];
    if (arch[0] == '\0') {
        struct utsname u;
        uname(&u);
        snprintf(arch, sizeof arch, "%s", u.machine);
        for (size_t i = 0; i < SK_ARRAY_SIZE(map); i++)
            if (strcmp(u.machine, map[i].uname) == 0)
                snprintf(arch, sizeof arch, "%s", map[i].oci);
    }
    return arch;
}

int image_config(struct image_store *s, const char *id, json_t **out, sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (store_get_blob(s, id, 16u << 20, &buf, &len, err) < 0)
        return sk_err_prefix(err, "image %s: config", id);
    *out = sk_json_parse(buf, len, "image config", err);
    if (*out != NULL && !json_is_object(*out)) {
        json_decref(*out);
        return sk_err(err, 0, "image %s: the config is not a JSON object", id);
    }
    return *out ? 0 : -1;
}

int image_commit(struct image_store *s, const char *config_digest, const char *manifest_digest,
                 const struct layer_result *layers, size_t n, sk_error *err)
{
    _cleanup_json_ json_t *cfg = NULL;
    if (image_config(s, config_digest, &cfg, err) < 0)
        return -1;
    json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    if (!json_is_array(diff_ids) || json_array_size(diff_ids) != n)
        return sk_err(err, 0, "image %s: the config lists %zu layers, the image has %zu",
                      config_digest, json_is_array(diff_ids) ? json_array_size(diff_ids) : 0, n);
    json_t *ls = json_array();
    uint64_t size = 0;
    for (size_t i = 0; i < n; i++) {
        const char *want = json_string_value(json_array_get(diff_ids, i));
        if (want == NULL || strcmp(want, layers[i].diff_id) != 0) {
            json_decref(ls);
            return sk_err(err, 0, "image %s: layer %zu is %s, the config says %s", config_digest, i,
                          layers[i].diff_id, want ? want : "nothing");
        }
        json_array_append_new(ls, json_pack("{s:s, s:s, s:I, s:I}", "digest", layers[i].digest,
                                            "diff_id", layers[i].diff_id, "size",
                                            (json_int_t)layers[i].size, "unpacked",
                                            (json_int_t)layers[i].unpacked));
        size += layers[i].unpacked;
    }
    const char *created = json_string_value(json_object_get(cfg, "created"));
    const char *os = json_string_value(json_object_get(cfg, "os"));
    const char *arch = json_string_value(json_object_get(cfg, "architecture"));
    json_t *rec = json_pack("{s:s, s:o, s:I, s:s, s:s, s:s}", "id", config_digest, "layers", ls,
                            "size", (json_int_t)size, "created", created ? created : "", "os",
                            os ? os : "linux", "architecture", arch ? arch : "");
    if (rec == NULL)
        return sk_err(err, ENOMEM, "image record");
    if (manifest_digest != NULL)
        json_object_set_new(rec, "manifest_digest", json_string(manifest_digest));
    int r = store_put_image(s, rec, err);
    json_decref(rec);
    return r;
}

int image_tag(struct image_store *s, const char *id, const char *ref, char *name, size_t cap,
              sk_error *err)
{
    struct image_ref r;
    char key[1024], repo[800];
    if (image_ref_parse(ref, &r, err) < 0)
        return -1;
    if (r.digest[0])
        return sk_err(err, 0, "refusing to create a tag with a digest reference: %s", ref);
    image_ref_repo(&r, repo, sizeof repo);
    snprintf(key, sizeof key, "%s:%s", repo, r.tag);
    if (name != NULL)
        snprintf(name, cap, "%s", key);
    return store_tag(s, key, id, err);
}

/* ---- inspect -------------------------------------------------------------- */

static json_t *familiar_names(json_t *names)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        char buf[1024];
        image_repo_familiar(json_string_value(v), buf, sizeof buf);
        json_array_append_new(out, json_string(buf));
    }
    return out;
}

/* docker's Config: every key present, the image's values over defaults */
static json_t *docker_config(json_t *c)
{
    json_t *out = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:n, s:n, s:s, s:n, s:s, "
                            "s:n, s:n, s:n}",
                            "Hostname", "", "Domainname", "", "User", "", "AttachStdin", 0,
                            "AttachStdout", 0, "AttachStderr", 0, "Tty", 0, "OpenStdin", 0,
                            "StdinOnce", 0, "Env", "Cmd", "Image", "", "Volumes", "WorkingDir", "",
                            "Entrypoint", "OnBuild", "Labels");
    if (json_is_object(c)) {
        const char *k;
        json_t *v;
        json_object_foreach(c, k, v) json_object_set(out, k, v);
    }
    return out;
}

json_t *image_inspect(struct image_store *s, const char *id, sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL, *cfg = NULL;
    if (store_get_image(s, id, &rec, err) < 0 || image_config(s, id, &cfg, err) < 0)
        return NULL;
    json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    _cleanup_json_ json_t *tags = store_names_of(s, id, false);
    _cleanup_json_ json_t *digests = store_names_of(s, id, true);
    const char *created = json_string_value(json_object_get(cfg, "created"));
    const char *author = json_string_value(json_object_get(cfg, "author"));
    const char *arch = json_string_value(json_object_get(cfg, "architecture"));
    const char *os = json_string_value(json_object_get(cfg, "os"));
    json_t *size = json_object_get(rec, "size");
    json_t *out = json_pack(
        "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:O, s:O, s:{s:{}, s:s}, "
        "s:{s:s, s:O}, s:{s:s}}",
        "Id", id, "RepoTags", familiar_names(tags), "RepoDigests", familiar_names(digests),
        "Parent", "", "Comment", "", "Created", created ? created : "", "DockerVersion", "",
        "Author", author ? author : "", "Config", docker_config(json_object_get(cfg, "config")),
        "Architecture", arch ? arch : "", "Os", os ? os : "linux", "Size",
        size ? size : json_integer(0), "VirtualSize", size ? size : json_integer(0),
        "GraphDriver", "Data", "Name", "overlay", "RootFS", "Type", "layers", "Layers",
        json_is_array(diff_ids) ? diff_ids : json_array(), "Metadata", "LastTagTime",
        "0001-01-01T00:00:00Z"); /* Go's zero time: clients parse it */
    if (out == NULL)
        sk_err(err, ENOMEM, "inspect");
    const char *variant = json_string_value(json_object_get(cfg, "variant"));
    if (out != NULL && variant != NULL)
        json_object_set_new(out, "Variant", json_string(variant));
    return out;
}

/* ---- removal ---------------------------------------------------------------- */

static int drop_image(struct image_store *s, const char *id, json_t *events, sk_error *err)
{
    if (store_delete_image(s, id, err) < 0)
        return -1;
    json_array_append_new(events, json_pack("{s:s}", "Deleted", id));
    return 0;
}

static int untag_all(struct image_store *s, const char *id, json_t *events, sk_error *err)
{
    for (int digests = 0; digests < 2; digests++) {
        _cleanup_json_ json_t *names = store_names_of(s, id, digests);
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v)
        {
            char fam[1024];
            if (store_untag(s, json_string_value(v), err) < 0)
                return -1;
            image_repo_familiar(json_string_value(v), fam, sizeof fam);
            json_array_append_new(events, json_pack("{s:s}", "Untagged", fam));
        }
    }
    return 0;
}

/* The key under which a user's name is stored, if it is one of id's names. */
static bool name_key(struct image_store *s, const char *name, const char *id, char *key, size_t cap,
                     struct image_ref *r)
{
    char repo[800];
    if (image_ref_parse(name, r, NULL) < 0)
        return false;
    image_ref_repo(r, repo, sizeof repo);
    if (r->digest[0])
        snprintf(key, cap, "%s@%s", repo, r->digest);
    else
        snprintf(key, cap, "%s:%s", repo, r->tag);
    _cleanup_json_ json_t *names = store_names_of(s, id, r->digest[0] != 0);
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v) if (strcmp(json_string_value(v), key) == 0) return true;
    return false;
}

static int remove_locked(struct image_store *s, const char *name, bool force, json_t *in_use,
                         json_t *events, sk_error *err)
{
    char id[72], key[1024];
    struct image_ref r;
    if (store_resolve(s, name, id, err) < 0)
        return -1;
    json_t *user = json_object_get(in_use, id);
    const char *ctr = json_string_value(json_object_get(user, "container"));
    bool running = json_is_true(json_object_get(user, "running"));
    bool by_name = name_key(s, name, id, key, sizeof key, &r);
    _cleanup_json_ json_t *tags = store_names_of(s, id, false);
    if (!force && by_name) {
        /* by name: untag that name; the image goes with its last tag */
        if (user != NULL && json_array_size(tags) <= 1)
            return sk_err(err, 0, "conflict: unable to remove repository reference \"%s\" (must "
                                  "force) - container %.12s is using its referenced image %.12s",
                          name, ctr ? ctr : "", id + 7);
        char fam[1024];
        if (store_untag(s, key, err) < 0)
            return -1;
        image_ref_familiar(&r, fam, sizeof fam);
        json_array_append_new(events, json_pack("{s:s}", "Untagged", fam));
        _cleanup_json_ json_t *left = store_names_of(s, id, false);
        if (json_array_size(left) > 0)
            return 0;
    } else {
        if (user != NULL && running)
            return sk_err(err, 0, "conflict: unable to delete %.12s (cannot be forced) - image is "
                                  "being used by running container %.12s",
                          id + 7, ctr ? ctr : "");
        if (user != NULL && !force)
            return sk_err(err, 0, "conflict: unable to delete %.12s (must be forced) - image is "
                                  "being used by stopped container %.12s",
                          id + 7, ctr ? ctr : "");
        if (json_array_size(tags) > 1 && !force)
            return sk_err(err, 0, "conflict: unable to delete %.12s (must be forced) - image is "
                                  "referenced in multiple repositories", id + 7);
    }
    if (untag_all(s, id, events, err) < 0)
        return -1;
    if (user != NULL) /* forced: its names go, the image stays for its container */
        return 0;
    return drop_image(s, id, events, err);
}

int image_remove(struct image_store *s, const char *name, bool force, json_t *in_use, json_t *events,
                 sk_error *err)
{
    if (store_lock(s, err) < 0)
        return -1;
    int r = remove_locked(s, name, force, in_use, events, err);
    store_unlock(s);
    return r;
}

/* ---- --change ------------------------------------------------------------------- */

/* JSON array form ["a", "b"], or the shell form run with /bin/sh -c */
static json_t *command_value(const char *v, sk_error *err)
{
    while (isspace((unsigned char)*v))
        v++;
    if (*v == '[') {
        json_error_t je;
        json_t *a = json_loads(v, 0, &je);
        size_t i;
        json_t *e;
        if (!json_is_array(a)) {
            json_decref(a);
            sk_err(err, 0, "\"%s\" is not a JSON array", v);
            return NULL;
        }
        json_array_foreach(a, i, e) if (!json_is_string(e))
        {
            json_decref(a);
            sk_err(err, 0, "\"%s\": the array must hold strings", v);
            return NULL;
        }
        return a;
    }
    return json_pack("[s, s, s]", "/bin/sh", "-c", v);
}

static json_t *ensure_obj(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(parent, key, o);
    }
    return o;
}

static int set_env(json_t *cfg, const char *k, size_t kl, const char *v)
{
    json_t *env = json_object_get(cfg, "Env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(cfg, "Env", env);
    }
    char *entry = sk_strdup_printf("%.*s=%s", (int)kl, k, v);
    if (entry == NULL)
        return -1;
    size_t i;
    json_t *e;
    json_array_foreach(env, i, e)
    {
        const char *s = json_string_value(e);
        if (s && strncmp(s, k, kl) == 0 && s[kl] == '=') {
            json_array_set_new(env, i, json_string(entry));
            free(entry);
            return 0;
        }
    }
    json_array_append_new(env, json_string(entry));
    free(entry);
    return 0;
}

/* "k=v k2=v2" or the legacy "k v" */
static int key_values(const char *v, bool legacy_ok, int (*fn)(const char *k, size_t kl,
                                                                const char *val, void *ud),
                      void *ud, sk_error *err)
{
    const char *eq = strchr(v, '='), *sp = strpbrk(v, " \t");
    if (legacy_ok && sp != NULL && (eq == NULL || sp < eq)) {
        const char *val = sp;
        while (isspace((unsigned char)*val))
            val++;
        return fn(v, (size_t)(sp - v), val, ud);
    }
    const char *p = v;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        const char *e = strchr(p, '=');
        if (e == NULL || e == p)
            return sk_err(err, 0, "\"%s\" is not KEY=VALUE", p);
        char val[4096];
        size_t n = 0;
        const char *q = e + 1;
        char quote = 0;
        if (*q == '"' || *q == '\'')
            quote = *q++;
        while (*q && (quote ? *q != quote : !isspace((unsigned char)*q)) && n + 1 < sizeof val) {
            if (*q == '\\' && q[1] && !quote)
                q++;
            val[n++] = *q++;
        }
        if (quote && *q == quote)
            q++;
        val[n] = '\0';
        if (fn(p, (size_t)(e - p), val, ud) < 0)
            return sk_err(err, ENOMEM, "change");
        p = q;
    }
    return 0;
}

static int env_cb(const char *k, size_t kl, const char *v, void *ud)
{
    return set_env(ud, k, kl, v);
}

static int label_cb(const char *k, size_t kl, const char *v, void *ud)
{
    char key[1024];
    snprintf(key, sizeof key, "%.*s", (int)kl, k);
    json_object_set_new(ensure_obj(ud, "Labels"), key, json_string(v));
    return 0;
}

int image_apply_change(json_t *config, const char *change, sk_error *err)
{
    json_t *cfg = ensure_obj(config, "config");
    const char *sp = strpbrk(change, " \t");
    if (sp == NULL)
        return sk_err(err, 0, "--change \"%s\": expected INSTRUCTION VALUE", change);
    char ins[32];
    snprintf(ins, sizeof ins, "%.*s", (int)(sp - change) < 31 ? (int)(sp - change) : 31, change);
    for (char *p = ins; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    const char *v = sp;
    while (isspace((unsigned char)*v))
        v++;
    int r = 0;
    if (strcmp(ins, "CMD") == 0 || strcmp(ins, "ENTRYPOINT") == 0) {
        json_t *c = command_value(v, err);
        if (c == NULL)
            return sk_err_prefix(err, "--change %s", ins);
        json_object_set_new(cfg, strcmp(ins, "CMD") == 0 ? "Cmd" : "Entrypoint", c);
    } else if (strcmp(ins, "ENV") == 0) {
        r = key_values(v, true, env_cb, cfg, err);
    } else if (strcmp(ins, "LABEL") == 0) {
        r = key_values(v, false, label_cb, cfg, err);
    } else if (strcmp(ins, "WORKDIR") == 0) {
        if (v[0] != '/')
            return sk_err(err, 0, "--change WORKDIR %s: the path must be absolute", v);
        json_object_set_new(cfg, "WorkingDir", json_string(v));
    } else if (strcmp(ins, "USER") == 0) {
        json_object_set_new(cfg, "User", json_string(v));
    } else if (strcmp(ins, "STOPSIGNAL") == 0) {
        json_object_set_new(cfg, "StopSignal", json_string(v));
    } else if (strcmp(ins, "EXPOSE") == 0 || strcmp(ins, "VOLUME") == 0) {
        bool expose = ins[0] == 'E';
        json_t *o = ensure_obj(cfg, expose ? "ExposedPorts" : "Volumes");
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", v);
        for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
            char key[300];
            if (expose) {
                char *slash = strchr(t, '/');
                int port;
                char num[16];
                snprintf(num, sizeof num, "%.*s", slash ? (int)(slash - t) : (int)strlen(t), t);
                if (sk_parse_int(num, &port) < 0 || port < 1 || port > 65535 ||
                    (slash && strcmp(slash, "/tcp") && strcmp(slash, "/udp") && strcmp(slash, "/sctp")))
                    return sk_err(err, 0, "--change EXPOSE %s: invalid port", t);
                snprintf(key, sizeof key, "%d%s", port, slash ? slash : "/tcp");
            } else {
                snprintf(key, sizeof key, "%s", t);
            }
            json_object_set_new(o, key, json_object());
        }
    } else {
        return sk_err(err, 0, "--change \"%s\": %s is not supported (CMD, ENTRYPOINT, ENV, EXPOSE, "
                              "LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)", change, ins);
    }
    return r;
}

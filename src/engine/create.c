/* create.c - a container from a Docker API create body: the image found
 * (or pulled), its config merged as docker merges it, the mounts resolved,
 * a name and an id, the record written. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strutil.h"

static json_t *obj(json_t *o, const char *k)
{
    return json_object_get(o, k);
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* ---- the image ----------------------------------------------------------------------- */

static int find_image(struct sk_engine *e, const char *ref, const struct sk_create_opts *o,
                      char id[72], sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    if (s == NULL)
        return -1;
    bool have = o->pull != SK_PULL_ALWAYS && store_resolve(s, ref, id, NULL) == 0;
    if (have)
        return 0;
    if (o->pull == SK_PULL_NEVER)
        return sk_err(err, 0, "No such image: %s", ref);
    struct pull_opts po = {.platform = o->platform, .progress = o->progress, .ud = o->ud};
    struct pull_result res;
    if (sk_image_pull(e, ref, &po, &res, err) < 0) {
        /* a local name that no registry has: say what docker says */
        if (o->pull == SK_PULL_MISSING && store_resolve(s, ref, id, NULL) == 0)
            return 0;
        return -1;
    }
    snprintf(id, 72, "%s", res.id);
    return 0;
}

/* ---- merging ------------------------------------------------------------------------- */

static bool empty(json_t *v)
{
    return v == NULL || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_string(v) && json_string_length(v) == 0);
}

/* Env: the image's, then the container's, a later KEY replacing an earlier one. */
static json_t *merge_env(json_t *img, json_t *ctr)
{
    json_t *out = json_array();
    json_t *srcs[2] = {img, ctr};
    for (int s = 0; s < 2; s++) {
        size_t i;
        json_t *v;
        json_array_foreach(srcs[s], i, v)
        {
            const char *kv = json_string_value(v);
            if (kv == NULL)
                continue;
            size_t klen = strcspn(kv, "=");
            bool replaced = false;
            for (size_t k = 0; k < json_array_size(out) && !replaced; k++) {
                const char *o = json_string_value(json_array_get(out, k));
                if (strncmp(o, kv, klen) == 0 && (o[klen] == '=' || o[klen] == '\0')) {
                    json_array_set_new(out, k, json_string(kv));
                    replaced = true;
                }
            }
            if (!replaced)
                json_array_append_new(out, json_string(kv));
        }
    }
    return out;
}

static json_t *merge_objects(json_t *a, json_t *b)
{
    json_t *out = json_is_object(a) ? json_deep_copy(a) : json_object();
    if (json_is_object(b))
        json_object_update(out, b);
    return out;
}

static json_t *as_array(json_t *v)
{
    if (json_is_string(v))
        return json_pack("[O]", v);
    return json_is_array(v) ? json_incref(v) : json_array();
}

/* docker's rules: an Entrypoint given at create replaces the image's and
 * drops the image's Cmd; a Cmd given replaces the image's Cmd. */
static int merge_config(json_t *body, json_t *img, json_t **out, sk_error *err)
{
    json_t *c = json_object();
    json_t *ep_body = obj(body, "Entrypoint");
    bool ep_given = ep_body != NULL && !json_is_null(ep_body);
    json_t *ep = ep_given ? as_array(ep_body) : as_array(obj(img, "Entrypoint"));
    json_t *cmd = !empty(obj(body, "Cmd")) ? as_array(obj(body, "Cmd"))
                  : ep_given                ? json_array()
                                            : as_array(obj(img, "Cmd"));
    json_object_set_new(c, "Entrypoint", json_array_size(ep) ? ep : json_null());
    if (!json_array_size(ep))
        json_decref(ep);
    json_object_set_new(c, "Cmd", cmd);
    json_object_set_new(c, "Env", merge_env(obj(img, "Env"), obj(body, "Env")));
    static const char *const plain[] = {"WorkingDir", "User", "StopSignal", NULL};
    for (const char *const *k = plain; *k; k++) {
        json_t *v = !empty(obj(body, *k)) ? obj(body, *k) : obj(img, *k);
        json_object_set_new(c, *k, json_string(json_string_value(v) ? json_string_value(v) : ""));
    }
    json_object_set_new(c, "Labels", merge_objects(obj(img, "Labels"), obj(body, "Labels")));
    json_object_set_new(c, "ExposedPorts", merge_objects(obj(img, "ExposedPorts"), obj(body, "ExposedPorts")));
    json_object_set_new(c, "Volumes", merge_objects(obj(img, "Volumes"), obj(body, "Volumes")));
    json_t *hc = obj(body, "Healthcheck") ? obj(body, "Healthcheck") : obj(img, "Healthcheck");
    if (hc != NULL)
        json_object_set(c, "Healthcheck", hc);
    static const char *const copy[] = {"Hostname", "Domainname", "Tty", "OpenStdin", "StdinOnce",
                                       "AttachStdin", "AttachStdout", "AttachStderr",
                                       "StopTimeout", "Image", "MacAddress", NULL};
    for (const char *const *k = copy; *k; k++)
        if (obj(body, *k) != NULL)
            json_object_set(c, *k, obj(body, *k));
    if (!json_is_boolean(obj(c, "Tty")))
        json_object_set_new(c, "Tty", json_false());
    if (!json_is_boolean(obj(c, "OpenStdin")))
        json_object_set_new(c, "OpenStdin", json_false());
    if (json_array_size(ep) + json_array_size(cmd) == 0 && !json_is_array(obj(c, "Entrypoint"))) {
        json_decref(c);
        return sk_err(err, 0, "no command specified");
    }
    *out = c;
    return 0;
}

/* ---- mounts --------------------------------------------------------------------------- */

static int add_mount(json_t *list, const char *type, const char *src, const char *dst, bool ro,
                     const char *opts, sk_error *err)
{
    char clean[PATH_MAX];
    if (dst == NULL || dst[0] != '/' || sk_path_clean(dst, clean, sizeof clean) < 0 ||
        strcmp(clean, "/") == 0)
        return sk_err(err, 0, "invalid mount target \"%s\": an absolute path other than /",
                      dst ? dst : "");
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m) if (sk_streq(str(m, "Target"), clean)) return sk_err(
        err, 0, "Duplicate mount point: %s", clean);
    json_t *e = json_pack("{s:s, s:s, s:s, s:b}", "Type", type, "Source", src ? src : "", "Target",
                          clean, "ReadOnly", ro);
    if (opts != NULL)
        json_object_set_new(e, "Options", json_string(opts));
    json_array_append_new(list, e);
    return 0;
}

/* "/host:/ctr[:ro|rw,...]" (a bind), "name:/ctr[:ro]" (a named volume) or
 * "/ctr" (an anonymous volume). */
static int parse_bind(struct sk_engine *e, json_t *list, const char *spec, sk_error *err)
{
    char buf[PATH_MAX * 2 + 64];
    snprintf(buf, sizeof buf, "%s", spec);
    char *parts[3] = {0};
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ":", &save); t && n < 3; t = strtok_r(NULL, ":", &save))
        parts[n++] = t;
    if (n == 1 && parts[0][0] == '/')
        return ctr_volume_mount(e, list, NULL, parts[0], false, true, err);
    if (n < 2)
        return sk_err(err, 0, "invalid volume specification: '%s'", spec);
    bool ro = false;
    if (n == 3) {
        for (char *save = NULL, *t = strtok_r(parts[2], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (strcmp(t, "ro") == 0)
                ro = true;
            else if (strcmp(t, "rw") != 0 && strcmp(t, "z") != 0 && strcmp(t, "Z") != 0 &&
                     strcmp(t, "private") != 0 && strcmp(t, "rprivate") != 0)
                return sk_err(err, 0, "invalid mode: %s", t);
        }
    }
    if (parts[0][0] != '/') {
        char clean[PATH_MAX];
        if (parts[1][0] != '/' || sk_path_clean(parts[1], clean, sizeof clean) < 0)
            return sk_err(err, 0, "invalid volume specification: '%s'", spec);
        size_t k;
        json_t *m;
        json_array_foreach(list, k, m) if (sk_streq(str(m, "Target"), clean)) return sk_err(
            err, 0, "Duplicate mount point: %s", clean);
        return ctr_volume_mount(e, list, parts[0], clean, ro, false, err);
    }
    if (access(parts[0], F_OK) < 0)
        return sk_err(err, errno, "bind source path %s", parts[0]);
    return add_mount(list, "bind", parts[0], parts[1], ro, NULL, err);
}

static int resolve_mounts(struct sk_engine *e, json_t *hc, json_t *volumes, json_t **out,
                          sk_error *err)
{
    json_t *list = json_array();
    size_t i;
    json_t *v;
    const char *k;
    json_array_foreach(obj(hc, "Binds"), i, v) if (parse_bind(e, list, json_string_value(v) ?: "", err) < 0) goto fail;
    json_object_foreach(obj(hc, "Tmpfs"), k, v)
    {
        const char *o = json_string_value(v);
        bool ro = o && (strstr(o, "ro,") == o || strcmp(o, "ro") == 0 || strstr(o, ",ro"));
        if (add_mount(list, "tmpfs", "tmpfs", k, ro, o && *o ? o : NULL, err) < 0)
            goto fail;
    }
    json_array_foreach(obj(hc, "Mounts"), i, v)
    {
        const char *type = str(v, "Type");
        if (sk_streq(type, "bind")) {
            const char *src = str(v, "Source");
            if (src == NULL || src[0] != '/' || access(src, F_OK) < 0) {
                sk_err(err, 0, "invalid mount config for type \"bind\": bind source path does not exist: %s",
                       src ? src : "");
                goto fail;
            }
            if (add_mount(list, "bind", src, str(v, "Target"), json_is_true(obj(v, "ReadOnly")), NULL, err) < 0)
                goto fail;
        } else if (sk_streq(type, "tmpfs")) {
            json_t *to = obj(v, "TmpfsOptions");
            char opts[128] = "";
            if (json_integer_value(obj(to, "SizeBytes")) > 0)
                snprintf(opts, sizeof opts, "size=%lld", (long long)json_integer_value(obj(to, "SizeBytes")));
            if (json_integer_value(obj(to, "Mode")) > 0)
                snprintf(opts + strlen(opts), sizeof opts - strlen(opts), "%smode=%llo", opts[0] ? "," : "",
                         (unsigned long long)json_integer_value(obj(to, "Mode")));
            if (add_mount(list, "tmpfs", "tmpfs", str(v, "Target"), json_is_true(obj(v, "ReadOnly")),
                          opts[0] ? opts : NULL, err) < 0)
                goto fail;
        } else if (sk_streq(type, "volume")) {
            const char *src = str(v, "Source");
            char clean[PATH_MAX];
            const char *dst = str(v, "Target");
            if (dst == NULL || dst[0] != '/' || sk_path_clean(dst, clean, sizeof clean) < 0) {
                sk_err(err, 0, "invalid mount target \"%s\"", dst ? dst : "");
                goto fail;
            }
            if (ctr_volume_mount(e, list, src && *src ? src : NULL, clean,
                                 json_is_true(obj(v, "ReadOnly")), !(src && *src), err) < 0)
                goto fail;
        } else {
            sk_err(err, 0, "mount type \"%s\" is not supported yet", type ? type : "");
            goto fail;
        }
    }
    /* Config.Volumes (the image's VOLUMEs and the request's, docker run -v
     * /path): an anonymous volume each, unless something is mounted there */
    const char *k2;
    json_object_foreach(volumes, k2, v)
    {
        char clean[PATH_MAX];
        bool taken = false;
        size_t j;
        json_t *m;
        if (k2[0] != '/' || sk_path_clean(k2, clean, sizeof clean) < 0)
            continue;
        json_array_foreach(list, j, m) taken |= sk_streq(str(m, "Target"), clean);
        if (!taken && ctr_volume_mount(e, list, NULL, clean, false, true, err) < 0)
            goto fail;
    }
    *out = list;
    return 0;
fail:
    json_decref(list);
    return -1;
}

/* ---- host config ------------------------------------------------------------------------ */

static int check_host_config(json_t *hc, sk_error *err)
{
    json_t *rp = obj(hc, "RestartPolicy");
    const char *pol = str(rp, "Name");
    if (pol != NULL && *pol && strcmp(pol, "no") && strcmp(pol, "always") &&
        strcmp(pol, "on-failure") && strcmp(pol, "unless-stopped"))
        return sk_err(err, 0, "invalid restart policy '%s'", pol);
    if (json_integer_value(obj(rp, "MaximumRetryCount")) > 0 && !sk_streq(pol, "on-failure"))
        return sk_err(err, 0, "maximum retry count cannot be used with restart policy '%s'", pol);
    if (json_is_true(obj(hc, "AutoRemove")) && pol && *pol && strcmp(pol, "no"))
        return sk_err(err, 0, "Conflicting options: --restart and --rm");
    const char *net = str(hc, "NetworkMode");
    if (net != NULL && (strcmp(net, "container:") == 0 || strchr(net, '/') != NULL))
        return sk_err(err, 0, "invalid network mode: %s", net);
    if (net != NULL && strncmp(net, "container:", 10) == 0 &&
        (json_object_size(obj(hc, "PortBindings")) > 0 || json_is_true(obj(hc, "PublishAllPorts"))))
        return sk_err(err, 0, "conflicting options: port publishing and the container type network mode");
    if (sk_streq(net, "host") && json_array_size(obj(hc, "Dns")) > 0)
        return sk_err(err, 0, "conflicting options: dns and the network mode");
    json_int_t swappiness = json_integer_value(obj(hc, "MemorySwappiness"));
    if (json_is_integer(obj(hc, "MemorySwappiness")) && (swappiness < -1 || swappiness > 100))
        return sk_err(err, 0, "invalid value: %lld, valid memory swappiness range is 0-100", (long long)swappiness);
    json_int_t blkio = json_integer_value(obj(hc, "BlkioWeight"));
    if (blkio != 0 && (blkio < 10 || blkio > 1000))
        return sk_err(err, 0, "range of blkio weight is from 10 to 1000");
    /* the other namespaces: own ("" or a name for it), the host's, or a
     * container's (pid only: a container's IPC would need its /dev/shm
     * mounted where the host sees it) */
    const char *ipc = str(hc, "IpcMode");
    if (ipc != NULL && strncmp(ipc, "container:", 10) == 0)
        return sk_err(err, 0, "IPC mode %s: sharing another container's IPC is not supported (--ipc host is)", ipc);
    static const struct { const char *key, *what, *own[3]; bool join; } modes[] = {
        {"PidMode", "PID", {NULL}, true},
        {"IpcMode", "IPC", {"private", "shareable", NULL}, false},
        {"UTSMode", "UTS", {NULL}, false},
        {"CgroupnsMode", "cgroup namespace", {"private", NULL}, false}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *m = str(hc, modes[i].key);
        bool ok = m == NULL || !*m || !strcmp(m, "host") ||
                  (modes[i].join && strncmp(m, "container:", 10) == 0 && m[10]);
        for (const char *const *own = modes[i].own; !ok && *own; own++)
            ok = strcmp(m, *own) == 0;
        if (!ok)
            return sk_err(err, 0, "invalid %s mode: %s", modes[i].what, m);
    }
    json_int_t mem = json_integer_value(obj(hc, "Memory"));
    json_int_t swap = json_integer_value(obj(hc, "MemorySwap"));
    if (mem != 0 && mem < 6 * 1024 * 1024)
        return sk_err(err, 0, "Minimum memory limit allowed is 6MB");
    if (swap > 0 && mem > 0 && swap < mem)
        return sk_err(err, 0, "Minimum memoryswap limit should be larger than memory limit, see usage");
    if (swap > 0 && mem == 0)
        return sk_err(err, 0, "You should always set the Memory limit when using Memoryswap limit, see usage");
    return 0;
}

/* --add-host name:ip (or name=ip); host-gateway: the gateway of the
 * container's first network, else of the default bridge. */
static int extra_hosts(struct sk_engine *e, struct ctr *c, struct strbuf *b, sk_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(obj(obj(c->cfg, "HostConfig"), "ExtraHosts"), i, v)
    {
        const char *h = json_string_value(v);
        const char *sep = h ? strpbrk(h, ":=") : NULL;
        if (sep == NULL || sep == h || sep[1] == '\0')
            return sk_err(err, 0, "invalid argument \"%s\" for \"--add-host\": expected host:ip", h ? h : "");
        const char *ip = sep + 1;
        char gwbuf[64] = "";
        if (strcmp(ip, "host-gateway") == 0) {
            const char *gw = ctr_gateway(e, c);
            if (gw == NULL || !*gw) {
                _cleanup_json_ json_t *rec = NULL;
                if (sk_network_inspect(e, "bridge", &rec, err) < 0)
                    return -1;
                gw = str(json_array_get(obj(obj(rec, "IPAM"), "Config"), 0), "Gateway");
            }
            snprintf(gwbuf, sizeof gwbuf, "%s", gw ? gw : "");
            ip = gwbuf;
        }
        struct in6_addr a;
        if (inet_pton(strchr(ip, ':') ? AF_INET6 : AF_INET, ip, &a) != 1)
            return sk_err(err, 0, "invalid IP address in add-host: \"%s\"", ip);
        sb_printf(b, "%s\t%.*s\n", ip, (int)(sep - h), h);
    }
    return 0;
}

static int write_hosts(struct sk_engine *e, struct ctr *c, const char *hostname, bool host_net,
                       sk_error *err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/hosts", c->dir);
    struct strbuf b = {0};
    _cleanup_free_ char *hosts = NULL;
    size_t len = 0;
    if (host_net && sk_read_file("/etc/hosts", 1 << 20, &hosts, &len, NULL) == 0) {
        sb_add(&b, hosts, len);
    } else {
        sb_puts(&b, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                    "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
                    "ff02::2\tip6-allrouters\n");
    }
    int rc = extra_hosts(e, c, &b, err);
    ctr_link_hosts(c, &b);
    if (rc == 0 && ctr_ip(c) != NULL)
        sb_printf(&b, "%s\t%s\n", ctr_ip(c), hostname);
    if (rc == 0 && ctr_ip6(c) != NULL && *ctr_ip6(c))
        sb_printf(&b, "%s\t%s\n", ctr_ip6(c), hostname);
    if (rc == 0)
        rc = b.oom ? sk_err(err, ENOMEM, "hosts") : sk_write_atomic(path, b.s ? b.s : "", b.len, 0644, 0, err);
    sb_free(&b);
    return rc;
}

/* The host's resolv.conf, or --dns/--dns-search/--dns-option.  A namespace
 * of its own cannot reach the host's loopback resolvers: those go, and
 * with none left the container gets docker's fallback. */
static int write_in_place(const char *path, const char *data, size_t len, sk_error *err)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return sk_err(err, errno, "%s", path);
    ssize_t w = write(fd, data, len);
    int e = errno;
    close(fd);
    return w == (ssize_t)len ? 0 : sk_err(err, w < 0 ? e : EIO, "%s", path);
}

/* in_place: rewritten in the file itself (a running container has it
 * bind-mounted: a new file would not reach it) */
static int write_resolv(struct ctr *c, bool own_net, bool in_place, sk_error *err)
{
    /* on a user-defined network the monitor's name server answers (and
     * forwards to --dns or the host's servers) */
    bool embedded = ctr_net_wants_dns(c);
    json_t *hc = obj(c->cfg, "HostConfig");
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/resolv.conf", c->dir);
    _cleanup_free_ char *host = NULL;
    size_t len = 0;
    if (sk_read_file("/etc/resolv.conf", 1 << 20, &host, &len, NULL) < 0)
        host = NULL;
    struct strbuf b = {0};
    size_t i;
    json_t *v;
    bool dns = json_array_size(obj(hc, "Dns")) > 0, servers = false;
    for (char *line = host, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        bool ns = strncmp(line, "nameserver", 10) == 0 && (line[10] == ' ' || line[10] == '\t');
        const char *addr = ns ? line + 11 : "";
        while (*addr == ' ' || *addr == '\t')
            addr++;
        if (ns && (dns || embedded || (own_net && (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0))))
            continue;
        if ((strncmp(line, "search", 6) == 0 && json_array_size(obj(hc, "DnsSearch")) > 0) ||
            (strncmp(line, "options", 7) == 0 && json_array_size(obj(hc, "DnsOptions")) > 0))
            continue;
        servers |= ns;
        sb_printf(&b, "%s\n", line);
    }
    if (embedded)
        sb_puts(&b, "nameserver 127.0.0.11\n");
    else
        json_array_foreach(obj(hc, "Dns"), i, v) sb_printf(&b, "nameserver %s\n", json_string_value(v));
    if (!embedded && !dns && !servers && own_net)
        sb_puts(&b, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    if (json_array_size(obj(hc, "DnsSearch")) > 0) {
        sb_puts(&b, "search");
        json_array_foreach(obj(hc, "DnsSearch"), i, v) sb_printf(&b, " %s", json_string_value(v));
        sb_puts(&b, "\n");
    }
    if (json_array_size(obj(hc, "DnsOptions")) > 0) {
        sb_puts(&b, "options");
        json_array_foreach(obj(hc, "DnsOptions"), i, v) sb_printf(&b, " %s", json_string_value(v));
        sb_puts(&b, "\n");
    } else if (embedded) {
        sb_puts(&b, "options ndots:0\n");
    }
    int rc = b.oom ? sk_err(err, ENOMEM, "resolv.conf")
             : in_place ? write_in_place(path, b.s ? b.s : "", b.len, err)
                        : sk_write_atomic(path, b.s ? b.s : "", b.len, 0644, 0, err);
    sb_free(&b);
    return rc;
}

int ctr_write_resolv(struct ctr *c, sk_error *err)
{
    return write_resolv(c, true, true, err);
}

/* hostname, hosts, resolv.conf: bind-mounted over the image's. */
static int write_etc(struct sk_engine *e, struct ctr *c, const char *hostname, sk_error *err)
{
    const char *mode = str(obj(c->cfg, "HostConfig"), "NetworkMode");
    bool host_net = sk_streq(mode, "host");
    char path[PATH_MAX + 32], text[512];
    snprintf(path, sizeof path, "%s/hostname", c->dir);
    snprintf(text, sizeof text, "%s\n", hostname);
    if (sk_write_atomic(path, text, strlen(text), 0644, 0, err) < 0 ||
        write_hosts(e, c, hostname, host_net, err) < 0)
        return -1;
    return write_resolv(c, !host_net, false, err);
}

int sk_container_create(struct sk_engine *e, json_t *body, const struct sk_create_opts *o,
                        char id[SK_ID_LEN + 1], sk_error *err)
{
    const char *image = str(body, "Image");
    if (image == NULL || *image == '\0')
        return sk_err(err, 0, "an image is required");
    const char *name = o->name && o->name[0] == '/' ? o->name + 1 : o->name;
    if (name != NULL && *name && !ctr_valid_name(name))
        return sk_err(err, 0, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                      name);
    json_t *hc = obj(body, "HostConfig");
    if (hc != NULL && !json_is_object(hc))
        return sk_err(err, 0, "HostConfig: expected an object");
    if (check_host_config(hc, err) < 0)
        return -1;
    char image_id[72];
    if (find_image(e, image, o, image_id, err) < 0)
        return -1;
    _cleanup_json_ json_t *imgcfg = NULL, *config = NULL, *mounts = NULL;
    if (image_config(sk_engine_images(e, NULL), image_id, &imgcfg, err) < 0 ||
        merge_config(body, obj(imgcfg, "config"), &config, err) < 0 ||
        resolve_mounts(e, hc, obj(config, "Volumes"), &mounts, err) < 0)
        return -1;
    json_object_set_new(config, "Image", json_string(image));
    json_t *argv = json_array();
    json_array_extend(argv, json_is_array(obj(config, "Entrypoint")) ? obj(config, "Entrypoint") : NULL);
    json_array_extend(argv, obj(config, "Cmd"));
    if (json_array_size(argv) == 0) {
        json_decref(argv);
        return sk_err(err, 0, "no command specified");
    }
    struct ctr c = {0};
    if (sk_random_hex(id, 32) < 0) {
        json_decref(argv);
        return sk_err(err, errno, "getrandom");
    }
    ctr_paths(e, id, &c);
    char hostname[256];
    snprintf(hostname, sizeof hostname, "%.12s", id);
    if (!empty(obj(config, "Hostname")))
        snprintf(hostname, sizeof hostname, "%s", str(config, "Hostname"));
    if (sk_streq(str(hc, "UTSMode"), "host")) { /* the host's name, as it is the host's namespace */
        if (!empty(obj(config, "Hostname"))) {
            json_decref(argv);
            return sk_err(err, 0, "conflicting options: hostname and the UTS mode");
        }
        if (gethostname(hostname, sizeof hostname - 1) < 0)
            snprintf(hostname, sizeof hostname, "%.12s", id);
        hostname[sizeof hostname - 1] = '\0';
    }
    json_object_set_new(config, "Hostname", json_string(hostname));
    char now[40];
    sk_now(now, sizeof now);
    json_t *hostcfg = hc ? json_deep_copy(hc) : json_object();
    if (empty(obj(hostcfg, "NetworkMode")) || sk_streq(str(hostcfg, "NetworkMode"), "default"))
        json_object_set_new(hostcfg, "NetworkMode", json_string("bridge"));
    c.cfg = json_pack("{s:s, s:s, s:O, s:o, s:s, s:s, s:O, s:o, s:O, s:s}", "Id", id, "Created",
                      now, "Path", json_array_get(argv, 0), "Args", json_array(), "Image", image_id,
                      "Driver", "overlay", "Config", config, "HostConfig", hostcfg, "MountPoints",
                      mounts, "ImageName", image);
    if (c.cfg == NULL) {
        json_decref(argv);
        return sk_err(err, ENOMEM, "container");
    }
    for (size_t i = 1; i < json_array_size(argv); i++)
        json_array_append(obj(c.cfg, "Args"), json_array_get(argv, i));
    json_decref(argv);
    c.state = json_pack("{s:s, s:i, s:i}", "Status", "created", "Pid", 0, "ExitCode", 0);
    int rc = -1;
    int lock = ctr_lock_all(e, err);
    if (lock < 0)
        goto out;
    char gen[128];
    if (name == NULL || *name == '\0') {
        for (int tries = 0; tries < 20; tries++) {
            ctr_random_name(gen, sizeof gen);
            if (tries >= 10)
                snprintf(gen + strlen(gen), sizeof gen - strlen(gen), "%d", tries);
            if (!ctr_name_taken(e, gen, NULL))
                break;
        }
        name = gen;
    } else {
        char other[SK_ID_LEN + 1];
        if (ctr_name_taken(e, name, other)) {
            sk_err(err, 0,
                   "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
                   "You have to remove (or rename) that container to be able to reuse that name.",
                   name, other);
            close(lock);
            goto out;
        }
    }
    char nm[300];
    snprintf(nm, sizeof nm, "/%s", name);
    json_object_set_new(c.cfg, "Name", json_string(nm));
    /* the directory first: a create killed after the lease leaves litter
     * whose sweep gives the lease back */
    if (sk_mkdir_p(c.dir, 0700, err) < 0) {
        close(lock);
        goto out;
    }
    if (ctr_net_lease(e, c.cfg, body, err) < 0) {
        sk_rm_rf(c.dir, NULL);
        close(lock);
        goto out;
    }
    if (ctr_resolve_links(e, &c, err) < 0 || write_etc(e, &c, hostname, err) < 0 ||
        ctr_save_state(&c, err) < 0 || ctr_save_config(&c, err) < 0) {
        sk_rm_rf(c.dir, NULL);
        ctr_net_release(e, c.cfg);
        close(lock);
        goto out;
    }
    close(lock);
    sk_event_container(e, c.cfg, "create", NULL);
    rc = 0;
out:
    if (rc < 0) /* the anonymous volumes made for it go with it */
        ctr_remove_anonymous_volumes(e, mounts);
    json_decref(c.cfg);
    json_decref(c.state);
    return rc;
}

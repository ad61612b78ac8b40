/* network.c - network records, leases and their kernel side (see
 * network.h). */
#define _GNU_SOURCE
#include "network/network.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "network/ipam.h"
#include "network/net_int.h"
#include "network/nft.h"
#include "network/nl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "runtime/state.h"
#include "util/strbuf.h"
#include "util/strutil.h"

#define OPT_BRIDGE "com.docker.network.bridge.name"

static json_t *obj(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(obj(o, k));
}

void net_ctx_init(struct sk_netctx *n, const char *root, const char *runroot)
{
    snprintf(n->dir, sizeof n->dir, "%s/networks", root);
    snprintf(n->nsdir, sizeof n->nsdir, "%s/netns", runroot);
    if (strcmp(root, "/var/lib/skiff") == 0) {
        snprintf(n->table, sizeof n->table, "skiff");
        snprintf(n->bridge0, sizeof n->bridge0, "skiff0");
        return;
    }
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)root; *p; p++)
        h = (h ^ *p) * 16777619u;
    snprintf(n->table, sizeof n->table, "skiff_%08x", h);
    snprintf(n->bridge0, sizeof n->bridge0, "sk%08x", h);
}

bool net_predefined(const char *name)
{
    return strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 || strcmp(name, "none") == 0;
}

const char *net_bridge(json_t *rec)
{
    return str(obj(rec, "Options"), OPT_BRIDGE);
}

int net_lock(struct sk_netctx *n, sk_error *err)
{
    if (sk_mkdir_p(n->dir, 0700, err) < 0)
        return -1;
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/lock", n->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return sk_err(err, errno, "%s", path);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return sk_err(err, e, "lock %s", path);
        }
    }
    return fd;
}

static bool valid_id(const char *id)
{
    size_t i = 0;
    for (; id[i]; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return i == 64;
}

int net_load(struct sk_netctx *n, const char *id, json_t **out, sk_error *err)
{
    if (!valid_id(id))
        return sk_err(err, 0, "network %s: not a network id", id);
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s.json", n->dir, id);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (sk_read_file(path, 1 << 22, &text, &len, err) < 0)
        return -1;
    *out = sk_json_parse(text, len, path, err);
    return *out ? 0 : -1;
}

static int save(struct sk_netctx *n, json_t *rec, sk_error *err)
{
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s.json", n->dir, str(rec, "Id"));
    _cleanup_free_ char *text = json_dumps(rec, JSON_COMPACT);
    if (text == NULL)
        return sk_err(err, ENOMEM, "network record");
    return sk_write_atomic(path, text, strlen(text), 0600, 0, err);
}

/* Every record (an array), the predefined pseudo-networks not included. */
static int load_all(struct sk_netctx *n, json_t **out, sk_error *err)
{
    *out = json_array();
    DIR *d = opendir(n->dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : sk_err(err, errno, "%s", n->dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l != 69 || strcmp(de->d_name + 64, ".json") != 0)
            continue;
        char id[65];
        memcpy(id, de->d_name, 64);
        id[64] = '\0';
        json_t *rec;
        if (net_load(n, id, &rec, NULL) == 0)
            json_array_append_new(*out, rec);
    }
    closedir(d);
    return 0;
}

static bool valid_name(const char *s)
{
    if (s == NULL || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
        return false;
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
            return false;
    return i <= 128;
}

/* An interface name that is also safe inside an nft script's quotes. */
static bool valid_ifname(const char *s)
{
    size_t l = strlen(s);
    if (l == 0 || l > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (size_t i = 0; i < l; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
            return false;
    return true;
}

/* ---- finding ---------------------------------------------------------------------------- */

static json_t *pseudo(const char *name)
{
    const char *id = strcmp(name, "host") == 0
                         ? "0000000000000000000000000000000000000000000000000000000000000001"
                         : "0000000000000000000000000000000000000000000000000000000000000002";
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:[]}, s:b, s:b, s:b, s:{s:s}, "
                     "s:b, s:{}, s:{}, s:{}}",
                     "Name", name, "Id", id, "Created", "0001-01-01T00:00:00Z", "Scope", "local",
                     "Driver", strcmp(name, "host") == 0 ? "host" : "null", "EnableIPv6", 0, "IPAM",
                     "Driver", "default", "Options", "Config", "Internal", 0, "Attachable", 0,
                     "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers",
                     "Options", "Labels");
}

/* Under the lock: the record by name, id or unique id prefix, or NULL. */
static json_t *find(json_t *all, const char *ref, sk_error *err)
{
    size_t i;
    json_t *r, *hit = NULL;
    json_array_foreach(all, i, r) if (strcmp(str(r, "Name"), ref) == 0) return json_incref(r);
    json_array_foreach(all, i, r) if (strcmp(str(r, "Id"), ref) == 0) return json_incref(r);
    size_t len = strlen(ref);
    int n = 0;
    json_array_foreach(all, i, r)
    {
        if (len > 0 && strncmp(str(r, "Id"), ref, len) == 0) {
            hit = r;
            n++;
        }
    }
    if (n > 1) {
        sk_err(err, 0, "network %s is ambiguous (%d matches found based on ID prefix)", ref, n);
        return NULL;
    }
    if (hit == NULL)
        sk_err(err, 0, "No such network: %s", ref);
    return hit ? json_incref(hit) : NULL;
}

/* ---- subnets ---------------------------------------------------------------------------- */

struct overlap_walk {
    uint32_t base;
    int prefix;
    bool hit;
};

static void route_overlap(uint32_t dst, int prefix, void *arg)
{
    struct overlap_walk *w = arg;
    if (ipam_overlap(ntohl(dst), prefix, w->base, w->prefix))
        w->hit = true;
}

/* The network (other than skip) whose subnet overlaps base/prefix, or NULL. */
static json_t *overlapping(json_t *all, uint32_t base, int prefix, json_t *skip)
{
    size_t i, j;
    json_t *r, *c;
    json_array_foreach(all, i, r)
    {
        if (r == skip)
            continue;
        json_array_foreach(obj(obj(r, "IPAM"), "Config"), j, c)
        {
            uint32_t b;
            int p;
            if (ipam_parse_cidr(str(c, "Subnet"), &b, &p, false) == 0 && ipam_overlap(b, p, base, prefix))
                return r;
        }
    }
    return NULL;
}

/* The first pool subnet that no network and no route of the host uses. */
static int pick_subnet(json_t *all, uint32_t *base, int *prefix, sk_error *err)
{
    struct nl nl;
    if (nl_open(&nl, err) < 0)
        return -1;
    for (int i = 0; ipam_pool_candidate(i, base, prefix) == 0; i++) {
        if (overlapping(all, *base, *prefix, NULL))
            continue;
        struct overlap_walk w = {*base, *prefix, false};
        if (nl_routes4(&nl, route_overlap, &w, err) < 0) {
            nl_close(&nl);
            return -1;
        }
        if (!w.hit) {
            nl_close(&nl);
            return 0;
        }
    }
    nl_close(&nl);
    return sk_err(err, 0, "could not find an available, non-overlapping IPv4 address pool among "
                          "the defaults to assign to the network");
}

/* ---- creation --------------------------------------------------------------------------- */

static int ipam_config(json_t *all, json_t *req, const char *name, json_t **out, sk_error *err)
{
    json_t *cfgs = obj(obj(req, "IPAM"), "Config");
    json_t *c0 = json_array_get(cfgs, 0);
    const char *sub = str(c0, "Subnet"), *gw = str(c0, "Gateway"), *range = str(c0, "IPRange");
    if (json_array_size(cfgs) > 1)
        return sk_err(err, 0, "network %s: one IPv4 subnet per network is supported", name);
    uint32_t base, g = 0;
    int prefix;
    if (sub != NULL && *sub) {
        if (strchr(sub, ':') != NULL)
            return sk_err(err, 0, "network %s: IPv6 subnets are not supported yet", name);
        if (ipam_parse_cidr(sub, &base, &prefix, false) < 0)
            return sk_err(err, 0, "invalid subnet %s: expected an IPv4 CIDR like 10.1.0.0/24", sub);
        if (prefix > 30)
            return sk_err(err, 0, "subnet %s is too small: a network needs a /30 or larger", sub);
        json_t *o = overlapping(all, base, prefix, NULL);
        if (o != NULL)
            return sk_err(err, 0, "network \"%s\": subnet %s overlaps network \"%s\" (%s)", name,
                          sub, str(o, "Name"),
                          str(json_array_get(obj(obj(o, "IPAM"), "Config"), 0), "Subnet"));
    } else {
        if (gw != NULL || range != NULL)
            return sk_err(err, 0, "network %s: --gateway and --ip-range need a --subnet", name);
        if (pick_subnet(all, &base, &prefix, err) < 0)
            return -1;
    }
    uint32_t first, last;
    ipam_host_range(base, prefix, &first, &last);
    if (gw != NULL && *gw) {
        if (ipam_parse_ip(gw, &g) < 0 || !ipam_contains(base, prefix, g) || g < first || g > last)
            return sk_err(err, 0, "invalid gateway %s: not a host address of %s", gw, sub);
    } else {
        g = first;
    }
    char sbuf[32], gbuf[20], tmp[20];
    ipam_format(base, tmp, sizeof tmp);
    snprintf(sbuf, sizeof sbuf, "%s/%d", tmp, prefix);
    ipam_format(g, gbuf, sizeof gbuf);
    json_t *cfg = json_pack("{s:s, s:s}", "Subnet", sbuf, "Gateway", gbuf);
    if (range != NULL && *range) {
        uint32_t rb;
        int rp;
        if (ipam_parse_cidr(range, &rb, &rp, false) < 0 || rp < prefix || !ipam_contains(base, prefix, rb)) {
            json_decref(cfg);
            return sk_err(err, 0, "invalid ip-range %s: not inside the subnet %s", range, sbuf);
        }
        ipam_format(rb, tmp, sizeof tmp);
        char rbuf[32];
        snprintf(rbuf, sizeof rbuf, "%s/%d", tmp, rp);
        json_object_set_new(cfg, "IPRange", json_string(rbuf));
    }
    *out = json_pack("[o]", cfg);
    return 0;
}

static int check_request(json_t *req, const char **name, sk_error *err)
{
    *name = str(req, "Name");
    if (*name == NULL || !**name)
        return sk_err(err, 0, "a network needs a name");
    if (!valid_name(*name))
        return sk_err(err, 0, "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                      *name);
    const char *drv = str(req, "Driver");
    if (drv != NULL && *drv && strcmp(drv, "bridge") != 0)
        return sk_err(err, 0, "network %s: driver \"%s\" is not supported (only bridge)", *name, drv);
    if (json_is_true(obj(req, "EnableIPv6")))
        return sk_err(err, 0, "network %s: IPv6 is not supported yet", *name);
    const char *br = str(obj(req, "Options"), OPT_BRIDGE);
    if (br != NULL && !valid_ifname(br))
        return sk_err(err, 0, "invalid bridge name \"%s\": at most 15 of [a-zA-Z0-9_.-]", br);
    json_t *labels = obj(req, "Labels");
    if (labels != NULL && !json_is_null(labels) && !json_is_object(labels))
        return sk_err(err, 0, "network %s: Labels must be an object", *name);
    return 0;
}

/* Under the lock. */
static int create_locked(struct sk_netctx *n, json_t *all, json_t *req, const char *bridge,
                         json_t **out, sk_error *err)
{
    const char *name;
    if (check_request(req, &name, err) < 0)
        return -1;
    if (net_predefined(name) && bridge == NULL)
        return sk_err(err, 0, "%s is a pre-defined network and cannot be created", name);
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) if (strcmp(str(r, "Name"), name) == 0) return sk_err(
        err, 0, "network with name %s already exists", name);
    json_t *ipam = NULL;
    if (ipam_config(all, req, name, &ipam, err) < 0)
        return -1;
    char id[65], br[16], now[40];
    if (sk_random_hex(id, 32) < 0) {
        json_decref(ipam);
        return sk_err(err, errno, "getrandom");
    }
    const char *want = str(obj(req, "Options"), OPT_BRIDGE);
    snprintf(br, sizeof br, "%s", bridge ? bridge : want ? want : "");
    if (!*br)
        snprintf(br, sizeof br, "br-%.12s", id);
    json_array_foreach(all, i, r) if (sk_streq(net_bridge(r), br))
    {
        json_decref(ipam);
        return sk_err(err, 0, "bridge %s is already used by network %s", br, str(r, "Name"));
    }
    rt_now_rfc3339(now, sizeof now);
    json_t *opts = json_is_object(obj(req, "Options")) ? json_deep_copy(obj(req, "Options")) : json_object();
    json_object_set_new(opts, OPT_BRIDGE, json_string(br));
    json_t *labels = json_is_object(obj(req, "Labels")) ? json_deep_copy(obj(req, "Labels")) : json_object();
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:o}, s:b, s:b, s:b, "
                            "s:{s:s}, s:b, s:{}, s:o, s:o}",
                            "Name", name, "Id", id, "Created", now, "Scope", "local", "Driver",
                            "bridge", "EnableIPv6", 0, "IPAM", "Driver", "default", "Options",
                            "Config", ipam, "Internal", json_is_true(obj(req, "Internal")),
                            "Attachable", json_is_true(obj(req, "Attachable")), "Ingress", 0,
                            "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers", "Options",
                            opts, "Labels", labels);
    if (rec == NULL)
        return sk_err(err, ENOMEM, "network %s", name);
    if (save(n, rec, err) < 0) {
        json_decref(rec);
        return -1;
    }
    json_array_append(all, rec);
    if (net_realize(n, rec, err) < 0) {
        char path[PATH_MAX + 80];
        snprintf(path, sizeof path, "%s/%s.json", n->dir, id);
        unlink(path);
        json_decref(rec);
        return sk_err_prefix(err, "network %s", name);
    }
    *out = rec;
    return 0;
}

int net_create(struct sk_netctx *n, json_t *req, json_t **out, sk_error *err)
{
    int lock = net_lock(n, err);
    if (lock < 0)
        return -1;
    json_t *all;
    int rc = load_all(n, &all, err);
    if (rc == 0)
        rc = create_locked(n, all, req, NULL, out, err);
    json_decref(all);
    close(lock);
    return rc;
}

/* Under the lock: the record of ref, "bridge" made when missing. */
static json_t *get_locked(struct sk_netctx *n, json_t *all, const char *ref, sk_error *err)
{
    if (strcmp(ref, "host") == 0 || strcmp(ref, "none") == 0)
        return pseudo(ref);
    sk_error e2;
    json_t *r = find(all, ref, &e2);
    if (r != NULL || strcmp(ref, "bridge") != 0) {
        if (r == NULL && err != NULL)
            *err = e2;
        return r;
    }
    json_t *req = json_pack("{s:s, s:s, s:{s:s}}", "Name", "bridge", "Driver", "bridge", "Options",
                            "com.docker.network.bridge.default_bridge", "true");
    json_t *rec = NULL;
    create_locked(n, all, req, n->bridge0, &rec, err);
    json_decref(req);
    return rec;
}

int net_get(struct sk_netctx *n, const char *ref, json_t **out, sk_error *err)
{
    int lock = net_lock(n, err);
    if (lock < 0)
        return -1;
    json_t *all = NULL;
    *out = load_all(n, &all, err) == 0 ? get_locked(n, all, ref, err) : NULL;
    json_decref(all);
    close(lock);
    return *out ? 0 : -1;
}

int net_list(struct sk_netctx *n, json_t **out, sk_error *err)
{
    json_t *b;
    if (net_get(n, "bridge", &b, err) < 0) /* docker always has it */
        return -1;
    json_decref(b);
    if (load_all(n, out, err) < 0)
        return -1;
    json_array_append_new(*out, pseudo("host"));
    json_array_append_new(*out, pseudo("none"));
    return 0;
}

static int sync_rules(struct sk_netctx *n, json_t *all, sk_error *err);

int net_remove(struct sk_netctx *n, const char *ref, sk_error *err)
{
    int lock = net_lock(n, err);
    if (lock < 0)
        return -1;
    json_t *all = NULL, *rec = NULL;
    int rc = -1;
    if (load_all(n, &all, err) < 0)
        goto out;
    if (net_predefined(ref) || (rec = find(all, ref, err)) == NULL) {
        if (net_predefined(ref))
            sk_err(err, 0, "%s is a pre-defined network and cannot be removed", ref);
        goto out;
    }
    if (net_predefined(str(rec, "Name"))) {
        sk_err(err, 0, "%s is a pre-defined network and cannot be removed", str(rec, "Name"));
        goto out;
    }
    if (json_object_size(obj(rec, "Containers")) > 0) {
        sk_err(err, 0, "error while removing network: network %s id %s has active endpoints",
               str(rec, "Name"), str(rec, "Id"));
        goto out;
    }
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s.json", n->dir, str(rec, "Id"));
    if (unlink(path) < 0) {
        sk_err(err, errno, "remove network %s", str(rec, "Name"));
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) if (strcmp(str(r, "Id"), str(rec, "Id")) == 0)
    {
        json_array_remove(all, i);
        break;
    }
    struct nl nl;
    if (nl_open(&nl, NULL) == 0) {
        nl_link_del(&nl, net_bridge(rec), NULL);
        nl_close(&nl);
    }
    rc = sync_rules(n, all, err);
out:
    json_decref(rec);
    json_decref(all);
    close(lock);
    return rc;
}

/* ---- leases ----------------------------------------------------------------------------- */

static int pick_address(json_t *rec, const char *want, uint32_t *ip, sk_error *err)
{
    json_t *cfg = json_array_get(obj(obj(rec, "IPAM"), "Config"), 0);
    uint32_t base, gw, first, last, lo, hi;
    int prefix;
    if (ipam_parse_cidr(str(cfg, "Subnet"), &base, &prefix, false) < 0 ||
        ipam_parse_ip(str(cfg, "Gateway"), &gw) < 0)
        return sk_err(err, 0, "network %s: its record has no valid subnet", str(rec, "Name"));
    ipam_host_range(base, prefix, &first, &last);
    lo = first;
    hi = last;
    uint32_t rb;
    int rp;
    if (ipam_parse_cidr(str(cfg, "IPRange"), &rb, &rp, false) == 0) {
        uint32_t rf, rl;
        ipam_host_range(rb, rp, &rf, &rl);
        lo = rf > first ? rf : first;
        hi = rl < last ? rl : last;
    }
    json_t *ctrs = obj(rec, "Containers");
    char buf[40];
    if (want != NULL && *want) {
        if (ipam_parse_ip(want, ip) < 0 || !ipam_contains(base, prefix, *ip) || *ip < first || *ip > last)
            return sk_err(err, 0, "invalid address %s: not a host address of network %s (%s)", want,
                          str(rec, "Name"), str(cfg, "Subnet"));
        if (*ip == gw)
            return sk_err(err, 0, "Address already in use: %s is the gateway of network %s", want,
                          str(rec, "Name"));
    }
    const char *k;
    json_t *v;
    for (uint32_t a = want && *want ? *ip : lo; a <= (want && *want ? *ip : hi); a++) {
        if (a == gw)
            continue;
        char cidr[40];
        ipam_format(a, buf, sizeof buf);
        snprintf(cidr, sizeof cidr, "%s/%d", buf, prefix);
        bool used = false;
        json_object_foreach(ctrs, k, v) used |= sk_streq(str(v, "IPv4Address"), cidr);
        if (!used) {
            *ip = a;
            return 0;
        }
        if (a == 0xffffffffu)
            break;
    }
    if (want && *want)
        return sk_err(err, 0, "Address already in use: %s on network %s", want, str(rec, "Name"));
    return sk_err(err, 0, "no available IPv4 addresses on network %s (%s): the subnet is full",
                  str(rec, "Name"), str(cfg, "Subnet"));
}

int net_lease(struct sk_netctx *n, const char *ref, const char *ctr_id, const char *ctr_name,
              const char *want_ip, json_t *aliases, json_t **ep, sk_error *err)
{
    int lock = net_lock(n, err);
    if (lock < 0)
        return -1;
    json_t *all = NULL, *rec = NULL;
    int rc = -1;
    if (load_all(n, &all, err) < 0 || (rec = get_locked(n, all, ref, err)) == NULL)
        goto out;
    if (!strcmp(str(rec, "Driver"), "host") || !strcmp(str(rec, "Driver"), "null")) {
        sk_err(err, 0, "network %s: a container joins it with --network %s only", ref, ref);
        goto out;
    }
    json_t *ctrs = obj(rec, "Containers");
    if (obj(ctrs, ctr_id) != NULL) {
        sk_err(err, 0, "endpoint with name %s already exists in network %s", ctr_name, str(rec, "Name"));
        goto out;
    }
    uint32_t ip;
    if (pick_address(rec, want_ip, &ip, err) < 0)
        goto out;
    json_t *cfg = json_array_get(obj(obj(rec, "IPAM"), "Config"), 0);
    uint32_t base;
    int prefix;
    ipam_parse_cidr(str(cfg, "Subnet"), &base, &prefix, false);
    char addr[20], cidr[40], mac[20], epid[65];
    ipam_format(ip, addr, sizeof addr);
    snprintf(cidr, sizeof cidr, "%s/%d", addr, prefix);
    uint8_t m[6];
    ipam_mac(ip, m);
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    if (sk_random_hex(epid, 32) < 0) {
        sk_err(err, errno, "getrandom");
        goto out;
    }
    json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", ctr_name ? ctr_name : "",
                              "EndpointID", epid, "MacAddress", mac, "IPv4Address", cidr,
                              "IPv6Address", "");
    if (json_array_size(aliases) > 0) /* what the network's name server answers for too */
        json_object_set(entry, "Aliases", aliases);
    json_object_set_new(ctrs, ctr_id, entry);
    if (save(n, rec, err) < 0)
        goto out;
    bool internal = json_is_true(obj(rec, "Internal"));
    *ep = json_pack("{s:o, s:n, s:O, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:n}",
                    "IPAMConfig", want_ip && *want_ip ? json_pack("{s:s}", "IPv4Address", want_ip) : json_null(),
                    "Links", "Aliases", aliases ? aliases : json_null(), "NetworkID", str(rec, "Id"),
                    "EndpointID", epid, "Gateway", internal ? "" : str(cfg, "Gateway"), "IPAddress", addr,
                    "IPPrefixLen", prefix, "IPv6Gateway", "", "GlobalIPv6Address", "",
                    "GlobalIPv6PrefixLen", 0, "MacAddress", mac, "DriverOpts");
    rc = 0;
out:
    json_decref(rec);
    json_decref(all);
    close(lock);
    return rc;
}

int net_release(struct sk_netctx *n, const char *net_id, const char *ctr_id, sk_error *err)
{
    int lock = net_lock(n, err);
    if (lock < 0)
        return -1;
    json_t *rec = NULL;
    int rc = 0;
    if (net_load(n, net_id, &rec, NULL) == 0 && json_object_del(obj(rec, "Containers"), ctr_id) == 0)
        rc = save(n, rec, err);
    json_decref(rec);
    close(lock);
    return rc;
}

void net_forget(struct sk_netctx *n, const char *ctr_id)
{
    int lock = net_lock(n, NULL);
    if (lock < 0)
        return;
    json_t *all = NULL;
    if (load_all(n, &all, NULL) == 0) {
        size_t i;
        json_t *r;
        json_array_foreach(all, i, r) if (json_object_del(obj(r, "Containers"), ctr_id) == 0) save(n, r, NULL);
    }
    json_decref(all);
    close(lock);
    net_teardown(n, ctr_id, NULL);
}

/* ---- the kernel side -------------------------------------------------------------------- */

static void render_base(struct strbuf *s, const char *t)
{
    sb_printf(s,
                     "add table inet %1$s\n"
                     "add set inet %1$s bridges { type ifname; }\n"
                     "add map inet %1$s ports { type inet_proto . inet_service : verdict; }\n"
                     "add chain inet %1$s prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
                     "add chain inet %1$s output { type nat hook output priority -100; policy accept; }\n"
                     "add chain inet %1$s postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
                     "add chain inet %1$s forward { type filter hook forward priority filter; policy accept; }\n"
                     "flush chain inet %1$s prerouting\n"
                     "flush chain inet %1$s output\n"
                     "flush chain inet %1$s postrouting\n"
                     "flush chain inet %1$s forward\n"
                     "flush set inet %1$s bridges\n"
                     "add rule inet %1$s prerouting fib daddr type local meta l4proto . th dport vmap @ports\n"
                     "add rule inet %1$s output fib daddr type local meta l4proto . th dport vmap @ports\n",
                     t);
}

/* All networks' forwarding and NAT rules, rebuilt in one transaction. */
static int sync_rules(struct sk_netctx *n, json_t *all, sk_error *err)
{
    struct strbuf s = {0};
    const char *t = n->table;
    render_base(&s, t);
    size_t i;
    json_t *r;
    /* what may enter any network first: its own traffic, replies, published ports */
    json_array_foreach(all, i, r)
    {
        const char *b = net_bridge(r);
        if (b == NULL || !valid_ifname(b))
            continue; /* a damaged record: never into the script */
        sb_printf(&s,
                         "add element inet %1$s bridges { \"%2$s\" }\n"
                         "add rule inet %1$s forward iifname \"%2$s\" oifname \"%2$s\" accept\n"
                         "add rule inet %1$s forward oifname \"%2$s\" ct state established,related accept\n"
                         "add rule inet %1$s forward oifname \"%2$s\" ct status dnat accept\n",
                         t, b);
    }
    /* then: nothing else gets in; out only to what is not another network */
    json_array_foreach(all, i, r)
    {
        const char *b = net_bridge(r);
        uint32_t sb;
        int sp;
        if (b == NULL || !valid_ifname(b) ||
            ipam_parse_cidr(str(json_array_get(obj(obj(r, "IPAM"), "Config"), 0), "Subnet"), &sb, &sp, true) < 0)
            continue;
        sb_printf(&s, "add rule inet %1$s forward oifname \"%2$s\" drop\n", t, b);
        if (json_is_true(obj(r, "Internal"))) {
            sb_printf(&s, "add rule inet %1$s forward iifname \"%2$s\" drop\n", t, b);
        } else {
            const char *sub = str(json_array_get(obj(obj(r, "IPAM"), "Config"), 0), "Subnet");
            sb_printf(&s,
                             "add rule inet %1$s forward iifname \"%2$s\" oifname @bridges drop\n"
                             "add rule inet %1$s forward iifname \"%2$s\" accept\n"
                             "add rule inet %1$s postrouting ip saddr %3$s oifname != \"%2$s\" masquerade\n",
                             t, b, sub);
        }
        /* published ports reached from this host's loopback, and from a
         * container of the same network through the host's address (hairpin:
         * the reply must come back through the host, not straight over the
         * bridge) */
        const char *sub = str(json_array_get(obj(obj(r, "IPAM"), "Config"), 0), "Subnet");
        sb_printf(&s,
                  "add rule inet %1$s postrouting oifname \"%2$s\" ip saddr 127.0.0.0/8 masquerade\n"
                  "add rule inet %1$s postrouting oifname \"%2$s\" ip saddr %3$s ct status dnat masquerade\n",
                  t, b, sub);
    }
    if (s.oom || s.s == NULL) {
        sb_free(&s);
        return sk_err(err, ENOMEM, "nftables rules");
    }
    int rc = nft_apply(s.s, err);
    sb_free(&s);
    return rc;
}

static void sysctl_set(const char *path, const char *value)
{
    sk_write_existing(path, value, NULL);
}

int net_realize(struct sk_netctx *n, json_t *rec, sk_error *err)
{
    const char *br = net_bridge(rec), *name = str(rec, "Name");
    json_t *cfg = json_array_get(obj(obj(rec, "IPAM"), "Config"), 0);
    uint32_t base, gw;
    int prefix;
    if (br == NULL || ipam_parse_cidr(str(cfg, "Subnet"), &base, &prefix, false) < 0 ||
        ipam_parse_ip(str(cfg, "Gateway"), &gw) < 0)
        return sk_err(err, 0, "network %s: its record is damaged", name);
    struct nl nl;
    if (nl_open(&nl, err) < 0)
        return -1;
    bool up = false;
    int idx = nl_link_state(&nl, br, &up, err);
    if (idx > 0 && up) { /* built already: it goes up last */
        nl_close(&nl);
        return 0;
    }
    uint32_t gwn = htonl(gw);
    int rc = -1;
    if (idx < 0 || nl_bridge_add(&nl, br, 0, err) < 0 || (idx = nl_ifindex(&nl, br, err)) <= 0 ||
        nl_addr_add(&nl, idx, AF_INET, &gwn, prefix, err) < 0)
        goto out;
    char path[128];
    snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/route_localnet", br);
    sysctl_set(path, "1");
    if (!json_is_true(obj(rec, "Internal")))
        sysctl_set("/proc/sys/net/ipv4/ip_forward", "1");
    json_t *all;
    if (load_all(n, &all, err) == 0) {
        rc = sync_rules(n, all, err);
        json_decref(all);
    }
    if (rc == 0)
        rc = nl_link_up(&nl, br, err);
out:
    if (rc < 0)
        nl_link_del(&nl, br, NULL);
    nl_close(&nl);
    return rc;
}

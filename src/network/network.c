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
#define OPT_MTU "com.docker.network.driver.mtu"
#define OPT_ICC "com.docker.network.bridge.enable_icc"
#define OPT_MASQ "com.docker.network.bridge.enable_ip_masquerade"
/* Without OPT_MTU: the bridge and the veths carry packets as large as
 * loopback's (nothing physical is between them), and a container's default
 * route, by which packets leave the host, caps them at Ethernet's 1500. */
#define LINK_MTU 65535
#define ROUTE_MTU 1500

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
    n->npools = 0;
    n->ula = 0;
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

/* The network's OPT_MTU, 0 when not given (or not a valid MTU). */
static unsigned opt_mtu(json_t *opts)
{
    const char *s = str(opts, OPT_MTU);
    int m;
    if (s == NULL || sk_parse_int(s, &m) < 0 || m < 68 || m > 65535)
        return 0;
    return (unsigned)m;
}

/* A boolean option as docker's strconv.ParseBool reads it: 1 true, 0
 * false, -1 neither; dflt when absent. */
static int opt_bool(json_t *opts, const char *key, bool dflt)
{
    static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
    static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};
    const char *s = str(opts, key);
    if (s == NULL)
        return dflt;
    for (int i = 0; yes[i] != NULL; i++) {
        if (strcmp(s, yes[i]) == 0)
            return 1;
        if (strcmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

unsigned net_link_mtu(json_t *rec)
{
    unsigned m = opt_mtu(obj(rec, "Options"));
    return m ? m : LINK_MTU;
}

unsigned net_route_mtu(json_t *rec)
{
    unsigned m = opt_mtu(obj(rec, "Options"));
    return m ? m : ROUTE_MTU;
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

static uint64_t ula_gid(struct sk_netctx *n);

struct overlap_walk {
    int family;
    uint32_t base;
    struct ip6 base6;
    int prefix;
    bool hit;
};

static void route_overlap(const uint8_t *dst, int prefix, void *arg)
{
    struct overlap_walk *w = arg;
    if (w->family == AF_INET) {
        uint32_t d;
        memcpy(&d, dst, 4);
        w->hit |= ipam_overlap(ntohl(d), prefix, w->base, w->prefix);
    } else {
        struct ip6 d;
        memcpy(d.b, dst, 16);
        w->hit |= ipam6_overlap(&d, prefix, &w->base6, w->prefix);
    }
}

/* Whether a route of the host overlaps the subnet in w (-1: no answer). */
static int routes_overlap(struct overlap_walk *w, sk_error *err)
{
    struct nl nl;
    if (nl_open(&nl, err) < 0)
        return -1;
    w->hit = false;
    int r = nl_routes(&nl, w->family, route_overlap, w, err);
    nl_close(&nl);
    return r < 0 ? -1 : w->hit;
}

/* The IPv6 entry of a record's IPAM.Config (the IPv4 one is the first), or NULL. */
json_t *net_ipam6(json_t *rec)
{
    size_t i;
    json_t *c;
    json_array_foreach(obj(obj(rec, "IPAM"), "Config"), i, c)
    {
        const char *sub = str(c, "Subnet");
        if (sub != NULL && strchr(sub, ':') != NULL)
            return c;
    }
    return NULL;
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

static json_t *overlapping6(json_t *all, const struct ip6 *base, int prefix)
{
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        struct ip6 b;
        int p;
        if (ipam6_parse_cidr(str(net_ipam6(r), "Subnet"), &b, &p, false) == 0 &&
            ipam6_overlap(&b, p, base, prefix))
            return r;
    }
    return NULL;
}

int net_parse_pool(const char *spec, struct net_pool *out, sk_error *err)
{
    char base[64] = "";
    int size = -1, n = 0;
    memset(out, 0, sizeof *out);
    if (sscanf(spec, "base=%63[^,],size=%d%n", base, &size, &n) != 2 || spec[n] != '\0')
        return sk_err(err, 0, "invalid address pool \"%s\": expected base=CIDR,size=N", spec);
    out->v6 = strchr(base, ':') != NULL;
    int r = out->v6 ? ipam6_parse_cidr(base, &out->base6, &out->prefix, true)
                    : ipam_parse_cidr(base, &out->base, &out->prefix, true);
    int max = out->v6 ? 124 : 30;
    if (r < 0)
        return sk_err(err, 0, "invalid address pool \"%s\": %s is no network address in CIDR form", spec, base);
    if (size < out->prefix || size > max)
        return sk_err(err, 0, "invalid address pool \"%s\": size must be from /%d (the base's) to /%d", spec,
                      out->prefix, max);
    out->size = size;
    return 0;
}

/* The i-th candidate subnet of the family: the configured pools' in order,
 * else the defaults (up to 65536 of each pool); -1 past the end. */
static int candidate(struct sk_netctx *n, bool v6, int i, uint32_t *b4, struct ip6 *b6, int *prefix)
{
    bool any = false;
    for (int k = 0; k < n->npools; k++) {
        struct net_pool *p = &n->pools[k];
        if (p->v6 != v6)
            continue;
        any = true;
        int bits = p->size - p->prefix;
        int count = bits >= 16 ? 65536 : 1 << bits;
        if (i < count) {
            *prefix = p->size;
            return v6 ? ipam6_pool_subnet(&p->base6, p->prefix, p->size, (uint32_t)i, b6)
                      : ipam_pool_subnet(p->base, p->prefix, p->size, (uint32_t)i, b4);
        }
        i -= count;
    }
    if (any)
        return -1;
    if (v6) {
        if (i >= 65536)
            return -1;
        ipam6_ula_candidate(ula_gid(n), i, b6, prefix);
        return 0;
    }
    return ipam_pool_candidate(i, b4, prefix);
}

/* This host's unique local prefix: a 40-bit global id from its machine id
 * and the engine's root (instances side by side get prefixes of their own). */
static uint64_t ula_gid(struct sk_netctx *n)
{
    if (n->ula != 0)
        return n->ula;
    uint64_t h = 14695981039346656037ull; /* FNV-1a 64 */
    _cleanup_free_ char *mid = NULL;
    size_t len = 0;
    if (sk_read_file("/etc/machine-id", 4096, &mid, &len, NULL) < 0)
        len = 0;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)mid[i]) * 1099511628211ull;
    for (const unsigned char *p = (const unsigned char *)n->dir; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    n->ula = (h ^ (h >> 40)) & 0xffffffffffull;
    return n->ula;
}

/* The first pool subnet of the family that no network and no route of the
 * host uses. */
static int pick_subnet(struct sk_netctx *n, json_t *all, bool v6, uint32_t *b4, struct ip6 *b6, int *prefix,
                       sk_error *err)
{
    for (int i = 0; candidate(n, v6, i, b4, b6, prefix) == 0; i++) {
        if (v6 ? overlapping6(all, b6, *prefix) != NULL : overlapping(all, *b4, *prefix, NULL) != NULL)
            continue;
        struct overlap_walk w = {.family = v6 ? AF_INET6 : AF_INET, .prefix = *prefix};
        if (v6)
            w.base6 = *b6;
        else
            w.base = *b4;
        int r = routes_overlap(&w, err);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
    }
    return sk_err(err, 0, "could not find an available, non-overlapping IPv%d address pool among the %s "
                          "to assign to the network", v6 ? 6 : 4, n->npools ? "configured pools" : "defaults");
}

/* ---- creation --------------------------------------------------------------------------- */

static int ipam_config4(struct sk_netctx *n, json_t *all, json_t *c0, const char *name, json_t **out,
                        sk_error *err)
{
    const char *sub = str(c0, "Subnet"), *gw = str(c0, "Gateway"), *range = str(c0, "IPRange");
    uint32_t base, g = 0;
    int prefix;
    if (sub != NULL && *sub) {
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
        if (pick_subnet(n, all, false, &base, NULL, &prefix, err) < 0)
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
    *out = cfg;
    return 0;
}

static int ipam_config6(struct sk_netctx *n, json_t *all, json_t *c, const char *name, json_t **out,
                        sk_error *err)
{
    const char *sub = str(c, "Subnet"), *gw = str(c, "Gateway"), *range = str(c, "IPRange");
    struct ip6 base, g, last;
    int prefix;
    if (sub != NULL && *sub) {
        if (ipam6_parse_cidr(sub, &base, &prefix, false) < 0)
            return sk_err(err, 0, "invalid subnet %s: expected an IPv6 CIDR like fd42::/64", sub);
        if (prefix > 124)
            return sk_err(err, 0, "subnet %s is too small: an IPv6 network needs a /124 or larger", sub);
        json_t *o = overlapping6(all, &base, prefix);
        if (o != NULL)
            return sk_err(err, 0, "network \"%s\": subnet %s overlaps network \"%s\" (%s)", name, sub,
                          str(o, "Name"), str(net_ipam6(o), "Subnet"));
    } else if (pick_subnet(n, all, true, NULL, &base, &prefix, err) < 0) {
        return -1;
    }
    ipam6_last(&base, prefix, &last);
    if (gw != NULL && *gw) {
        if (ipam6_parse_ip(gw, &g) < 0 || !ipam6_contains(&base, prefix, &g) ||
            ipam6_cmp(&g, &base) == 0)
            return sk_err(err, 0, "invalid gateway %s: not a host address of %s", gw, sub);
    } else {
        g = base;
        ipam6_add(&g, 1);
    }
    char sbuf[64], gbuf[48], tmp[48];
    ipam6_format(&base, tmp, sizeof tmp);
    snprintf(sbuf, sizeof sbuf, "%s/%d", tmp, prefix);
    ipam6_format(&g, gbuf, sizeof gbuf);
    json_t *cfg = json_pack("{s:s, s:s}", "Subnet", sbuf, "Gateway", gbuf);
    if (range != NULL && *range) {
        struct ip6 rb;
        int rp;
        if (ipam6_parse_cidr(range, &rb, &rp, false) < 0 || rp < prefix || !ipam6_contains(&base, prefix, &rb)) {
            json_decref(cfg);
            return sk_err(err, 0, "invalid ip-range %s: not inside the subnet %s", range, sbuf);
        }
        ipam6_format(&rb, tmp, sizeof tmp);
        char rbuf[64];
        snprintf(rbuf, sizeof rbuf, "%s/%d", tmp, rp);
        json_object_set_new(cfg, "IPRange", json_string(rbuf));
    }
    *out = cfg;
    return 0;
}

static bool is_v6_config(json_t *c)
{
    const char *k[] = {"Subnet", "Gateway", "IPRange"};
    for (size_t i = 0; i < 3; i++)
        if (str(c, k[i]) != NULL && *str(c, k[i]))
            return strchr(str(c, k[i]), ':') != NULL;
    return false;
}

/* IPAM.Config of the record: the IPv4 entry, then the IPv6 one when the
 * network has IPv6 (asked for, or implied by an IPv6 subnet). */
static int ipam_config(struct sk_netctx *n, json_t *all, json_t *req, const char *name, json_t **out,
                       bool *v6, sk_error *err)
{
    json_t *cfgs = obj(obj(req, "IPAM"), "Config"), *c, *c4 = NULL, *c6 = NULL;
    size_t i;
    if (cfgs != NULL && !json_is_null(cfgs) && !json_is_array(cfgs))
        return sk_err(err, 0, "network %s: IPAM.Config must be an array", name);
    json_array_foreach(cfgs, i, c)
    {
        json_t **slot = is_v6_config(c) ? &c6 : &c4;
        if (*slot != NULL)
            return sk_err(err, 0, "network %s: one IPv4 and one IPv6 subnet per network are supported", name);
        *slot = c;
    }
    *v6 = json_is_true(obj(req, "EnableIPv6")) || c6 != NULL;
    json_t *cfg4 = NULL, *cfg6 = NULL;
    if (ipam_config4(n, all, c4, name, &cfg4, err) < 0)
        return -1;
    if (*v6 && ipam_config6(n, all, c6, name, &cfg6, err) < 0) {
        json_decref(cfg4);
        return -1;
    }
    *out = cfg6 ? json_pack("[o, o]", cfg4, cfg6) : json_pack("[o]", cfg4);
    return 0;
}

/* Whether the address (or CIDR) a is inside the subnet s (either family). */
static bool in_subnet(const char *s, const char *a)
{
    char addr[64];
    snprintf(addr, sizeof addr, "%s", a);
    char *slash = strchr(addr, '/');
    if (slash != NULL)
        *slash = '\0';
    uint32_t b, ip;
    struct ip6 b6, ip6;
    int p;
    if (ipam_parse_cidr(s, &b, &p, false) == 0)
        return ipam_parse_ip(addr, &ip) == 0 && ipam_contains(b, p, ip);
    return ipam6_parse_cidr(s, &b6, &p, false) == 0 && ipam6_parse_ip(addr, &ip6) == 0 &&
           ipam6_contains(&b6, p, &ip6);
}

/* Put each of values (gateways or ranges) into the config whose subnet
 * holds it, as key. */
static int pair_flags(json_t *config, json_t *values, const char *key, const char *flag, sk_error *err)
{
    size_t i, j;
    json_t *v, *c;
    json_array_foreach(values, i, v)
    {
        const char *a = json_string_value(v);
        json_t *hit = NULL;
        json_array_foreach(config, j, c) if (a && in_subnet(str(c, "Subnet"), a)) hit = c;
        if (hit == NULL)
            return sk_err(err, 0, "no matching subnet for %s %s", flag, a ? a : "");
        if (obj(hit, key) != NULL)
            return sk_err(err, 0, "cannot configure multiple %ss for the same subnet", flag);
        json_object_set(hit, key, v);
    }
    return 0;
}

int net_ipam_flags(json_t *subnets, json_t *gateways, json_t *ranges, json_t **config, sk_error *err)
{
    *config = json_array();
    size_t i;
    json_t *s;
    if (json_array_size(subnets) == 0) { /* docker: a gateway or a range alone is for the pool's subnet */
        if (json_array_size(gateways) + json_array_size(ranges) == 0)
            return 0;
        json_t *c = json_object();
        if (json_array_size(gateways) > 0)
            json_object_set(c, "Gateway", json_array_get(gateways, 0));
        if (json_array_size(ranges) > 0)
            json_object_set(c, "IPRange", json_array_get(ranges, 0));
        json_array_append_new(*config, c);
        return 0;
    }
    json_array_foreach(subnets, i, s) json_array_append_new(*config, json_pack("{s:O}", "Subnet", s));
    if (pair_flags(*config, gateways, "Gateway", "gateway", err) < 0 ||
        pair_flags(*config, ranges, "IPRange", "ip-range", err) < 0) {
        json_decref(*config);
        *config = NULL;
        return -1;
    }
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
    const char *br = str(obj(req, "Options"), OPT_BRIDGE);
    if (br != NULL && !valid_ifname(br))
        return sk_err(err, 0, "invalid bridge name \"%s\": at most 15 of [a-zA-Z0-9_.-]", br);
    static const char *const bools[] = {OPT_ICC, OPT_MASQ, NULL};
    for (int i = 0; bools[i] != NULL; i++)
        if (opt_bool(obj(req, "Options"), bools[i], true) < 0)
            return sk_err(err, 0, "network %s: invalid value \"%s\" for %s: true or false", *name,
                          str(obj(req, "Options"), bools[i]), bools[i]);
    /* Isolating a bridge's ports apart would also cut the way to a published
     * port of the same network through the host's address, which the
     * kernel's br_netfilter hands over at the bridge: refused rather than
     * half done. */
    if (opt_bool(obj(req, "Options"), OPT_ICC, true) == 0)
        return sk_err(err, 0, "network %s: %s=false is not supported (containers of one network "
                              "always reach each other; use separate networks)", *name, OPT_ICC);
    const char *mtu = str(obj(req, "Options"), OPT_MTU);
    if (mtu != NULL && opt_mtu(obj(req, "Options")) == 0)
        return sk_err(err, 0, "network %s: invalid MTU \"%s\": a number from 68 to 65535", *name,
                      mtu);
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
    bool v6 = false;
    if (ipam_config(n, all, req, name, &ipam, &v6, err) < 0)
        return -1;
    unsigned mtu = opt_mtu(obj(req, "Options"));
    if (v6 && mtu > 0 && mtu < 1280) {
        json_decref(ipam);
        return sk_err(err, 0, "network %s: IPv6 needs an MTU of at least 1280 (not %u)", name, mtu);
    }
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
                            "bridge", "EnableIPv6", v6, "IPAM", "Driver", "default", "Options",
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

static bool lease6_used(json_t *ctrs, const struct ip6 *a, int prefix)
{
    char buf[48], cidr[64];
    ipam6_format(a, buf, sizeof buf);
    snprintf(cidr, sizeof cidr, "%s/%d", buf, prefix);
    const char *k;
    json_t *v;
    json_object_foreach(ctrs, k, v) if (sk_streq(str(v, "IPv6Address"), cidr)) return true;
    return false;
}

/* The IPv6 address for a container: want, else the lowest free one (of
 * the IPRange when there is one). */
static int pick_address6(json_t *rec, const char *want, struct ip6 *ip, int *prefix, sk_error *err)
{
    json_t *cfg = net_ipam6(rec);
    struct ip6 base, gw, lo, hi;
    if (ipam6_parse_cidr(str(cfg, "Subnet"), &base, prefix, false) < 0 ||
        ipam6_parse_ip(str(cfg, "Gateway"), &gw) < 0)
        return sk_err(err, 0, "network %s: its record has no valid IPv6 subnet", str(rec, "Name"));
    json_t *ctrs = obj(rec, "Containers");
    if (want != NULL && *want) {
        if (ipam6_parse_ip(want, ip) < 0 || !ipam6_contains(&base, *prefix, ip) || ipam6_cmp(ip, &base) == 0)
            return sk_err(err, 0, "invalid address %s: not a host address of network %s (%s)", want,
                          str(rec, "Name"), str(cfg, "Subnet"));
        if (ipam6_cmp(ip, &gw) == 0)
            return sk_err(err, 0, "Address already in use: %s is the gateway of network %s", want,
                          str(rec, "Name"));
        if (lease6_used(ctrs, ip, *prefix))
            return sk_err(err, 0, "Address already in use: %s on network %s", want, str(rec, "Name"));
        return 0;
    }
    int rp;
    if (ipam6_parse_cidr(str(cfg, "IPRange"), &lo, &rp, false) < 0) {
        lo = base;
        rp = *prefix;
    }
    ipam6_last(&lo, rp, &hi);
    if (ipam6_cmp(&lo, &base) == 0)
        ipam6_add(&lo, 1); /* the subnet's own address (the routers' anycast) */
    /* the lowest free one is at most one past every lease */
    size_t tries = json_object_size(ctrs) + 2;
    for (struct ip6 a = lo; tries-- > 0 && ipam6_cmp(&a, &hi) <= 0;) {
        if (ipam6_cmp(&a, &gw) != 0 && !lease6_used(ctrs, &a, *prefix)) {
            *ip = a;
            return 0;
        }
        if (ipam6_add(&a, 1) < 0)
            break;
    }
    return sk_err(err, 0, "no available IPv6 addresses on network %s (%s): the range is full",
                  str(rec, "Name"), str(cfg, "Subnet"));
}

int net_lease(struct sk_netctx *n, const char *ref, const char *ctr_id, const char *ctr_name,
              const struct net_want *want, json_t **ep, sk_error *err)
{
    const char *want_ip = want->ip, *want_ip6 = want->ip6;
    json_t *aliases = want->aliases;
    uint8_t m[6];
    if (want->mac != NULL && *want->mac && ipam_parse_mac(want->mac, m) < 0)
        return sk_err(err, 0, "invalid MAC address %s: six hex bytes (02:42:ac:11:00:02), unicast, not zero",
                      want->mac);
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
    if (want->mac == NULL || !*want->mac)
        ipam_mac(ip, m);
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    if (sk_random_hex(epid, 32) < 0) {
        sk_err(err, errno, "getrandom");
        goto out;
    }
    /* IPv6: on a network that has it */
    struct ip6 ip6;
    int prefix6 = 0;
    char addr6[48] = "", cidr6[64] = "";
    if (net_ipam6(rec) != NULL) {
        if (pick_address6(rec, want_ip6, &ip6, &prefix6, err) < 0)
            goto out;
        ipam6_format(&ip6, addr6, sizeof addr6);
        snprintf(cidr6, sizeof cidr6, "%s/%d", addr6, prefix6);
    } else if (want_ip6 != NULL && *want_ip6) {
        sk_err(err, 0, "invalid address %s: network %s has no IPv6 (network create --ipv6)", want_ip6,
               str(rec, "Name"));
        goto out;
    }
    json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", ctr_name ? ctr_name : "",
                              "EndpointID", epid, "MacAddress", mac, "IPv4Address", cidr,
                              "IPv6Address", cidr6);
    if (json_array_size(aliases) > 0) /* what the network's name server answers for too */
        json_object_set(entry, "Aliases", aliases);
    json_object_set_new(ctrs, ctr_id, entry);
    if (save(n, rec, err) < 0)
        goto out;
    bool internal = json_is_true(obj(rec, "Internal"));
    json_t *ipamcfg = json_null();
    if ((want_ip && *want_ip) || (want_ip6 && *want_ip6)) {
        ipamcfg = json_object();
        if (want_ip && *want_ip)
            json_object_set_new(ipamcfg, "IPv4Address", json_string(want_ip));
        if (want_ip6 && *want_ip6)
            json_object_set_new(ipamcfg, "IPv6Address", json_string(want_ip6));
    }
    const char *gw6 = net_ipam6(rec) && !internal ? str(net_ipam6(rec), "Gateway") : "";
    *ep = json_pack("{s:o, s:n, s:O, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:n}",
                    "IPAMConfig", ipamcfg, "Links", "Aliases", aliases ? aliases : json_null(),
                    "NetworkID", str(rec, "Id"), "EndpointID", epid, "Gateway",
                    internal ? "" : str(cfg, "Gateway"), "IPAddress", addr, "IPPrefixLen", prefix,
                    "IPv6Gateway", gw6, "GlobalIPv6Address", addr6, "GlobalIPv6PrefixLen", prefix6,
                    "MacAddress", mac, "DriverOpts");
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
        /* the IPv6 subnet, checked (it goes into the script) and in canonical form */
        struct ip6 sb6;
        int sp6;
        char sub6buf[64], *sub6 = NULL;
        if (ipam6_parse_cidr(str(net_ipam6(r), "Subnet"), &sb6, &sp6, true) == 0) {
            ipam6_format(&sb6, sub6buf, 48);
            snprintf(sub6buf + strlen(sub6buf), 16, "/%d", sp6);
            sub6 = sub6buf;
        }
        sb_printf(&s, "add rule inet %1$s forward oifname \"%2$s\" drop\n", t, b);
        if (json_is_true(obj(r, "Internal"))) {
            sb_printf(&s, "add rule inet %1$s forward iifname \"%2$s\" drop\n", t, b);
        } else {
            const char *sub = str(json_array_get(obj(obj(r, "IPAM"), "Config"), 0), "Subnet");
            sb_printf(&s,
                             "add rule inet %1$s forward iifname \"%2$s\" oifname @bridges drop\n"
                             "add rule inet %1$s forward iifname \"%2$s\" accept\n",
                             t, b);
            bool masq = opt_bool(obj(r, "Options"), OPT_MASQ, true) != 0;
            if (masq)
                sb_printf(&s, "add rule inet %1$s postrouting ip saddr %3$s oifname != \"%2$s\" masquerade\n",
                          t, b, sub);
            if (masq && sub6 != NULL)
                sb_printf(&s, "add rule inet %1$s postrouting ip6 saddr %3$s oifname != \"%2$s\" masquerade\n",
                          t, b, sub6);
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
        if (sub6 != NULL)
            sb_printf(&s,
                      "add rule inet %1$s postrouting oifname \"%2$s\" ip6 saddr ::1 masquerade\n"
                      "add rule inet %1$s postrouting oifname \"%2$s\" ip6 saddr %3$s ct status dnat masquerade\n",
                      t, b, sub6);
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

/* The host forwards IPv6 (for networks that reach out).  An interface
 * that takes router advertisements (accept_ra 1) would stop taking them
 * once the host forwards, and lose its routes: it gets accept_ra 2 (take
 * them even when forwarding) first. */
static void ipv6_forwarding_on(void)
{
    _cleanup_free_ char *v = NULL;
    size_t len;
    if (sk_read_file("/proc/sys/net/ipv6/conf/all/forwarding", 64, &v, &len, NULL) == 0 && v[0] == '1')
        return;
    DIR *d = opendir("/proc/sys/net/ipv6/conf");
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "all") || !strcmp(de->d_name, "default") ||
            !strcmp(de->d_name, "lo"))
            continue;
        char path[128];
        snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_ra", de->d_name);
        _cleanup_free_ char *ra = NULL;
        if (sk_read_file(path, 64, &ra, &len, NULL) == 0 && ra[0] == '1')
            sysctl_set(path, "2");
    }
    if (d != NULL)
        closedir(d);
    sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1");
}

/* The bridge's IPv6 gateway address. */
static int realize6(struct nl *nl, const char *br, int idx, json_t *rec, sk_error *err)
{
    json_t *c6 = net_ipam6(rec);
    struct ip6 base, gw;
    int prefix;
    if (c6 == NULL)
        return 0;
    if (ipam6_parse_cidr(str(c6, "Subnet"), &base, &prefix, false) < 0 ||
        ipam6_parse_ip(str(c6, "Gateway"), &gw) < 0)
        return sk_err(err, 0, "its record has a damaged IPv6 subnet");
    if (access("/proc/sys/net/ipv6", F_OK) != 0)
        return sk_err(err, 0, "IPv6 is disabled in this host's kernel (ipv6.disable=1)");
    char path[128];
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", br);
    sysctl_set(path, "0");
    if (nl_addr_add(nl, idx, AF_INET6, gw.b, prefix, err) < 0)
        return -1;
    if (!json_is_true(obj(rec, "Internal")))
        ipv6_forwarding_on();
    return 0;
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
    int idx = nl_link_state(&nl, br, &up, NULL, err);
    if (idx > 0 && up) { /* built already: it goes up last */
        nl_close(&nl);
        return 0;
    }
    uint32_t gwn = htonl(gw);
    int rc = -1;
    if (idx < 0 || nl_bridge_add(&nl, br, net_link_mtu(rec), err) < 0 || (idx = nl_ifindex(&nl, br, err)) <= 0 ||
        nl_addr_add(&nl, idx, AF_INET, &gwn, prefix, err) < 0 || realize6(&nl, br, idx, rec, err) < 0)
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

/* netconf.c - a container's networks: the leases it gets at create, the
 * namespace and ports its monitor sets up at start, what goes at removal;
 * and the engine's network calls (network create/ls/inspect/rm/...). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "util/log.h"
#include "engine/monitor.h"
#include "util/timefmt.h"
#include "network/dns.h"
#include "network/network.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

static json_t *obj(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(obj(o, k));
}

struct sk_netctx *ctr_netctx(struct sk_engine *e)
{
    if (!e->net_ready) {
        net_ctx_init(&e->net, e->root, e->runroot);
        memcpy(e->net.pools, e->pools, sizeof e->pools);
        e->net.npools = e->npools;
        e->net_ready = true;
    }
    return &e->net;
}

/* none, host, container:<x>: no network of skiff's own */
bool ctr_net_is_own(const char *mode)
{
    return mode != NULL && *mode && strcmp(mode, "none") && strcmp(mode, "host") &&
           strncmp(mode, "container:", 10);
}

json_t *ctr_networks(struct ctr *c)
{
    return obj(obj(c->cfg, "NetworkSettings"), "Networks");
}

void ctr_net_release(struct sk_engine *e, json_t *cfg)
{
    const char *name;
    json_t *ep;
    json_object_foreach(obj(obj(cfg, "NetworkSettings"), "Networks"), name, ep)
    {
        if (str(ep, "NetworkID") != NULL)
            net_release(ctr_netctx(e), str(ep, "NetworkID"), str(cfg, "Id"), NULL);
    }
}

/* The endpoint settings the create body asks for on network name
 * (docker's CLI names the default network "default"). */
static json_t *asked(json_t *body, const char *name)
{
    json_t *eps = obj(obj(body, "NetworkingConfig"), "EndpointsConfig");
    json_t *want = obj(eps, name);
    if (want == NULL && strcmp(name, "bridge") == 0)
        want = obj(eps, "default");
    return want;
}

int ctr_net_lease(struct sk_engine *e, json_t *cfg, json_t *body, sk_error *err)
{
    json_t *hc = obj(cfg, "HostConfig");
    const char *mode = str(hc, "NetworkMode");
    json_t *nets = json_object();
    json_object_set_new(cfg, "NetworkSettings", json_pack("{s:o}", "Networks", nets));
    if (!ctr_net_is_own(mode)) {
        const char *mac = str(body, "MacAddress");
        if (mac == NULL || !*mac)
            mac = str(asked(body, mode ? mode : ""), "MacAddress");
        if (mac != NULL && *mac) /* no interface of its own to take it */
            return sk_err(err, 0, "conflicting options: mac-address and the network mode (%s)", mode);
        return 0;
    }
    const char *id = str(cfg, "Id"), *cname = str(cfg, "Name");
    if (cname && *cname == '/')
        cname++;
    /* the network of NetworkMode first (eth0), then the others asked for */
    json_t *order = json_pack("[s]", mode);
    const char *k;
    json_t *v;
    json_object_foreach(obj(obj(body, "NetworkingConfig"), "EndpointsConfig"), k, v)
    {
        if (strcmp(k, mode) != 0 && !(strcmp(k, "default") == 0 && strcmp(mode, "bridge") == 0))
            json_array_append_new(order, json_string(k));
    }
    size_t i;
    json_t *n;
    int rc = 0;
    json_array_foreach(order, i, n)
    {
        const char *ref = json_string_value(n);
        json_t *want = asked(body, ref);
        json_t *aliases = json_is_array(obj(want, "Aliases")) ? json_deep_copy(obj(want, "Aliases")) : NULL;
        json_t *ep = NULL;
        const char *ip = str(obj(want, "IPAMConfig"), "IPv4Address");
        if (ip == NULL || !*ip)
            ip = str(want, "IPAddress");
        const char *ip6 = str(obj(want, "IPAMConfig"), "IPv6Address");
        if (ip6 == NULL || !*ip6)
            ip6 = str(want, "GlobalIPv6Address");
        /* docker's Config.MacAddress (before API 1.44) is the first network's */
        const char *mac = str(want, "MacAddress");
        if ((mac == NULL || !*mac) && i == 0)
            mac = str(body, "MacAddress");
        struct net_want w = {ip, ip6, mac, aliases};
        json_t *rec = NULL;
        if (net_get(ctr_netctx(e), ref, &rec, err) < 0 ||
            net_lease(ctr_netctx(e), str(rec, "Id"), id, cname, &w, &ep, err) < 0) {
            json_decref(rec);
            json_decref(aliases);
            rc = -1;
            break;
        }
        json_decref(aliases);
        char ifname[16];
        snprintf(ifname, sizeof ifname, "eth%zu", i);
        json_object_set_new(ep, "SkiffIf", json_string(ifname));
        json_object_set_new(nets, str(rec, "Name"), ep);
        if (i == 0 && strcmp(str(rec, "Name"), mode) != 0) /* an id or a prefix: the name */
            json_object_set_new(hc, "NetworkMode", json_string(str(rec, "Name")));
        json_decref(rec);
    }
    json_decref(order);
    if (rc < 0)
        ctr_net_release(e, cfg);
    return rc;
}

/* The first endpoint (eth0), or NULL. */
static json_t *first_ep(struct ctr *c)
{
    void *it = json_object_iter(ctr_networks(c));
    return it ? json_object_iter_value(it) : NULL;
}

const char *ctr_ip(struct ctr *c)
{
    return str(first_ep(c), "IPAddress");
}

const char *ctr_ip6(struct ctr *c)
{
    return str(first_ep(c), "GlobalIPv6Address");
}

const char *ctr_gateway(struct sk_engine *e, struct ctr *c)
{
    (void)e;
    return str(first_ep(c), "Gateway");
}

int ctr_net_ns_path(struct sk_engine *e, struct ctr *c, char *buf, size_t cap, sk_error *err)
{
    const char *mode = str(obj(c->cfg, "HostConfig"), "NetworkMode");
    buf[0] = '\0';
    if (mode != NULL && strncmp(mode, "container:", 10) == 0) {
        _cleanup_(ctr_freep) struct ctr *other = NULL;
        if (ctr_find_running(e, mode + 10, "network", &other, err) < 0)
            return -1;
        if (json_object_size(ctr_networks(other)) > 0) {
            net_ns_path(ctr_netctx(e), other->id, buf, cap);
            return 0;
        }
        snprintf(buf, cap, "/proc/%lld/ns/net", (long long)json_integer_value(obj(other->state, "Pid")));
        return 0;
    }
    if (json_object_size(ctr_networks(c)) > 0)
        net_ns_path(ctr_netctx(e), c->id, buf, cap);
    return 0;
}

int ctr_net_setup(struct sk_engine *e, struct ctr *c, sk_error *err)
{
    if (json_object_size(ctr_networks(c)) == 0)
        return 0;
    return net_setup(ctr_netctx(e), c->id, ctr_networks(c), err);
}

/* PortBindings, plus an ephemeral port for each exposed one with -P */
static json_t *wanted_ports(struct ctr *c)
{
    json_t *hc = obj(c->cfg, "HostConfig");
    json_t *b = json_is_object(obj(hc, "PortBindings")) ? json_deep_copy(obj(hc, "PortBindings")) : json_object();
    if (json_is_true(obj(hc, "PublishAllPorts"))) {
        const char *k;
        json_t *v;
        json_object_foreach(obj(obj(c->cfg, "Config"), "ExposedPorts"), k, v)
        {
            char key[32];
            snprintf(key, sizeof key, "%s%s", k, strchr(k, '/') ? "" : "/tcp");
            if (obj(b, key) == NULL)
                json_object_set_new(b, key, json_pack("[{s:s, s:s}]", "HostIp", "", "HostPort", ""));
        }
    }
    return b;
}

int ctr_net_publish(struct sk_engine *e, struct ctr *c, json_t **resolved, int **fds, size_t *nfds,
                    json_t **proxies, sk_error *err)
{
    *resolved = NULL;
    *proxies = NULL;
    *fds = NULL;
    *nfds = 0;
    if (json_object_size(ctr_networks(c)) == 0)
        return 0;
    _cleanup_json_ json_t *want = wanted_ports(c);
    if (json_object_size(want) == 0)
        return 0;
    return net_publish(ctr_netctx(e), c->id, want, ctr_ip(c), ctr_ip6(c), resolved, fds, nfds,
                       proxies, err);
}

void ctr_net_unpublish(struct sk_engine *e, struct ctr *c, json_t *resolved)
{
    if (json_object_size(resolved) > 0)
        net_unpublish(ctr_netctx(e), c->id, resolved);
}

void ctr_net_remove(struct sk_engine *e, struct ctr *c)
{
    if (json_object_size(ctr_networks(c)) == 0)
        return;
    ctr_net_unpublish(e, c, obj(c->state, "Ports"));
    net_teardown(ctr_netctx(e), c->id, NULL);
    ctr_net_release(e, c->cfg);
}

/* ---- the name server --------------------------------------------------------------- */

bool ctr_net_wants_dns(struct ctr *c)
{
    const char *name;
    json_t *ep;
    json_object_foreach(ctr_networks(c), name, ep) if (strcmp(name, "bridge") != 0) return true;
    return false;
}

struct dns_ctx {
    struct sk_engine *e;
    struct ctr *c;
    struct ctr *fresh; /* the record as it is now (network connect changes it) */
    struct timespec mtime;
};

/* The container's record, read again when it has changed since. */
static struct ctr *dns_record(struct dns_ctx *x)
{
    char path[PATH_MAX + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s/config.json", x->c->dir);
    if (stat(path, &st) == 0 && (st.st_mtim.tv_sec != x->mtime.tv_sec || st.st_mtim.tv_nsec != x->mtime.tv_nsec)) {
        struct ctr *now = NULL;
        if (ctr_load(x->e, x->c->id, &now, NULL) == 0) {
            ctr_free(x->fresh);
            x->fresh = now;
            x->mtime = st.st_mtim;
        }
    }
    return x->fresh ? x->fresh : x->c;
}

static bool name_matches(const char *want, const char *id, json_t *entry)
{
    const char *n = str(entry, "Name");
    if ((n && strcasecmp(n, want) == 0) || (strlen(want) == 12 && strncmp(id, want, 12) == 0))
        return true;
    size_t i;
    json_t *a;
    json_array_foreach(obj(entry, "Aliases"), i, a) if (json_string_value(a) &&
                                                         strcasecmp(json_string_value(a), want) == 0) return true;
    return false;
}

/* Containers (and aliases) on the container's networks with this name. */
static size_t dns_lookup(void *ud, const char *name, struct dns_addr *addrs, size_t max)
{
    struct dns_ctx *x = ud;
    struct ctr *self = dns_record(x);
    size_t n = 0;
    const char *net;
    json_t *ep;
    json_object_foreach(ctr_networks(self), net, ep)
    {
        json_t *rec = NULL;
        if (strcmp(net, "bridge") == 0 || net_load(ctr_netctx(x->e), str(ep, "NetworkID"), &rec, NULL) < 0)
            continue;
        const char *id;
        json_t *entry;
        json_object_foreach(obj(rec, "Containers"), id, entry)
        {
            if (!name_matches(name, id, entry) && !ctr_link_alias(self, name, id))
                continue;
            const char *keys[] = {"IPv4Address", "IPv6Address"};
            for (size_t k = 0; k < 2 && n < max; k++) {
                char ip[64];
                snprintf(ip, sizeof ip, "%s", str(entry, keys[k]) ?: "");
                char *slash = strchr(ip, '/');
                if (slash)
                    *slash = '\0';
                addrs[n].len = k == 0 ? 4 : 16;
                if (inet_pton(k == 0 ? AF_INET : AF_INET6, ip, addrs[n].b) == 1)
                    n++;
            }
        }
        json_decref(rec);
    }
    return n;
}

/* The servers the container's questions go to: --dns, else the host's. */
static char **upstreams(struct ctr *c)
{
    char **v = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(obj(obj(c->cfg, "HostConfig"), "Dns"), i, d) sk_strv_push(&v, json_string_value(d));
    if (v != NULL)
        return v;
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (sk_read_file("/etc/resolv.conf", 1 << 20, &text, &len, NULL) < 0)
        return NULL;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char addr[64];
        if (sscanf(line, "nameserver %63s", addr) == 1)
            sk_strv_push(&v, addr);
    }
    return v;
}

int ctr_net_dns_open(struct sk_engine *e, struct ctr *c, const int *fds, struct dns_server **out,
                     sk_error *err)
{
    struct dns_ctx *x = malloc(sizeof *x); /* lives as long as the monitor */
    if (x == NULL)
        return sk_err(err, ENOMEM, "dns");
    *x = (struct dns_ctx){e, c, NULL, {0, 0}};
    char path[PATH_MAX];
    net_ns_path(ctr_netctx(e), c->id, path, sizeof path);
    _cleanup_strv_ char **up = upstreams(c);
    if ((fds ? dns_adopt(fds, up, dns_lookup, x, out, err)
             : dns_open(path, up, dns_lookup, x, out, err)) < 0) {
        free(x);
        return -1;
    }
    return 0;
}

void ctr_net_dns_close(struct dns_server *d)
{
    if (d != NULL) {
        struct dns_ctx *x = dns_userdata(d);
        ctr_free(x->fresh);
        free(x);
        dns_close(d);
    }
}

/* ---- connect, disconnect ----------------------------------------------------------- */

/* The first interface name no endpoint of the container uses. */
static void free_ifname(json_t *nets, char buf[16])
{
    for (int k = 0; k < 16; k++) {
        snprintf(buf, 16, "eth%d", k);
        bool used = false;
        const char *n;
        json_t *ep;
        json_object_foreach(nets, n, ep) used |= sk_streq(str(ep, "SkiffIf"), buf);
        if (!used)
            return;
    }
}

static void net_event(struct sk_engine *e, const char *action, json_t *rec, const char *ctr_id)
{
    sk_event(e, "network", action, str(rec, "Id"),
             json_pack("{s:s, s:s, s:s}", "container", ctr_id, "name", str(rec, "Name"), "type", "bridge"));
}

void ctr_net_events(struct sk_engine *e, struct ctr *c, const char *action)
{
    const char *name;
    json_t *ep;
    json_object_foreach(ctr_networks(c), name, ep)
    {
        json_t *rec = NULL;
        if (net_load(ctr_netctx(e), str(ep, "NetworkID"), &rec, NULL) == 0)
            net_event(e, action, rec, c->id);
        json_decref(rec);
    }
}

/* A running container joined a user-defined network: if nothing answers at
 * 127.0.0.11 in it yet (its first one), bind it here and hand it to the
 * monitor, and point resolv.conf there.  Best effort: the connect stands
 * either way (a warning says what is missing). */
static void late_name_server(struct sk_engine *e, struct ctr *c)
{
    char path[PATH_MAX];
    sk_error err;
    net_ns_path(ctr_netctx(e), c->id, path, sizeof path);
    int fds[2];
    if (dns_listen_socket(path, fds, &err) < 0) {
        if (err.errnum != EADDRINUSE) /* EADDRINUSE: served already */
            sk_warn("container %.12s: no names on its new network: %s", c->id, err.msg);
        return;
    }
    int rc = monitor_send_fds(c, 'n', fds, 2, &err);
    close(fds[0]);
    close(fds[1]);
    if (rc < 0 || ctr_write_resolv(c, &err) < 0)
        sk_warn("container %.12s: no names on its new network: %s", c->id, err.msg);
}

int sk_network_connect(struct sk_engine *e, const char *net, const char *ref, const char *ip,
                       const char *ip6, json_t *aliases, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    const char *mode = str(obj(c->cfg, "HostConfig"), "NetworkMode");
    if (!ctr_net_is_own(mode))
        return sk_err(err, 0, "container %.12s: a container with --network %s cannot join networks",
                      c->id, mode);
    _cleanup_json_ json_t *rec = NULL;
    if (net_get(ctr_netctx(e), net, &rec, err) < 0)
        return -1;
    if (net_predefined(str(rec, "Name")) && strcmp(str(rec, "Name"), "bridge") != 0)
        return sk_err(err, 0, "container cannot be disconnected from host network or connected to host network");
    int lock = ctr_lock(c, err);
    if (lock < 0)
        return -1;
    int rc = -1;
    json_t *ep = NULL;
    ctr_reload_state(c, NULL);
    if (obj(ctr_networks(c), str(rec, "Name")) != NULL) {
        sk_err(err, 0, "endpoint with name %s already exists in network %s", str(c->cfg, "Name") + 1,
               str(rec, "Name"));
        goto out;
    }
    struct net_want w = {ip, ip6, NULL, aliases};
    if (net_lease(ctr_netctx(e), str(rec, "Id"), c->id, str(c->cfg, "Name") + 1, &w, &ep, err) < 0)
        goto out;
    char ifname[16];
    free_ifname(ctr_networks(c), ifname);
    json_object_set_new(ep, "SkiffIf", json_string(ifname));
    bool route = true;
    const char *n;
    json_t *other;
    json_object_foreach(ctr_networks(c), n, other) route = false;
    if (net_attach(ctr_netctx(e), c->id, ep, route, err) < 0) {
        net_release(ctr_netctx(e), str(rec, "Id"), c->id, NULL);
        json_decref(ep);
        goto out;
    }
    json_object_set_new(ctr_networks(c), str(rec, "Name"), ep);
    if (ctr_save_config(c, err) < 0)
        goto out;
    if (ctr_is_running(c)) {
        net_event(e, "connect", rec, c->id);
        if (strcmp(str(rec, "Name"), "bridge") != 0)
            late_name_server(e, c);
    }
    rc = 0;
out:
    close(lock);
    return rc;
}

int sk_network_disconnect(struct sk_engine *e, const char *net, const char *ref, bool force,
                          sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (net_get(ctr_netctx(e), net, &rec, err) < 0)
        return -1;
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0) {
        /* -f: the endpoint of a container that is gone */
        if (force && json_object_get(obj(rec, "Containers"), ref) != NULL)
            return net_release(ctr_netctx(e), str(rec, "Id"), ref, err);
        return -1;
    }
    int lock = ctr_lock(c, err);
    if (lock < 0)
        return -1;
    int rc = -1;
    json_t *ep = obj(ctr_networks(c), str(rec, "Name"));
    if (ep == NULL) {
        sk_err(err, 0, "container %.12s is not connected to network %s", c->id, str(rec, "Name"));
        goto out;
    }
    if (net_detach(ctr_netctx(e), c->id, ep, err) < 0 && !force)
        goto out;
    net_release(ctr_netctx(e), str(rec, "Id"), c->id, NULL);
    json_object_del(ctr_networks(c), str(rec, "Name"));
    if (ctr_save_config(c, err) < 0)
        goto out;
    net_event(e, "disconnect", rec, c->id);
    rc = 0;
out:
    close(lock);
    return rc;
}

/* ---- the engine's network calls ------------------------------------------------------- */

/* Containers (id -> {Name, EndpointID, MacAddress, IPv4Address, IPv6Address}) with the
 * names the containers have now. */
static void fresh_names(struct sk_engine *e, json_t *rec)
{
    const char *id;
    json_t *v;
    json_object_foreach(obj(rec, "Containers"), id, v)
    {
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        if (ctr_load(e, id, &c, NULL) == 0 && str(c->cfg, "Name") != NULL)
            json_object_set_new(v, "Name", json_string(str(c->cfg, "Name") + 1));
    }
}

int sk_network_ipam_flags(json_t *subnets, json_t *gateways, json_t *ranges, json_t **config,
                          sk_error *err)
{
    return net_ipam_flags(subnets, gateways, ranges, config, err);
}

int sk_network_create(struct sk_engine *e, json_t *req, json_t **out, sk_error *err)
{
    json_t *rec;
    if (net_create(ctr_netctx(e), req, &rec, err) < 0)
        return -1;
    json_t *ev = json_pack("{s:s, s:s}", "name", str(rec, "Name"), "type", "bridge");
    sk_event(e, "network", "create", str(rec, "Id"), ev);
    if (out != NULL)
        *out = rec;
    else
        json_decref(rec);
    return 0;
}

int sk_network_inspect(struct sk_engine *e, const char *ref, json_t **out, sk_error *err)
{
    if (net_get(ctr_netctx(e), ref, out, err) < 0)
        return -1;
    fresh_names(e, *out);
    return 0;
}

int sk_network_list(struct sk_engine *e, json_t **out, sk_error *err)
{
    if (net_list(ctr_netctx(e), out, err) < 0)
        return -1;
    size_t i;
    json_t *r;
    json_array_foreach(*out, i, r) fresh_names(e, r);
    return 0;
}

/* Leases and namespaces of containers whose directory is gone (a removal
 * killed half-way, a record removed by hand) go. */
static void drop_orphans(struct sk_engine *e, json_t *rec)
{
    const char *id;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj(rec, "Containers"), tmp, id, v)
    {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/containers/%s", e->root, id);
        if (access(dir, F_OK) != 0 && errno == ENOENT) {
            net_forget(ctr_netctx(e), id);
            json_object_del(obj(rec, "Containers"), id);
        }
    }
}

int sk_network_remove(struct sk_engine *e, const char *ref, sk_error *err)
{
    json_t *rec;
    if (net_get(ctr_netctx(e), ref, &rec, err) < 0)
        return -1;
    drop_orphans(e, rec);
    int rc = net_predefined(str(rec, "Name")) /* host and none have no record to find */
                 ? sk_err(err, 0, "%s is a pre-defined network and cannot be removed", str(rec, "Name"))
                 : net_remove(ctr_netctx(e), str(rec, "Id"), err);
    if (rc == 0)
        sk_event(e, "network", "destroy", str(rec, "Id"),
                 json_pack("{s:s, s:s}", "name", str(rec, "Name"), "type", "bridge"));
    json_decref(rec);
    return rc;
}

int sk_network_prune(struct sk_engine *e, json_t *filters, json_t **removed, sk_error *err)
{
    json_t *all;
    if (prune_filters_check(filters, true, err) < 0 || net_list(ctr_netctx(e), &all, err) < 0)
        return -1;
    *removed = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        drop_orphans(e, r);
        if (net_predefined(str(r, "Name")) || json_object_size(obj(r, "Containers")) > 0 ||
            prune_keeps(filters, obj(r, "Labels"), sk_parse_rfc3339(str(r, "Created"))))
            continue;
        if (sk_network_remove(e, str(r, "Id"), NULL) == 0)
            json_array_append_new(*removed, json_string(str(r, "Name")));
    }
    json_decref(all);
    return 0;
}

/* ---- filters ------------------------------------------------------------------------------ */

struct net_match {
    json_t *net;
    const char *bad;
};

static bool truthy(const char *s)
{
    return strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
}

static bool net_test(void *ud, const char *kind, const char *s)
{
    struct net_match *m = ud;
    json_t *n = m->net;
    const char *name = str(n, "Name");
    if (!strcmp(kind, "name"))
        return name != NULL && strstr(name, s) != NULL;
    if (!strcmp(kind, "id"))
        return sk_str_has_prefix(str(n, "Id"), s);
    if (!strcmp(kind, "driver"))
        return sk_streq(str(n, "Driver"), s);
    if (!strcmp(kind, "label"))
        return sk_json_label_match(obj(n, "Labels"), s);
    if (!strcmp(kind, "scope"))
        return strcmp(s, "local") == 0;
    if (!strcmp(kind, "type"))
        return strcmp(s, name != NULL && net_predefined(name) ? "builtin" : "custom") == 0;
    if (!strcmp(kind, "dangling")) { /* docker: the predefined ones are always in use */
        bool unused = json_object_size(obj(n, "Containers")) == 0 && !(name && net_predefined(name));
        return unused == truthy(s);
    }
    m->bad = kind;
    return false;
}

const char *const sk_network_filter_kinds[] = {"name", "id", "driver", "label", "scope", "type", "dangling", NULL};

bool sk_network_matches(json_t *net, json_t *filters, const char **bad_kind)
{
    struct net_match m = {net, NULL};
    bool ok = sk_filters_match(filters, net_test, &m);
    if (bad_kind != NULL)
        *bad_kind = m.bad;
    return ok && m.bad == NULL;
}

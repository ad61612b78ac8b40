/* endpoint.c - a container's side of its networks: its namespace, its
 * interfaces and its published ports (see network.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "network/ipam.h"
#include "network/net_int.h"
#include "network/netns.h"
#include "network/nft.h"
#include "network/nl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strutil.h"

static json_t *obj(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(obj(o, k));
}

void net_ns_path(struct sk_netctx *n, const char *ctr_id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", n->nsdir, ctr_id);
}

/* The host's end of the container's i-th interface: veth<id[0:9]><i>. */
static void host_ifname(const char *ctr_id, int i, char buf[16])
{
    snprintf(buf, 16, "veth%.9s%x", ctr_id, i & 15);
}

/* The endpoint's interface in the container: SkiffIf ("eth1"), else eth<i>. */
static int if_index(json_t *ep, int i)
{
    const char *s = str(ep, "SkiffIf");
    int k;
    if (s != NULL && strncmp(s, "eth", 3) == 0 && sk_parse_int(s + 3, &k) == 0 && k >= 0 && k < 16)
        return k;
    return i;
}

#define ROUTED4 1u
#define ROUTED6 2u

/* The endpoint's IPv6 address on idx, and the default route through the
 * network's gateway unless one is there (*routed), capped at rmtu. */
static int add_ipv6(struct nl *ns, int idx, json_t *ep, json_t *rec, unsigned rmtu,
                    unsigned *routed, sk_error *err)
{
    const char *a = str(ep, "GlobalIPv6Address");
    if (a == NULL || !*a)
        return 0;
    struct ip6 ip, gw;
    int prefix = (int)json_integer_value(obj(ep, "GlobalIPv6PrefixLen"));
    if (ipam6_parse_ip(a, &ip) < 0 || prefix <= 0 || prefix > 128)
        return sk_err(err, 0, "the container's IPv6 endpoint is damaged");
    if (nl_addr_add(ns, idx, AF_INET6, ip.b, prefix, err) < 0)
        return -1;
    if ((*routed & ROUTED6) || json_is_true(obj(rec, "Internal")) ||
        ipam6_parse_ip(str(net_ipam6(rec), "Gateway"), &gw) < 0)
        return 0;
    if (nl_route_default(ns, idx, AF_INET6, gw.b, rmtu, err) < 0)
        return -1;
    *routed |= ROUTED6;
    return 0;
}

/* One endpoint: a veth pair between the network's bridge and eth<i>. */
static int add_interface(struct sk_netctx *n, struct nl *host, struct nl *ns, int nsfd,
                         const char *ctr_id, int i, json_t *ep, unsigned *routed, sk_error *err)
{
    i = if_index(ep, i);
    json_t *rec;
    if (net_load(n, str(ep, "NetworkID"), &rec, err) < 0)
        return -1;
    int rc = -1;
    int lock = net_lock(n, err);
    if (lock < 0)
        goto out;
    rc = net_realize(n, rec, err);
    close(lock);
    if (rc < 0)
        goto out;
    rc = -1;
    char hname[16], cname[16];
    host_ifname(ctr_id, i, hname);
    snprintf(cname, sizeof cname, "eth%d", i);
    uint32_t ip, gw;
    int prefix = (int)json_integer_value(obj(ep, "IPPrefixLen"));
    const char *gws = str(json_array_get(obj(obj(rec, "IPAM"), "Config"), 0), "Gateway");
    if (ipam_parse_ip(str(ep, "IPAddress"), &ip) < 0 || ipam_parse_ip(gws, &gw) < 0) {
        sk_err(err, 0, "network %s: the container's endpoint is damaged", str(rec, "Name"));
        goto out;
    }
    uint8_t mac[6];
    if (ipam_parse_mac(str(ep, "MacAddress"), mac) < 0)
        ipam_mac(ip, mac);
    /* the veth takes the bridge's MTU: one MTU for all ports (a bridge made
     * by an older skiff keeps its 1500) */
    unsigned lmtu = 0;
    int master = nl_link_state(host, net_bridge(rec), NULL, &lmtu, err);
    if (master <= 0) {
        if (master == 0)
            sk_err(err, 0, "network %s: bridge %s is gone", str(rec, "Name"), net_bridge(rec));
        goto out;
    }
    unsigned rmtu = net_route_mtu(rec) < lmtu ? net_route_mtu(rec) : 0;
    nl_link_del(host, hname, NULL); /* what a dead start left */
    if (nl_veth_add(host, hname, master, cname, nsfd, mac, lmtu, err) < 0)
        goto out;
    /* hairpin: the container reaching its own published port through the
     * host's address comes back out of the port it came in on */
    char sys[96];
    snprintf(sys, sizeof sys, "/sys/class/net/%s/brport/hairpin_mode", hname);
    sk_write_existing(sys, "1", NULL);
    int idx = nl_ifindex(ns, cname, err);
    uint32_t ipn = htonl(ip), gwn = htonl(gw);
    if (idx <= 0 || nl_addr_add(ns, idx, AF_INET, &ipn, prefix, err) < 0 ||
        nl_link_up(ns, cname, err) < 0 || add_ipv6(ns, idx, ep, rec, rmtu, routed, err) < 0)
        goto out;
    if (!(*routed & ROUTED4) && !json_is_true(obj(rec, "Internal"))) {
        if (nl_route_default(ns, idx, AF_INET, &gwn, rmtu, err) < 0)
            goto out;
        *routed |= ROUTED4;
    }
    rc = 0;
out:
    if (rc < 0)
        sk_err_prefix(err, "network %s", str(rec, "Name"));
    json_decref(rec);
    return rc;
}

static int open_both(const char *path, struct nl *host, struct nl *ns, sk_error *err);

static void ok_path(struct sk_netctx *n, const char *ctr_id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s.ok", n->nsdir, ctr_id);
}

int net_setup(struct sk_netctx *n, const char *ctr_id, json_t *networks, sk_error *err)
{
    char path[PATH_MAX + 80], ok[PATH_MAX + 80];
    net_ns_path(n, ctr_id, path, sizeof path);
    ok_path(n, ctr_id, ok, sizeof ok);
    int made = access(ok, F_OK) == 0 ? netns_create(path, err) : 0;
    if (made == 1)
        return 0; /* built and kept */
    net_teardown(n, ctr_id, NULL);
    if (netns_create(path, err) < 0)
        return -1;
    struct nl host = {0}, ns = {0};
    int rc = -1;
    _cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
        sk_err(err, errno, "%s", path);
        goto out;
    }
    if (open_both(path, &host, &ns, err) < 0)
        goto out;
    const char *name;
    json_t *ep;
    int i = 0;
    unsigned routed = 0;
    json_object_foreach(networks, name, ep)
    {
        if (add_interface(n, &host, &ns, nsfd, ctr_id, i++, ep, &routed, err) < 0)
            goto out;
    }
    int fd = open(ok, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        sk_err(err, errno, "%s", ok);
        goto out;
    }
    close(fd);
    rc = 0;
out:
    nl_close(&ns);
    nl_close(&host);
    if (rc < 0)
        net_teardown(n, ctr_id, NULL);
    return rc;
}

/* Sockets to the host's and to the container's namespace. */
static int open_both(const char *path, struct nl *host, struct nl *ns, sk_error *err)
{
    int saved;
    if (nl_open(host, err) < 0)
        return -1;
    if (netns_enter(path, &saved, err) < 0) {
        nl_close(host);
        return -1;
    }
    int r = nl_open(ns, err);
    netns_leave(saved);
    if (r < 0)
        nl_close(host);
    return r;
}

int net_attach(struct sk_netctx *n, const char *ctr_id, json_t *ep, bool route, sk_error *err)
{
    char path[PATH_MAX + 80], ok[PATH_MAX + 80];
    net_ns_path(n, ctr_id, path, sizeof path);
    ok_path(n, ctr_id, ok, sizeof ok);
    if (access(ok, F_OK) != 0)
        return 0; /* not built: the next start builds it with this endpoint */
    struct nl host = {0}, ns = {0};
    _cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        return sk_err(err, errno, "%s", path);
    if (open_both(path, &host, &ns, err) < 0)
        return -1;
    unsigned routed = route ? 0 : ROUTED4; /* IPv6: a default route when none is there */
    int rc = add_interface(n, &host, &ns, nsfd, ctr_id, 0, ep, &routed, err);
    nl_close(&ns);
    nl_close(&host);
    return rc;
}

int net_detach(struct sk_netctx *n, const char *ctr_id, json_t *ep, sk_error *err)
{
    char path[PATH_MAX + 80], ok[PATH_MAX + 80], cname[16];
    net_ns_path(n, ctr_id, path, sizeof path);
    ok_path(n, ctr_id, ok, sizeof ok);
    if (access(ok, F_OK) != 0)
        return 0;
    snprintf(cname, sizeof cname, "eth%d", if_index(ep, 0));
    int saved;
    if (netns_enter(path, &saved, err) < 0)
        return -1;
    struct nl ns;
    int rc = nl_open(&ns, err);
    if (rc == 0) {
        rc = nl_link_del(&ns, cname, err); /* its peer on the bridge goes with it */
        nl_close(&ns);
    }
    netns_leave(saved);
    return rc;
}

int net_teardown(struct sk_netctx *n, const char *ctr_id, sk_error *err)
{
    char path[PATH_MAX + 80], ok[PATH_MAX + 80];
    net_ns_path(n, ctr_id, path, sizeof path);
    ok_path(n, ctr_id, ok, sizeof ok);
    unlink(ok);
    /* The veths go with the namespace when the kernel cleans it up, a few
     * ms later and off our path: deleting them here would cost 15-40 ms
     * of RCU grace periods per interface.  net_setup removes a host end a
     * dead namespace may still hold before it makes one of the same name. */
    return netns_remove(path, err);
}

/* ---- published ports ------------------------------------------------------------------- */

/* "80/tcp" -> 80, "tcp" */
static int parse_port_key(const char *key, int *port, const char **proto)
{
    char *end;
    long p = strtol(key, &end, 10);
    if (end == key || p < 1 || p > 65535)
        return -1;
    *port = (int)p;
    if (*end == '\0')
        *proto = "tcp";
    else if (*end == '/' && (strcmp(end + 1, "tcp") == 0 || strcmp(end + 1, "udp") == 0))
        *proto = end + 1;
    else
        return -1;
    return 0;
}

/* Hold host ip:port, IPv4 or IPv6 (port 0: one the kernel picks); the fd,
 * the port in *port.  One that will listen (listener) may reuse a port
 * whose earlier connections wait in TIME_WAIT; one that only holds must
 * not (two such sockets with SO_REUSEADDR could share a port). */
static int hold_port(const char *hostip, int *port, bool udp, bool listener, sk_error *err)
{
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } a;
    memset(&a, 0, sizeof a);
    socklen_t l;
    bool v6 = strchr(hostip, ':') != NULL;
    if (v6) {
        a.in6.sin6_family = AF_INET6;
        a.in6.sin6_port = htons((uint16_t)*port);
        l = sizeof a.in6;
        if (inet_pton(AF_INET6, hostip, &a.in6.sin6_addr) != 1)
            return sk_err(err, 0, "invalid host address %s for a published port", hostip);
    } else {
        a.in.sin_family = AF_INET;
        a.in.sin_port = htons((uint16_t)*port);
        l = sizeof a.in;
        if (inet_pton(AF_INET, hostip, &a.in.sin_addr) != 1)
            return sk_err(err, 0, "invalid host address %s for a published port", hostip);
    }
    int fd = socket(a.sa.sa_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_err(err, errno, "socket");
    int one = 1;
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (listener)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, &a.sa, l) < 0) {
        int e = errno;
        close(fd);
        const char *fmt = v6 ? "Bind for [%s]:%d failed" : "Bind for %s:%d failed";
        char where[80];
        snprintf(where, sizeof where, fmt, hostip, *port);
        if (e == EADDRINUSE) {
            sk_err(err, 0, "%s: port is already allocated", where);
            if (err != NULL)
                err->errnum = EADDRINUSE; /* for a range to try its next port */
            return -1;
        }
        return sk_err(err, e, "%s", where);
    }
    getsockname(fd, &a.sa, &l);
    *port = ntohs(v6 ? a.in6.sin6_port : a.in.sin_port);
    return fd;
}

struct publish {
    struct sk_netctx *n;
    const char *ctr_id, *ip, *ip6; /* ip6: NULL or "" when the container has none */
    struct strbuf rules, elements;
    int *fds;
    size_t nfds;
    json_t *proxies; /* [{"Fd": index in fds, "To": address, "Port": container port}] */
};

static int publish_fd(struct publish *x, int fd, sk_error *err)
{
    int *nf = realloc(x->fds, (x->nfds + 1) * sizeof *nf);
    if (nf == NULL) {
        close(fd);
        return sk_err(err, ENOMEM, "ports");
    }
    x->fds = nf;
    x->fds[x->nfds++] = fd;
    return 0;
}

static bool is_loopback6(const char *a)
{
    struct in6_addr a6;
    return inet_pton(AF_INET6, a, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* One host address and port of a container port.  IPv4: held, DNAT.
 * IPv6: DNAT to the container's IPv6 address, except from ::1 (IPv6 has no
 * route_localnet: the replies would never come back) - there, and for a
 * container without IPv6, the held socket listens and the monitor proxies
 * (TCP; UDP has no proxy).  *port: the host port (0: pick one). */
static int publish_one(struct publish *x, const char *proto, int cport, const char *hip, int *port,
                       sk_error *err)
{
    bool udp = strcmp(proto, "udp") == 0, v6 = strchr(hip, ':') != NULL;
    bool has6 = x->ip6 != NULL && *x->ip6, any = v6 ? strcmp(hip, "::") == 0 : strcmp(hip, "0.0.0.0") == 0;
    bool lo6 = v6 && is_loopback6(hip);
    bool dnat = !v6 || (has6 && !lo6), proxy = v6 && !udp && (!has6 || lo6 || any);
    if (v6 && !dnat && !proxy)
        return sk_err(err, 0, "cannot publish udp on [%s]: %s", hip,
                      has6 ? "IPv6 loopback has no DNAT and no proxy for udp"
                           : "the container has no IPv6 address (a network created with --ipv6 gives it one)");
    int fd = hold_port(hip, port, udp, proxy, err);
    if (fd < 0 || publish_fd(x, fd, err) < 0)
        return -1;
    if (proxy)
        json_array_append_new(x->proxies, json_pack("{s:i, s:s, s:i}", "Fd", (int)x->nfds - 1, "To",
                                                    has6 ? x->ip6 : x->ip, "Port", cport));
    if (!dnat)
        return 0;
    char match[80] = "";
    if (!any)
        snprintf(match, sizeof match, "%s daddr %s ", v6 ? "ip6" : "ip", hip);
    else if (v6) /* from ::1: the proxy */
        snprintf(match, sizeof match, "ip6 daddr != ::1 ");
    if (v6)
        sb_printf(&x->rules, "add rule inet %s p_%.16s %s%s dport %d dnat ip6 to [%s]:%d\n", x->n->table,
                  x->ctr_id, match, proto, *port, x->ip6, cport);
    else
        sb_printf(&x->rules, "add rule inet %s p_%.16s %s%s dport %d dnat ip to %s:%d\n", x->n->table,
                  x->ctr_id, match, proto, *port, x->ip, cport);
    sb_printf(&x->elements, "add element inet %s ports { %s . %d : goto p_%.16s }\n", x->n->table,
              proto, *port, x->ctr_id);
    return 0;
}

static void add_binding(json_t *out, const char *hip, int port)
{
    char hps[8];
    snprintf(hps, sizeof hps, "%d", port);
    json_array_append_new(out, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hps));
}

struct publish_mark {
    size_t fds, rules, elements, proxies;
};

static struct publish_mark publish_mark(const struct publish *x)
{
    return (struct publish_mark){x->nfds, x->rules.len, x->elements.len, json_array_size(x->proxies)};
}

/* Everything since the mark undone. */
static void publish_undo(struct publish *x, const struct publish_mark *m)
{
    while (x->nfds > m->fds)
        close(x->fds[--x->nfds]);
    x->rules.len = m->rules;
    if (x->rules.s != NULL)
        x->rules.s[m->rules] = '\0';
    x->elements.len = m->elements;
    if (x->elements.s != NULL)
        x->elements.s[m->elements] = '\0';
    while (json_array_size(x->proxies) > m->proxies)
        json_array_remove(x->proxies, json_array_size(x->proxies) - 1);
}

/* A binding without HostIp: 0.0.0.0, and :: on the same port as docker
 * does (a host without IPv6: 0.0.0.0 alone; udp: :: only to a container
 * with IPv6).  A port of the kernel's choosing may be taken on :: - then
 * another pair is tried. */
static int publish_any(struct publish *x, const char *proto, int cport, int want_port, json_t *out,
                       sk_error *err)
{
    bool want6 = strcmp(proto, "udp") != 0 || (x->ip6 != NULL && *x->ip6);
    for (int tries = 0;; tries++) {
        struct publish_mark m = publish_mark(x);
        int p = want_port;
        if (publish_one(x, proto, cport, "0.0.0.0", &p, err) < 0)
            return -1;
        sk_error e6 = {0};
        int p6 = p;
        int r6 = want6 ? publish_one(x, proto, cport, "::", &p6, &e6) : -1;
        bool no_ipv6 = r6 < 0 && (e6.errnum == EAFNOSUPPORT || e6.errnum == EADDRNOTAVAIL);
        if (r6 == 0 || !want6 || no_ipv6) {
            add_binding(out, "0.0.0.0", p);
            if (r6 == 0)
                add_binding(out, "::", p);
            return 0;
        }
        publish_undo(x, &m);
        if (want_port != 0 || tries >= 8) {
            if (err != NULL)
                *err = e6;
            return -1;
        }
    }
}

/* One binding: host port lo (0: the kernel's choice), or the first of lo-hi
 * not in use (docker's -p 8000-8010:80). */
static int publish_binding(struct publish *x, const char *proto, int cport, const char *hip, int lo,
                           int hi, json_t *out, sk_error *err)
{
    for (int p = lo;; p++) {
        int port = p, r;
        if (hip == NULL || !*hip)
            r = publish_any(x, proto, cport, port, out, err);
        else if ((r = publish_one(x, proto, cport, hip, &port, err)) == 0)
            add_binding(out, hip, port);
        if (r == 0 || p >= hi || err == NULL || err->errnum != EADDRINUSE)
            return r;
    }
}

int net_publish(struct sk_netctx *n, const char *ctr_id, json_t *bindings, const char *ip,
                const char *ip6, json_t **resolved, int **fds, size_t *nfds, json_t **proxies,
                sk_error *err)
{
    *resolved = json_object();
    *proxies = json_array();
    *fds = NULL;
    *nfds = 0;
    if (json_object_size(bindings) == 0)
        return 0;
    struct publish x = {.n = n, .ctr_id = ctr_id, .ip = ip, .ip6 = ip6, .proxies = *proxies};
    sb_printf(&x.rules, "add chain inet %s p_%.16s\n", n->table, ctr_id);
    const char *key;
    json_t *list;
    int rc = -1;
    json_object_foreach(bindings, key, list)
    {
        int cport;
        const char *proto;
        if (parse_port_key(key, &cport, &proto) < 0) {
            sk_err(err, 0, "invalid port %s: expected PORT[/tcp|udp]", key);
            goto fail;
        }
        json_t *out = json_array();
        json_object_set_new(*resolved, key, out);
        size_t i;
        json_t *b;
        json_array_foreach(list, i, b)
        {
            const char *hip = str(b, "HostIp"), *hp = str(b, "HostPort");
            int lo = 0, hi = 0;
            if (hp != NULL && *hp && strcmp(hp, "0") != 0 && net_port_range(hp, &lo, &hi) < 0) {
                sk_err(err, 0, "invalid host port %s", hp);
                goto fail;
            }
            if (publish_binding(&x, proto, cport, hip, lo, hi, out, err) < 0)
                goto fail;
        }
    }
    if (x.elements.s != NULL)
        sb_add(&x.rules, x.elements.s, x.elements.len);
    if (x.rules.oom) {
        sk_err(err, ENOMEM, "nftables rules");
        goto fail;
    }
    if (nft_apply(x.rules.s, err) < 0) {
        if (strstr(err->msg, "File exists") != NULL)
            sk_err(err, 0, "a published port is already allocated to another container");
        goto fail;
    }
    rc = 0;
fail:
    sb_free(&x.rules);
    sb_free(&x.elements);
    *fds = x.fds;
    *nfds = x.nfds;
    if (rc < 0) {
        for (size_t i = 0; i < *nfds; i++)
            close((*fds)[i]);
        free(*fds);
        *fds = NULL;
        *nfds = 0;
        json_decref(*resolved);
        *resolved = NULL;
        json_decref(*proxies);
        *proxies = NULL;
    }
    return rc;
}

void net_unpublish(struct sk_netctx *n, const char *ctr_id, json_t *resolved)
{
    struct strbuf s = {0};
    const char *key;
    json_t *list;
    json_object_foreach(resolved, key, list)
    {
        int cport;
        const char *proto;
        if (parse_port_key(key, &cport, &proto) < 0)
            continue;
        size_t i;
        json_t *b;
        json_array_foreach(list, i, b)
        {
            /* once per port (0.0.0.0 and :: share one element) */
            const char *hp = str(b, "HostPort");
            bool seen = false;
            for (size_t j = 0; j < i; j++)
                seen |= sk_streq(str(json_array_get(list, j), "HostPort"), hp);
            if (hp != NULL && !seen)
                sb_printf(&s, "delete element inet %s ports { %s . %s }\n", n->table, proto, hp);
        }
    }
    sb_printf(&s, "flush chain inet %1$s p_%2$.16s\ndelete chain inet %1$s p_%2$.16s\n", n->table,
              ctr_id);
    if (s.s != NULL && nft_apply(s.s, NULL) < 0) {
        /* something was gone already: take the pieces one by one */
        char *line = s.s, *next;
        for (; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            nft_apply(line, NULL);
        }
    }
    sb_free(&s);
}

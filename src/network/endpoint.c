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

/* One endpoint: a veth pair between the network's bridge and eth<i>. */
static int add_interface(struct sk_netctx *n, struct nl *host, struct nl *ns, int nsfd,
                         const char *ctr_id, int i, json_t *ep, bool *routed, sk_error *err)
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
    ipam_mac(ip, mac);
    int master = nl_ifindex(host, net_bridge(rec), err);
    if (master <= 0) {
        if (master == 0)
            sk_err(err, 0, "network %s: bridge %s is gone", str(rec, "Name"), net_bridge(rec));
        goto out;
    }
    nl_link_del(host, hname, NULL); /* what a dead start left */
    if (nl_veth_add(host, hname, master, cname, nsfd, mac, 0, err) < 0)
        goto out;
    /* hairpin: the container reaching its own published port through the
     * host's address comes back out of the port it came in on */
    char sys[96];
    snprintf(sys, sizeof sys, "/sys/class/net/%s/brport/hairpin_mode", hname);
    sk_write_existing(sys, "1", NULL);
    int idx = nl_ifindex(ns, cname, err);
    uint32_t ipn = htonl(ip), gwn = htonl(gw);
    if (idx <= 0 || nl_addr_add(ns, idx, AF_INET, &ipn, prefix, err) < 0 ||
        nl_link_up(ns, cname, err) < 0)
        goto out;
    if (!*routed && !json_is_true(obj(rec, "Internal"))) {
        if (nl_route_default(ns, idx, AF_INET, &gwn, err) < 0)
            goto out;
        *routed = true;
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
    bool routed = false;
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
    bool routed = !route;
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

/* Hold host ip:port (port 0: one the kernel picks); the fd, the port in *port. */
static int hold_port(const char *hostip, int *port, bool udp, sk_error *err)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)*port)};
    if (inet_pton(AF_INET, hostip, &a.sin_addr) != 1)
        return sk_err(err, 0, "invalid host address %s for a published port", hostip);
    int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_err(err, errno, "socket");
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            return sk_err(err, 0, "Bind for %s:%d failed: port is already allocated", hostip, *port);
        return sk_err(err, e, "Bind for %s:%d failed", hostip, *port);
    }
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

int net_publish(struct sk_netctx *n, const char *ctr_id, json_t *bindings, const char *ip,
                json_t **resolved, int **fds, size_t *nfds, sk_error *err)
{
    *resolved = json_object();
    *fds = NULL;
    *nfds = 0;
    if (json_object_size(bindings) == 0)
        return 0;
    struct strbuf s = {0}, el = {0};
    sb_printf(&s, "add chain inet %s p_%.16s\n", n->table, ctr_id);
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
            if (hip == NULL || !*hip)
                hip = "0.0.0.0";
            if (strchr(hip, ':') != NULL)
                continue; /* IPv6 host addresses: not yet */
            int hport = 0;
            if (hp != NULL && *hp && (sk_parse_int(hp, &hport) < 0 || hport < 0 || hport > 65535)) {
                sk_err(err, 0, "invalid host port %s", hp);
                goto fail;
            }
            int fd = hold_port(hip, &hport, strcmp(proto, "udp") == 0, err);
            if (fd < 0)
                goto fail;
            int *nf = realloc(*fds, (*nfds + 1) * sizeof **fds);
            if (nf == NULL) {
                close(fd);
                sk_err(err, ENOMEM, "ports");
                goto fail;
            }
            *fds = nf;
            (*fds)[(*nfds)++] = fd;
            char hps[8];
            snprintf(hps, sizeof hps, "%d", hport);
            json_array_append_new(out, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hps));
            char match[64] = "";
            if (strcmp(hip, "0.0.0.0") != 0)
                snprintf(match, sizeof match, "ip daddr %s ", hip);
            sb_printf(&s, "add rule inet %s p_%.16s %s%s dport %d dnat ip to %s:%d\n", n->table,
                      ctr_id, match, proto, hport, ip, cport);
            sb_printf(&el, "add element inet %s ports { %s . %d : goto p_%.16s }\n", n->table, proto,
                      hport, ctr_id);
        }
    }
    if (el.s != NULL)
        sb_add(&s, el.s, el.len);
    if (s.oom) {
        sk_err(err, ENOMEM, "nftables rules");
        goto fail;
    }
    if (nft_apply(s.s, err) < 0) {
        if (strstr(err->msg, "File exists") != NULL)
            sk_err(err, 0, "a published port is already allocated to another container");
        goto fail;
    }
    rc = 0;
fail:
    sb_free(&s);
    sb_free(&el);
    if (rc < 0) {
        for (size_t i = 0; i < *nfds; i++)
            close((*fds)[i]);
        free(*fds);
        *fds = NULL;
        *nfds = 0;
        json_decref(*resolved);
        *resolved = NULL;
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
            if (str(b, "HostPort") != NULL)
                sb_printf(&s, "delete element inet %s ports { %s . %s }\n", n->table, proto,
                          str(b, "HostPort"));
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

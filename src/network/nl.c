/* nl.c - rtnetlink requests (see nl.h). */
#include "network/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "network/dl_net.h"

#define NL_BUF 8192

int nl_open(struct nl *nl, sk_error *err)
{
    memset(nl, 0, sizeof *nl);
    if (sk_mnl_load(err) < 0)
        return -1;
    nl->s = mnl_socket_open(NETLINK_ROUTE);
    if (nl->s == NULL)
        return sk_err(err, errno, "netlink socket");
    if (mnl_socket_bind(nl->s, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        mnl_socket_close(nl->s);
        nl->s = NULL;
        return sk_err(err, e, "netlink bind");
    }
    nl->portid = mnl_socket_get_portid(nl->s);
    nl->seq = (unsigned)time(NULL);
    return 0;
}

void nl_close(struct nl *nl)
{
    if (nl->s != NULL)
        mnl_socket_close(nl->s);
    nl->s = NULL;
}

static struct nlmsghdr *put_header(struct nl *nl, char *buf, int type, int flags)
{
    struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = (uint16_t)type;
    h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
    h->nlmsg_seq = ++nl->seq;
    return h;
}

/* Send h and read the answers up to the ack (or the end of a dump); cb sees
 * each data message.  Returns 0 or -errno. */
static int transact(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *arg)
{
    char buf[NL_BUF];
    if (mnl_socket_sendto(nl->s, h, h->nlmsg_len) < 0)
        return -errno;
    unsigned seq = h->nlmsg_seq;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->s, buf, sizeof buf);
        if (n < 0)
            return errno == EINTR ? -EINTR : -errno;
        int r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, arg);
        if (r == MNL_CB_STOP)
            return 0;
        if (r < 0)
            return -errno;
    }
}

/* ---- links ------------------------------------------------------------------------------ */

struct link_info {
    int index;
    unsigned flags, mtu;
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == IFLA_MTU && mnl_attr_get_payload_len(a) == 4)
        ((struct link_info *)data)->mtu = mnl_attr_get_u32(a);
    return MNL_CB_OK;
}

static int index_cb(const struct nlmsghdr *h, void *arg)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
    struct link_info *li = arg;
    li->index = ifi->ifi_index;
    li->flags = ifi->ifi_flags;
    mnl_attr_parse(h, sizeof *ifi, link_attr_cb, li);
    return MNL_CB_OK;
}

int nl_ifindex(struct nl *nl, const char *name, sk_error *err)
{
    return nl_link_state(nl, name, NULL, NULL, err);
}

int nl_link_state(struct nl *nl, const char *name, bool *up, unsigned *mtu, sk_error *err)
{
    char buf[NL_BUF];
    struct nlmsghdr *h = put_header(nl, buf, RTM_GETLINK, NLM_F_ACK);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(h, IFLA_IFNAME, name);
    struct link_info li = {0, 0, 0};
    int r = transact(nl, h, index_cb, &li);
    if (r == -ENODEV)
        return 0;
    if (r < 0)
        return sk_err(err, -r, "interface %s", name);
    if (up != NULL)
        *up = (li.flags & IFF_UP) != 0;
    if (mtu != NULL)
        *mtu = li.mtu;
    return li.index;
}

static struct nlmsghdr *link_msg(struct nl *nl, char *buf, int type, int flags, const char *name,
                                 struct ifinfomsg **ifi)
{
    struct nlmsghdr *h = put_header(nl, buf, type, flags);
    *ifi = mnl_nlmsg_put_extra_header(h, sizeof **ifi);
    (*ifi)->ifi_family = AF_UNSPEC;
    if (name != NULL)
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
    return h;
}

static int set_mtu(struct nl *nl, const char *name, unsigned mtu, sk_error *err)
{
    char buf[NL_BUF];
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = link_msg(nl, buf, RTM_NEWLINK, NLM_F_ACK, name, &ifi);
    mnl_attr_put_u32(h, IFLA_MTU, mtu);
    int r = transact(nl, h, NULL, NULL);
    if (r < 0)
        return sk_err(err, -r, "set the MTU of %s to %u", name, mtu);
    return 0;
}

int nl_bridge_add(struct nl *nl, const char *name, unsigned mtu, sk_error *err)
{
    char buf[NL_BUF];
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = link_msg(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
                                  name, &ifi);
    struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(h, li);
    int r = transact(nl, h, NULL, NULL);
    if (r == -EEXIST) /* its MTU is its ports' (a bridge an older skiff made: 1500) */
        return 0;
    if (r < 0)
        return sk_err(err, -r, "create bridge %s", name);
    /* Set apart from the creation: an MTU given with it is the kernel's to
     * change, and it falls back to 1500 when the last port leaves. */
    return mtu > 0 ? set_mtu(nl, name, mtu, err) : 0;
}

int nl_link_up(struct nl *nl, const char *name, sk_error *err)
{
    char buf[NL_BUF];
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = link_msg(nl, buf, RTM_NEWLINK, NLM_F_ACK, name, &ifi);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = IFF_UP;
    int r = transact(nl, h, NULL, NULL);
    if (r < 0)
        return sk_err(err, -r, "set %s up", name);
    return 0;
}

int nl_link_del(struct nl *nl, const char *name, sk_error *err)
{
    char buf[NL_BUF];
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = link_msg(nl, buf, RTM_DELLINK, NLM_F_ACK, name, &ifi);
    int r = transact(nl, h, NULL, NULL);
    if (r < 0 && r != -ENODEV)
        return sk_err(err, -r, "remove interface %s", name);
    return 0;
}

int nl_veth_add(struct nl *nl, const char *host, int master, const char *peer, int nsfd,
                const uint8_t mac[6], unsigned mtu, sk_error *err)
{
    char buf[NL_BUF];
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = link_msg(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
                                  host, &ifi);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = IFF_UP;
    if (master > 0)
        mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
    if (mtu > 0)
        mnl_attr_put_u32(h, IFLA_MTU, mtu);
    struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
    struct nlattr *pi = mnl_attr_nest_start(h, VETH_INFO_PEER);
    struct ifinfomsg *pifi = (struct ifinfomsg *)((char *)h + h->nlmsg_len);
    memset(pifi, 0, sizeof *pifi);
    h->nlmsg_len += MNL_ALIGN(sizeof *pifi);
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(h, IFLA_IFNAME, peer);
    mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)nsfd);
    if (mac != NULL)
        mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
    if (mtu > 0)
        mnl_attr_put_u32(h, IFLA_MTU, mtu);
    mnl_attr_nest_end(h, pi);
    mnl_attr_nest_end(h, data);
    mnl_attr_nest_end(h, li);
    int r = transact(nl, h, NULL, NULL);
    if (r < 0)
        return sk_err(err, -r, "create veth pair %s/%s", host, peer);
    return 0;
}

/* ---- addresses and routes --------------------------------------------------------------- */

int nl_addr_add(struct nl *nl, int ifindex, int family, const void *addr, int prefix,
                sk_error *err)
{
    char buf[NL_BUF];
    struct nlmsghdr *h = put_header(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
    ifa->ifa_family = (uint8_t)family;
    ifa->ifa_prefixlen = (uint8_t)prefix;
    ifa->ifa_index = (uint32_t)ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    if (family == AF_INET6)
        ifa->ifa_flags = IFA_F_NODAD;
    size_t len = family == AF_INET ? 4 : 16;
    mnl_attr_put(h, IFA_LOCAL, len, addr);
    mnl_attr_put(h, IFA_ADDRESS, len, addr);
    if (family == AF_INET && prefix < 31) {
        uint32_t a;
        memcpy(&a, addr, 4);
        uint32_t bcast = a | htonl(prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1);
        mnl_attr_put(h, IFA_BROADCAST, 4, &bcast);
    }
    int r = transact(nl, h, NULL, NULL);
    if (r < 0 && r != -EEXIST)
        return sk_err(err, -r, "add an address to interface %d", ifindex);
    return 0;
}

int nl_route_default(struct nl *nl, int ifindex, int family, const void *gw, unsigned mtu,
                     sk_error *err)
{
    char buf[NL_BUF];
    struct nlmsghdr *h = put_header(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
    struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
    rt->rtm_family = (uint8_t)family;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    mnl_attr_put(h, RTA_GATEWAY, family == AF_INET ? 4 : 16, gw);
    mnl_attr_put_u32(h, RTA_OIF, (uint32_t)ifindex);
    if (mtu > 0) {
        struct nlattr *m = mnl_attr_nest_start(h, RTA_METRICS);
        mnl_attr_put_u32(h, RTAX_MTU, mtu);
        mnl_attr_nest_end(h, m);
    }
    int r = transact(nl, h, NULL, NULL);
    if (r < 0 && r != -EEXIST)
        return sk_err(err, -r, "add the default route");
    return 0;
}

struct route_walk {
    int family;
    void (*fn)(const uint8_t *, int, void *);
    void *arg;
};

struct route_dst {
    size_t len;
    uint8_t addr[16];
};

static int route_attr_cb(const struct nlattr *a, void *data)
{
    struct route_dst *d = data;
    if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == d->len)
        memcpy(d->addr, mnl_attr_get_payload(a), d->len);
    return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *h, void *arg)
{
    struct route_walk *w = arg;
    const struct rtmsg *rt = mnl_nlmsg_get_payload(h);
    if (rt->rtm_family != w->family || rt->rtm_table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST)
        return MNL_CB_OK;
    struct route_dst d = {.len = w->family == AF_INET ? 4 : 16};
    mnl_attr_parse(h, sizeof *rt, route_attr_cb, &d);
    if (rt->rtm_dst_len > 0) /* the default route overlaps nothing */
        w->fn(d.addr, rt->rtm_dst_len, w->arg);
    return MNL_CB_OK;
}

int nl_routes(struct nl *nl, int family, void (*fn)(const uint8_t *, int, void *), void *arg,
              sk_error *err)
{
    char buf[NL_BUF];
    struct nlmsghdr *h = put_header(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
    struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
    rt->rtm_family = (uint8_t)family;
    struct route_walk w = {family, fn, arg};
    int r = transact(nl, h, route_cb, &w);
    if (r < 0)
        return sk_err(err, -r, "list routes");
    return 0;
}

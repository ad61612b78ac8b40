/* nl.h - rtnetlink through libmnl: the links, addresses and routes a
 * network needs.  A socket talks to the network namespace it was opened
 * in.  Creating what exists already, or removing what is gone, is no error. */
#ifndef SKIFF_NETWORK_NL_H
#define SKIFF_NETWORK_NL_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct mnl_socket;

struct nl {
    struct mnl_socket *s;
    unsigned portid, seq;
};

int nl_open(struct nl *nl, sk_error *err);
void nl_close(struct nl *nl);

/* The interface's index, 0 when there is none. */
int nl_ifindex(struct nl *nl, const char *name, sk_error *err);
/* The same, whether it is up and its MTU (up, mtu may be NULL). */
int nl_link_state(struct nl *nl, const char *name, bool *up, unsigned *mtu, sk_error *err);
/* A bridge; with mtu > 0 that MTU, kept when ports come and go (a bridge
 * that exists already keeps its own). */
int nl_bridge_add(struct nl *nl, const char *name, unsigned mtu, sk_error *err);
int nl_link_up(struct nl *nl, const char *name, sk_error *err);
int nl_link_del(struct nl *nl, const char *name, sk_error *err);
/* A veth pair: host (attached to the bridge with index master, up) and
 * peer, created in the namespace nsfd with the MAC address mac. */
int nl_veth_add(struct nl *nl, const char *host, int master, const char *peer, int nsfd,
                const uint8_t mac[6], unsigned mtu, sk_error *err);
/* family AF_INET or AF_INET6; addr in network order */
int nl_addr_add(struct nl *nl, int ifindex, int family, const void *addr, int prefix,
                sk_error *err);
/* The default route through gw; mtu > 0 caps the packets sent by it below
 * the interface's MTU. */
int nl_route_default(struct nl *nl, int ifindex, int family, const void *gw, unsigned mtu,
                     sk_error *err);
/* Every route of the main table of the family (AF_INET, AF_INET6):
 * fn(dst, prefix, arg) with dst in network order (4 or 16 bytes). */
int nl_routes(struct nl *nl, int family, void (*fn)(const uint8_t *dst, int prefix, void *arg),
              void *arg, sk_error *err);

#endif

/* net_int.h - what the network module's files share (internal). */
#ifndef SKIFF_NETWORK_NET_INT_H
#define SKIFF_NETWORK_NET_INT_H

#include "network/network.h"

/* flock on <dir>/lock: an fd to close */
int net_lock(struct sk_netctx *n, sk_error *err);
/* The bridge exists, is up, has its address; the table's rules are in
 * place (rebuilt when the bridge had to be made).  Under the lock. */
int net_realize(struct sk_netctx *n, json_t *rec, sk_error *err);
const char *net_bridge(json_t *rec);
/* The MTU of the network's bridge when skiff makes it, and the one of the
 * packets that leave the host by a container's default route. */
unsigned net_link_mtu(json_t *rec);
unsigned net_route_mtu(json_t *rec);
/* The IPv6 entry of the record's IPAM.Config (the first is IPv4's), or NULL. */
json_t *net_ipam6(json_t *rec);

#endif

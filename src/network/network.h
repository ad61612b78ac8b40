/* network.h - skiff's networks: bridges, address leases, NAT, isolation and
 * published ports, as docker has them.
 *
 * A network is a record under <root>/networks (docker's inspect shape; the
 * leases are its Containers).  Its kernel side - the bridge, its address and
 * the rules in skiff's nftables table - is built when the network is created
 * and rebuilt whenever a container needs it and finds it gone (after a
 * reboot, say), so records are the truth and the kernel follows.
 *
 * A container's network namespace is a file under <runroot>/netns: it
 * lives from the container's first start to its removal, so its address
 * (leased at create, released at remove) survives stop and start.
 *
 * Everything here runs in the caller's process: netlink through libmnl,
 * nftables through libnftables, no subprocess.  Record changes are
 * serialized by a lock on <root>/networks/lock. */
#ifndef SKIFF_NETWORK_NETWORK_H
#define SKIFF_NETWORK_NETWORK_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "network/ipam.h"
#include "util/error.h"

#define NET_MAX_POOLS 8

/* A pool that networks' subnets are taken from (docker's
 * default-address-pools: "base=10.10.0.0/16,size=24"). */
struct net_pool {
    bool v6;
    uint32_t base;   /* IPv4, host order */
    struct ip6 base6;
    int prefix, size;
};

struct sk_netctx {
    char dir[PATH_MAX];   /* <root>/networks */
    char nsdir[PATH_MAX]; /* <runroot>/netns */
    char table[32];       /* nft table (inet): "skiff", "skiff_<hash of root>" for others */
    char bridge0[16];     /* the default network's bridge: "skiff0", "sk<hash>" for others */
    struct net_pool pools[NET_MAX_POOLS]; /* none: docker's defaults (IPv4), a unique local /48 (IPv6) */
    int npools;
    uint64_t ula; /* the unique local /48's global id, once known (0: not yet) */
};

/* "base=CIDR,size=N" (either family) into a pool; a clear error for
 * anything else. */
int net_parse_pool(const char *spec, struct net_pool *out, sk_error *err);

/* Names for the instance whose --root is root: the default root gets
 * "skiff"/"skiff0", any other root names derived from an FNV-1a hash of
 * its path, so that instances side by side never share a bridge. */
void net_ctx_init(struct sk_netctx *n, const char *root, const char *runroot);

/* bridge, host, none: docker's predefined networks */
bool net_predefined(const char *name);

/* Create from docker's NetworkCreate body (Name, Driver, Internal, Labels,
 * Options, EnableIPv6, IPAM.Config: one IPv4 and one IPv6 entry of
 * Subnet/Gateway/IPRange, each picked from a pool when not given; an IPv6
 * subnet implies EnableIPv6).  *out: the record, whose IPAM.Config has the
 * IPv4 entry first. */
int net_create(struct sk_netctx *n, json_t *req, json_t **out, sk_error *err);
/* docker's CLI flags into IPAM.Config (see sk_network_ipam_flags). */
int net_ipam_flags(json_t *subnets, json_t *gateways, json_t *ranges, json_t **config, sk_error *err);
/* By name, id or unique id prefix ("No such network: x"); "bridge" is made
 * on first use, "host" and "none" are records of their own. */
int net_get(struct sk_netctx *n, const char *ref, json_t **out, sk_error *err);
/* The record of the network with this id (no lookup, no lock: a
 * snapshot, records are replaced atomically). */
int net_load(struct sk_netctx *n, const char *id, json_t **out, sk_error *err);
/* All networks' records, predefined ones included. */
int net_list(struct sk_netctx *n, json_t **out, sk_error *err);
/* Refuses predefined networks and networks with containers. */
int net_remove(struct sk_netctx *n, const char *ref, sk_error *err);

/* What a container asks of its endpoint on a network; NULL or "": the
 * default. */
struct net_want {
    const char *ip;  /* else the lowest free address */
    const char *ip6; /* on a network with IPv6; else the lowest free */
    const char *mac; /* else 02:42 and the IPv4 address, as docker's */
    json_t *aliases;
};
/* Lease an address on the network ref for the container.  *ep: docker's
 * EndpointSettings. */
int net_lease(struct sk_netctx *n, const char *ref, const char *ctr_id, const char *ctr_name,
              const struct net_want *want, json_t **ep, sk_error *err);
/* Give the container's lease on the network back (no lease: no error). */
int net_release(struct sk_netctx *n, const char *net_id, const char *ctr_id, sk_error *err);

/* Everything of a container that is gone: its leases on every network
 * and its namespace. */
void net_forget(struct sk_netctx *n, const char *ctr_id);

/* <runroot>/netns/<id> */
void net_ns_path(struct sk_netctx *n, const char *ctr_id, char *buf, size_t cap);
/* The container's namespace with one interface per endpoint of networks
 * (name -> EndpointSettings; the interface is the endpoint's "SkiffIf",
 * else eth0, eth1, ... in order), built once and kept; a half-built one is
 * built again. */
int net_setup(struct sk_netctx *n, const char *ctr_id, json_t *networks, sk_error *err);
/* One more endpoint in a namespace already built (none built: nothing to
 * do, the next net_setup adds it); route: make it the default route. */
int net_attach(struct sk_netctx *n, const char *ctr_id, json_t *ep, bool route, sk_error *err);
/* The endpoint's interface out of the built namespace. */
int net_detach(struct sk_netctx *n, const char *ctr_id, json_t *ep, sk_error *err);
/* The namespace and its interfaces gone (what is already gone: no error). */
int net_teardown(struct sk_netctx *n, const char *ctr_id, sk_error *err);

/* Publish ports (docker's PortBindings: {"80/tcp": [{"HostIp", "HostPort"}]})
 * to the container at ip (and ip6, NULL: none): each host port held by a
 * bound socket (fds, closed by the caller when unpublishing) and forwarded
 * by DNAT, from other hosts and from this one (127.0.0.1 included).  A
 * binding without HostIp gets 0.0.0.0 and :: (docker's pair).  Where DNAT
 * cannot serve - from IPv6's ::1, to a container without IPv6 - the port is
 * served in user space: *proxies lists those fds ({"Fd": index in fds,
 * "To": the container's address, "Port"}), for the monitor to listen on
 * and proxy (TCP).  *resolved: the bindings with the ports chosen for
 * empty ones. */
int net_publish(struct sk_netctx *n, const char *ctr_id, json_t *bindings, const char *ip,
                const char *ip6, json_t **resolved, int **fds, size_t *nfds, json_t **proxies,
                sk_error *err);
/* Remove what net_publish added (best effort: pieces already gone are
 * skipped). */
void net_unpublish(struct sk_netctx *n, const char *ctr_id, json_t *resolved);

/* docker's -p [ip:][hostPort:]containerPort[/tcp|udp] (ranges a-b of equal
 * lengths; a host range to one container port means a free port of it)
 * into PortBindings and ExposedPorts. */
int net_parse_publish(const char *spec, json_t *bindings, json_t *exposed, sk_error *err);
/* "a" or "a-b" (1 <= a <= b <= 65535). */
int net_port_range(const char *s, int *lo, int *hi);

#endif

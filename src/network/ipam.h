/* ipam.h - IPv4 address arithmetic for networks (pure; unit-tested).
 * Addresses are in host byte order here. */
#ifndef SKIFF_NETWORK_IPAM_H
#define SKIFF_NETWORK_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "10.1.0.0/24" -> base address (host bits cleared) and prefix; -1 if it
 * is no IPv4 CIDR or has host bits set (strict) */
int ipam_parse_cidr(const char *s, uint32_t *base, int *prefix, bool strict);
int ipam_parse_ip(const char *s, uint32_t *ip);
void ipam_format(uint32_t ip, char *buf, size_t cap); /* dotted quad */
bool ipam_overlap(uint32_t a, int pa, uint32_t b, int pb);
bool ipam_contains(uint32_t base, int prefix, uint32_t ip);
/* The first and last addresses a container may get in base/prefix (neither
 * the network's nor the broadcast address). */
void ipam_host_range(uint32_t base, int prefix, uint32_t *first, uint32_t *last);

/* The default pools (docker's): 172.17.0.0/16 ... 172.31.0.0/16, then
 * 192.168.0.0/20 ... 192.168.240.0/20.  The i-th candidate, or -1 past
 * the end. */
int ipam_pool_candidate(int i, uint32_t *base, int *prefix);

/* The MAC address docker derives from an IPv4 address: 02:42:a.b.c.d */
void ipam_mac(uint32_t ip, uint8_t mac[6]);

#endif

/* ipam.h - address arithmetic for networks (pure; unit-tested).
 * IPv4 addresses are in host byte order here, IPv6 ones 16 bytes in
 * network order. */
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

/* The i-th subnet of size bits in the pool base/prefix (docker's
 * default-address-pools), or -1 past its end. */
int ipam_pool_subnet(uint32_t base, int prefix, int size, uint32_t i, uint32_t *out);

/* The MAC address docker derives from an IPv4 address: 02:42:a.b.c.d */
void ipam_mac(uint32_t ip, uint8_t mac[6]);
/* "xx:xx:xx:xx:xx:xx" (or with '-'), a unicast address other than zero. */
int ipam_parse_mac(const char *s, uint8_t mac[6]);

/* ---- IPv6 ---- */
struct ip6 {
    uint8_t b[16];
};
int ipam6_parse_ip(const char *s, struct ip6 *ip);
/* "fd42::/64" -> base (host bits cleared) and prefix; -1 if it is no IPv6
 * CIDR or has host bits set (strict) */
int ipam6_parse_cidr(const char *s, struct ip6 *base, int *prefix, bool strict);
void ipam6_format(const struct ip6 *ip, char *buf, size_t cap); /* RFC 5952 */
bool ipam6_contains(const struct ip6 *base, int prefix, const struct ip6 *ip);
bool ipam6_overlap(const struct ip6 *a, int pa, const struct ip6 *b, int pb);
int ipam6_cmp(const struct ip6 *a, const struct ip6 *b);
/* ip + n, 0; -1 (ip unchanged) when it would wrap past ffff:...:ffff */
int ipam6_add(struct ip6 *ip, uint64_t n);
/* The last address of base/prefix. */
void ipam6_last(const struct ip6 *base, int prefix, struct ip6 *last);
/* The i-th /64 (i < 65536) of the unique local /48 fdGG:GGGG:GGGG::/48
 * whose 40-bit global id is gid (RFC 4193; docker takes its default IPv6
 * subnets from such a prefix too). */
void ipam6_ula_candidate(uint64_t gid, int i, struct ip6 *base, int *prefix);
/* The i-th subnet of size bits in the pool base/prefix, or -1 past its end. */
int ipam6_pool_subnet(const struct ip6 *base, int prefix, int size, uint32_t i, struct ip6 *out);

#endif

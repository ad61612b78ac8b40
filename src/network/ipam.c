/* ipam.c - address arithmetic (see ipam.h). */
#include "network/ipam.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t mask_of(int prefix)
{
    return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

int ipam_parse_ip(const char *s, uint32_t *ip)
{
    struct in_addr a;
    if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *ip = ntohl(a.s_addr);
    return 0;
}

/* "ADDR/N" into ADDR (in buf) and N (0..max). */
static int split_cidr(const char *s, char *buf, size_t cap, int max, int *prefix)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (slash == NULL || (size_t)(slash - s) >= cap)
        return -1;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    char *end;
    long p = strtol(slash + 1, &end, 10);
    if (slash[1] == '\0' || *end != '\0' || p < 0 || p > max)
        return -1;
    *prefix = (int)p;
    return 0;
}

int ipam_parse_cidr(const char *s, uint32_t *base, int *prefix, bool strict)
{
    char buf[32];
    int p;
    if (split_cidr(s, buf, sizeof buf, 32, &p) < 0)
        return -1;
    uint32_t ip;
    if (ipam_parse_ip(buf, &ip) < 0)
        return -1;
    if (strict && (ip & ~mask_of(p)) != 0)
        return -1;
    *base = ip & mask_of(p);
    *prefix = p;
    return 0;
}

void ipam_format(uint32_t ip, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

bool ipam_overlap(uint32_t a, int pa, uint32_t b, int pb)
{
    int p = pa < pb ? pa : pb;
    return ((a ^ b) & mask_of(p)) == 0;
}

bool ipam_contains(uint32_t base, int prefix, uint32_t ip)
{
    return ((base ^ ip) & mask_of(prefix)) == 0;
}

void ipam_host_range(uint32_t base, int prefix, uint32_t *first, uint32_t *last)
{
    uint32_t bcast = base | ~mask_of(prefix);
    if (prefix >= 31) {
        *first = base;
        *last = bcast;
        return;
    }
    *first = base + 1;
    *last = bcast - 1;
}

int ipam_pool_candidate(int i, uint32_t *base, int *prefix)
{
    if (i < 0)
        return -1;
    if (i < 15) { /* 172.17 .. 172.31 */
        *base = (172u << 24) | ((17u + (uint32_t)i) << 16);
        *prefix = 16;
        return 0;
    }
    i -= 15;
    if (i < 16) {
        *base = (192u << 24) | (168u << 16) | ((uint32_t)i << 12);
        *prefix = 20;
        return 0;
    }
    return -1;
}

int ipam_pool_subnet(uint32_t base, int prefix, int size, uint32_t i, uint32_t *out)
{
    if (prefix < 0 || size > 32 || size < prefix || (size - prefix < 32 && i >> (size - prefix) != 0))
        return -1;
    *out = (base & mask_of(prefix)) | (size == 0 ? 0 : i << (32 - size));
    return 0;
}

void ipam_mac(uint32_t ip, uint8_t mac[6])
{
    mac[0] = 0x02;
    mac[1] = 0x42;
    mac[2] = (uint8_t)(ip >> 24);
    mac[3] = (uint8_t)(ip >> 16);
    mac[4] = (uint8_t)(ip >> 8);
    mac[5] = (uint8_t)ip;
}

int ipam_parse_mac(const char *s, uint8_t mac[6])
{
    if (s == NULL || strlen(s) != 17)
        return -1;
    unsigned any = 0;
    for (int i = 0; i < 6; i++) {
        const char *p = s + 3 * i;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
            (i < 5 && p[2] != ':' && p[2] != '-') || (i > 0 && p[-1] != s[2]))
            return -1;
        char h[3] = {p[0], p[1], 0};
        mac[i] = (uint8_t)strtoul(h, NULL, 16);
        any |= mac[i];
    }
    return any == 0 || (mac[0] & 1) ? -1 : 0; /* all zero, or multicast */
}

/* ---- IPv6 ---- */

int ipam6_parse_ip(const char *s, struct ip6 *ip)
{
    return s != NULL && inet_pton(AF_INET6, s, ip->b) == 1 ? 0 : -1;
}

static void mask6(struct ip6 *ip, int prefix)
{
    for (int i = 0; i < 16; i++) {
        int bits = prefix - i * 8;
        ip->b[i] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
    }
}

int ipam6_parse_cidr(const char *s, struct ip6 *base, int *prefix, bool strict)
{
    char buf[64];
    int p;
    if (split_cidr(s, buf, sizeof buf, 128, &p) < 0)
        return -1;
    struct ip6 ip;
    if (ipam6_parse_ip(buf, &ip) < 0)
        return -1;
    struct ip6 m = ip;
    mask6(&m, p);
    if (strict && memcmp(m.b, ip.b, 16) != 0)
        return -1;
    *base = m;
    *prefix = p;
    return 0;
}

void ipam6_format(const struct ip6 *ip, char *buf, size_t cap)
{
    char t[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, ip->b, t, sizeof t) == NULL)
        t[0] = '\0';
    snprintf(buf, cap, "%s", t);
}

bool ipam6_contains(const struct ip6 *base, int prefix, const struct ip6 *ip)
{
    struct ip6 a = *base, b = *ip;
    mask6(&a, prefix);
    mask6(&b, prefix);
    return memcmp(a.b, b.b, 16) == 0;
}

bool ipam6_overlap(const struct ip6 *a, int pa, const struct ip6 *b, int pb)
{
    return ipam6_contains(a, pa < pb ? pa : pb, b);
}

int ipam6_cmp(const struct ip6 *a, const struct ip6 *b)
{
    return memcmp(a->b, b->b, 16);
}

int ipam6_add(struct ip6 *ip, uint64_t n)
{
    struct ip6 r = *ip;
    unsigned carry = 0;
    for (int i = 15; i >= 0; i--) {
        unsigned v = r.b[i] + (unsigned)(n & 0xff) + carry;
        r.b[i] = (uint8_t)v;
        carry = v >> 8;
        n >>= 8;
    }
    if (carry || n)
        return -1;
    *ip = r;
    return 0;
}

void ipam6_last(const struct ip6 *base, int prefix, struct ip6 *last)
{
    *last = *base;
    for (int i = 0; i < 16; i++) {
        int bits = prefix - i * 8;
        last->b[i] |= bits >= 8 ? 0 : bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);
    }
}

void ipam6_ula_candidate(uint64_t gid, int i, struct ip6 *base, int *prefix)
{
    memset(base->b, 0, 16);
    base->b[0] = 0xfd;
    for (int k = 0; k < 5; k++)
        base->b[1 + k] = (uint8_t)(gid >> (32 - 8 * k));
    base->b[6] = (uint8_t)(i >> 8);
    base->b[7] = (uint8_t)i;
    *prefix = 64;
}

int ipam6_pool_subnet(const struct ip6 *base, int prefix, int size, uint32_t i, struct ip6 *out)
{
    int bits = size - prefix;
    if (prefix < 0 || size > 128 || bits < 0 || (bits < 32 && i >> bits != 0))
        return -1;
    *out = *base;
    mask6(out, size);
    for (int b = 0; b < bits && b < 32; b++) /* i's bits, lowest last, just above the subnet's host bits */
        if (i >> b & 1) {
            int k = size - 1 - b;
            out->b[k / 8] |= (uint8_t)(0x80 >> (k % 8));
        }
    return 0;
}

/* ipam.c - IPv4 address arithmetic (see ipam.h). */
#include "network/ipam.h"

#include <arpa/inet.h>
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

int ipam_parse_cidr(const char *s, uint32_t *base, int *prefix, bool strict)
{
    char buf[32];
    const char *slash = s ? strchr(s, '/') : NULL;
    if (slash == NULL || (size_t)(slash - s) >= sizeof buf)
        return -1;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    char *end;
    long p = strtol(slash + 1, &end, 10);
    if (slash[1] == '\0' || *end != '\0' || p < 0 || p > 32)
        return -1;
    uint32_t ip;
    if (ipam_parse_ip(buf, &ip) < 0)
        return -1;
    if (strict && (ip & ~mask_of((int)p)) != 0)
        return -1;
    *base = ip & mask_of((int)p);
    *prefix = (int)p;
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

void ipam_mac(uint32_t ip, uint8_t mac[6])
{
    mac[0] = 0x02;
    mac[1] = 0x42;
    mac[2] = (uint8_t)(ip >> 24);
    mac[3] = (uint8_t)(ip >> 16);
    mac[4] = (uint8_t)(ip >> 8);
    mac[5] = (uint8_t)ip;
}

/* Unit tests: IPv4 address arithmetic, the default pools, docker's -p. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "network/dns.h"
#include "network/ipam.h"
#include "network/network.h"
#include "util/json.h"

static uint32_t ip(const char *s)
{
    uint32_t a = 0;
    assert_int_equal(ipam_parse_ip(s, &a), 0);
    return a;
}

static void test_cidr(void **state)
{
    (void)state;
    uint32_t b;
    int p;
    char buf[20];
    assert_int_equal(ipam_parse_cidr("10.1.0.0/24", &b, &p, true), 0);
    assert_int_equal(p, 24);
    ipam_format(b, buf, sizeof buf);
    assert_string_equal(buf, "10.1.0.0");
    /* host bits: cleared, or refused when strict */
    assert_int_equal(ipam_parse_cidr("10.1.0.7/24", &b, &p, false), 0);
    assert_int_equal(b, ip("10.1.0.0"));
    assert_int_equal(ipam_parse_cidr("10.1.0.7/24", &b, &p, true), -1);
    const char *bad[] = {"10.1.0.0", "10.1.0.0/", "10.1.0.0/33", "10.1.0.0/-1", "10.1.0/24",
                         "fd00::/64", "10.1.0.0/24x", "/24", NULL};
    for (const char **s = bad; *s; s++)
        if (ipam_parse_cidr(*s, &b, &p, false) != -1)
            fail_msg("%s parsed", *s);
    assert_int_equal(ipam_parse_cidr(NULL, &b, &p, false), -1);
}

static void test_overlap_and_ranges(void **state)
{
    (void)state;
    assert_true(ipam_overlap(ip("10.1.0.0"), 16, ip("10.1.7.0"), 24));
    assert_true(ipam_overlap(ip("10.1.7.0"), 24, ip("10.1.0.0"), 16));
    assert_false(ipam_overlap(ip("10.1.0.0"), 24, ip("10.1.1.0"), 24));
    assert_true(ipam_overlap(ip("0.0.0.0"), 0, ip("10.1.1.0"), 24));
    assert_true(ipam_contains(ip("172.17.0.0"), 16, ip("172.17.255.254")));
    assert_false(ipam_contains(ip("172.17.0.0"), 16, ip("172.18.0.1")));
    uint32_t f, l;
    ipam_host_range(ip("10.99.7.0"), 29, &f, &l);
    assert_int_equal(f, ip("10.99.7.1"));
    assert_int_equal(l, ip("10.99.7.6"));
    ipam_host_range(ip("10.0.0.0"), 31, &f, &l);
    assert_int_equal(f, ip("10.0.0.0"));
    assert_int_equal(l, ip("10.0.0.1"));
}

static void test_pools_and_mac(void **state)
{
    (void)state;
    uint32_t b;
    int p, n = 0;
    char buf[20];
    assert_int_equal(ipam_pool_candidate(0, &b, &p), 0);
    ipam_format(b, buf, sizeof buf);
    assert_string_equal(buf, "172.17.0.0");
    assert_int_equal(p, 16);
    for (int i = 0; ipam_pool_candidate(i, &b, &p) == 0; i++) {
        n++;
        /* never the VM's uplink nor anything outside the private ranges */
        assert_false(ipam_overlap(b, p, ip("192.0.2.0"), 24));
        assert_true(ipam_contains(ip("172.16.0.0"), 12, b) || ipam_contains(ip("192.168.0.0"), 16, b));
    }
    assert_int_equal(n, 31);
    assert_int_equal(ipam_pool_candidate(-1, &b, &p), -1);
    uint8_t mac[6];
    ipam_mac(ip("172.17.0.2"), mac);
    const uint8_t want[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
    assert_memory_equal(mac, want, 6);
    /* --mac-address */
    uint8_t m2[6];
    assert_int_equal(ipam_parse_mac("92:D0:c6:0a:29:33", m2), 0);
    const uint8_t want2[6] = {0x92, 0xd0, 0xc6, 0x0a, 0x29, 0x33};
    assert_memory_equal(m2, want2, 6);
    assert_int_equal(ipam_parse_mac("02-42-ac-11-00-02", m2), 0);
    assert_memory_equal(m2, want, 6);
    const char *bad[] = {"", "02:42:ac:11:00", "02:42:ac:11:00:02:03", "02:42:ac:11:00:0g",
                         "02:42-ac:11:00:02", "02 42 ac 11 00 02", "00:00:00:00:00:00",
                         "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "2:42:ac:11:00:002", NULL};
    for (const char **x = bad; *x; x++)
        if (ipam_parse_mac(*x, m2) == 0)
            fail_msg("%s taken as a MAC address", *x);
    assert_int_equal(ipam_parse_mac(NULL, m2), -1);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct ip6 b, a, l;
    int p;
    char buf[64];
    assert_int_equal(ipam6_parse_cidr("fd42:1:2:3::/64", &b, &p, true), 0);
    assert_int_equal(p, 64);
    assert_int_equal(ipam6_parse_cidr("fd42:1:2:3::5/64", &b, &p, true), -1); /* host bits */
    assert_int_equal(ipam6_parse_cidr("fd42:1:2:3::5/64", &b, &p, false), 0);
    ipam6_format(&b, buf, sizeof buf);
    assert_string_equal(buf, "fd42:1:2:3::");
    assert_int_equal(ipam6_parse_cidr("10.0.0.0/8", &b, &p, false), -1);
    assert_int_equal(ipam6_parse_cidr("fd42::/129", &b, &p, false), -1);
    assert_int_equal(ipam6_parse_cidr("fd42::/", &b, &p, false), -1);
    assert_int_equal(ipam6_parse_cidr("fd42::/65", &b, &p, false), 0);
    assert_int_equal(ipam6_parse_ip("fd42::1:ffff", &a), 0);
    assert_int_equal(ipam6_add(&a, 1), 0);
    ipam6_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "fd42::2:0"); /* the carry */
    assert_true(ipam6_contains(&b, 65, &a));
    assert_int_equal(ipam6_parse_ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a), 0);
    assert_int_equal(ipam6_add(&a, 1), -1);
    ipam6_parse_cidr("fd42::/120", &b, &p, true);
    ipam6_last(&b, p, &l);
    ipam6_format(&l, buf, sizeof buf);
    assert_string_equal(buf, "fd42::ff");
    ipam6_parse_cidr("fd42::/121", &b, &p, true);
    ipam6_last(&b, p, &l);
    ipam6_format(&l, buf, sizeof buf);
    assert_string_equal(buf, "fd42::7f");
    struct ip6 c;
    int pc;
    ipam6_parse_cidr("fd42::/48", &c, &pc, true);
    assert_true(ipam6_overlap(&b, p, &c, pc));
    ipam6_parse_cidr("fd43::/16", &c, &pc, true);
    assert_false(ipam6_overlap(&b, p, &c, pc));
    assert_true(ipam6_cmp(&b, &c) < 0);
    /* the default subnets: /64s of one unique local /48, never the VM's fd00::/64 uplink */
    ipam6_ula_candidate(0x123456789aull, 0, &b, &p);
    ipam6_format(&b, buf, sizeof buf);
    assert_string_equal(buf, "fd12:3456:789a::");
    assert_int_equal(p, 64);
    ipam6_ula_candidate(0x123456789aull, 0x1ff, &b, &p);
    ipam6_format(&b, buf, sizeof buf);
    assert_string_equal(buf, "fd12:3456:789a:1ff::");
}

static void test_pools(void **state)
{
    (void)state;
    uint32_t b;
    char buf[64];
    assert_int_equal(ipam_pool_subnet(ip("10.77.0.0"), 16, 24, 0, &b), 0);
    ipam_format(b, buf, sizeof buf);
    assert_string_equal(buf, "10.77.0.0");
    assert_int_equal(ipam_pool_subnet(ip("10.77.0.0"), 16, 24, 255, &b), 0);
    ipam_format(b, buf, sizeof buf);
    assert_string_equal(buf, "10.77.255.0");
    assert_int_equal(ipam_pool_subnet(ip("10.77.0.0"), 16, 24, 256, &b), -1);
    assert_int_equal(ipam_pool_subnet(ip("10.0.0.0"), 8, 8, 0, &b), 0);
    assert_int_equal(ipam_pool_subnet(ip("10.0.0.0"), 8, 8, 1, &b), -1);
    struct ip6 base, out;
    int p;
    assert_int_equal(ipam6_parse_cidr("fd77:1::/48", &base, &p, true), 0);
    assert_int_equal(ipam6_pool_subnet(&base, 48, 64, 0x1ff, &out), 0);
    ipam6_format(&out, buf, sizeof buf);
    assert_string_equal(buf, "fd77:1:0:1ff::");
    assert_int_equal(ipam6_pool_subnet(&base, 48, 64, 0x10000, &out), -1);
    assert_int_equal(ipam6_pool_subnet(&base, 48, 52, 3, &out), 0);
    ipam6_format(&out, buf, sizeof buf);
    assert_string_equal(buf, "fd77:1:0:3000::");
    struct net_pool pool;
    sk_error err;
    assert_int_equal(net_parse_pool("base=10.77.0.0/16,size=24", &pool, &err), 0);
    assert_false(pool.v6);
    assert_int_equal(pool.prefix, 16);
    assert_int_equal(pool.size, 24);
    assert_int_equal(net_parse_pool("base=fd77::/48,size=64", &pool, &err), 0);
    assert_true(pool.v6);
    assert_int_equal(net_parse_pool("base=10.77.0.1/16,size=24", &pool, &err), -1);
    assert_int_equal(net_parse_pool("base=10.77.0.0/16,size=8", &pool, &err), -1);
    assert_int_equal(net_parse_pool("base=10.77.0.0/16,size=31", &pool, &err), -1);
    assert_int_equal(net_parse_pool("base=10.77.0.0/16,size=24,x", &pool, &err), -1);
    assert_int_equal(net_parse_pool("size=24", &pool, &err), -1);
    assert_non_null(strstr(err.msg, "expected base=CIDR,size=N"));
}

static void pub(const char *spec, const char *bindings, const char *exposed)
{
    json_t *b = json_object(), *e = json_object();
    sk_error err;
    if (net_parse_publish(spec, b, e, &err) < 0)
        fail_msg("%s: %s", spec, err.msg);
    json_t *wb = json_loads(bindings, 0, NULL), *we = json_loads(exposed, 0, NULL);
    assert_non_null(wb);
    if (!json_equal(b, wb)) {
        char *got = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s: got %s", spec, got);
    }
    assert_true(json_equal(e, we));
    json_decref(b);
    json_decref(e);
    json_decref(wb);
    json_decref(we);
}

static void pub_bad(const char *spec, const char *msg)
{
    json_t *b = json_object(), *e = json_object();
    sk_error err;
    assert_int_equal(net_parse_publish(spec, b, e, &err), -1);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("%s: \"%s\" lacks \"%s\"", spec, err.msg, msg);
    json_decref(b);
    json_decref(e);
}

static void test_publish(void **state)
{
    (void)state;
    pub("80", "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]}", "{\"80/tcp\":{}}");
    pub(":80", "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]}", "{\"80/tcp\":{}}");
    pub("8080:80/udp", "{\"80/udp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}", "{\"80/udp\":{}}");
    pub("127.0.0.1:8080:80", "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]}",
        "{\"80/tcp\":{}}");
    pub("127.0.0.1::80", "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}", "{\"80/tcp\":{}}");
    pub("8000-8001:80-81",
        "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8000\"}],\"81/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8001\"}]}",
        "{\"80/tcp\":{},\"81/tcp\":{}}");
    pub_bad("0", "invalid containerPort");
    pub_bad("70000", "invalid containerPort");
    pub_bad("x:80", "invalid hostPort");
    pub_bad("80/icmp", "invalid proto");
    pub_bad("8000-8002:80-81", "invalid ranges");
    pub("127.0.0.1:8000-8010:80/udp",
        "{\"80/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8000-8010\"}]}", "{\"80/udp\":{}}");
    pub_bad("8000-8010:80-81", "invalid ranges");
    pub_bad("8010-8000:80", "invalid hostPort");
    pub("[::1]:8080:80", "{\"80/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"8080\"}]}", "{\"80/tcp\":{}}");
    pub("[fd5e::7]::80/udp", "{\"80/udp\":[{\"HostIp\":\"fd5e::7\",\"HostPort\":\"\"}]}", "{\"80/udp\":{}}");
    pub_bad("[::1]80", "expected [IPv6]");
    pub_bad("[::1]:80", "expected [IPv6]");
    pub_bad("[zz]:1:2", "invalid IP address zz");
    pub_bad("::1:8080:80", "in brackets");
    pub_bad("1.2.3:8080:80", "invalid IP address 1.2.3");
    pub_bad("", "invalid containerPort");
}

static size_t query(uint8_t *b, const char *name, uint16_t type, uint16_t flags)
{
    const uint8_t hdr[12] = {0xbe, 0xef, (uint8_t)(flags >> 8), (uint8_t)flags, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(b, hdr, 12);
    size_t off = 12;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", name);
    for (char *sv = NULL, *l = strtok_r(tmp, ".", &sv); l; l = strtok_r(NULL, ".", &sv)) {
        b[off++] = (uint8_t)strlen(l);
        memcpy(b + off, l, strlen(l));
        off += strlen(l);
    }
    b[off++] = 0;
    b[off++] = (uint8_t)(type >> 8);
    b[off++] = (uint8_t)type;
    b[off++] = 0;
    b[off++] = 1;
    return off;
}

static void test_dns(void **state)
{
    (void)state;
    uint8_t b[512], out[512];
    struct dns_question q;
    size_t n = query(b, "Alpha.Example", DNS_TYPE_A, 0x0100);
    assert_int_equal(dns_parse_query(b, n, &q), 0);
    assert_string_equal(q.name, "alpha.example");
    assert_int_equal(q.id, 0xbeef);
    assert_true(q.rd);
    assert_int_equal(q.end, n);
    struct dns_addr addrs[3] = {{4, {172, 18, 0, 2}}, {4, {172, 18, 0, 3}}, {16, {0xfd, 0x42, [15] = 2}}};
    size_t m = dns_build_answer(b, &q, 0, addrs, 3, out, sizeof out);
    assert_int_equal(m, n + 32);
    assert_int_equal(out[2] & 0x80, 0x80);         /* a response */
    assert_int_equal(out[7], 2);                    /* two answers: the IPv4 ones */
    assert_int_equal(out[n + 3], DNS_TYPE_A);
    assert_memory_equal(out + n + 12, addrs[0].b, 4);
    assert_int_equal(dns_build_answer(b, &q, 0, addrs, 3, out, n + 20), 0); /* does not fit */
    /* AAAA: the IPv6 one */
    n = query(b, "alpha", DNS_TYPE_AAAA, 0);
    assert_int_equal(dns_parse_query(b, n, &q), 0);
    m = dns_build_answer(b, &q, 0, addrs, 3, out, sizeof out);
    assert_int_equal(m, n + 28);
    assert_int_equal(out[7], 1);
    assert_int_equal(out[n + 3], DNS_TYPE_AAAA);
    assert_int_equal(out[n + 11], 16);
    assert_memory_equal(out + n + 12, addrs[2].b, 16);
    /* AAAA of a name with no IPv6 address: no data, no error */
    m = dns_build_answer(b, &q, 0, addrs, 2, out, sizeof out);
    assert_int_equal(m, n);
    assert_int_equal(out[7], 0);
    assert_int_equal(out[3] & 0xf, 0);
    /* not queries: a response, two questions, a compression pointer, truncated */
    n = query(b, "alpha", DNS_TYPE_A, 0x8000);
    assert_int_equal(dns_parse_query(b, n, &q), -1);
    n = query(b, "alpha", DNS_TYPE_A, 0);
    b[5] = 2;
    assert_int_equal(dns_parse_query(b, n, &q), -1);
    b[5] = 1;
    b[12] = 0xc0;
    assert_int_equal(dns_parse_query(b, n, &q), -1);
    n = query(b, "alpha", DNS_TYPE_A, 0);
    assert_int_equal(dns_parse_query(b, n - 1, &q), -1);
    assert_int_equal(dns_parse_query(b, 11, &q), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_overlap_and_ranges),
        cmocka_unit_test(test_pools_and_mac),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_pools),
        cmocka_unit_test(test_publish),
        cmocka_unit_test(test_dns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: IPv4 address arithmetic, the default pools, docker's -p. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

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
    pub_bad("[::1]:80:80", "IPv6");
    pub_bad("", "invalid containerPort");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_overlap_and_ranges),
        cmocka_unit_test(test_pools_and_mac),
        cmocka_unit_test(test_publish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

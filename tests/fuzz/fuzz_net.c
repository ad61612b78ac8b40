/* fuzz_net - libFuzzer harness for what the network code reads from
 * strangers: DNS questions sent to a container's name server (parsed, then
 * answered), and the strings of -p and --subnet.  Errors, never a crash, a
 * leak or undefined behaviour; an answer is never larger than its buffer
 * and always repeats the question. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "network/dns.h"
#include "network/ipam.h"
#include "network/network.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_question q;
    if (dns_parse_query(data, size, &q) == 0) {
        if (q.end > size || strlen(q.name) >= sizeof q.name)
            abort();
        uint8_t out[600];
        struct dns_addr addrs[3] = {{4, {10, 0, 0, 1}}, {16, {0xfd, [15] = 1}}, {4, {10, 0, 0, 3}}};
        size_t n = dns_build_answer(data, &q, 0, addrs, 3, out, sizeof out);
        if (n > sizeof out || (n > 0 && memcmp(out + 12, data + 12, q.end - 12) != 0))
            abort();
        struct dns_question again;
        if (n > 0 && (dns_parse_query(out, n, &again) == 0)) /* an answer is no query */
            abort();
    }
    char s[256];
    size_t l = size < sizeof s - 1 ? size : sizeof s - 1;
    memcpy(s, data, l);
    s[l] = '\0';
    json_t *b = json_object(), *e = json_object();
    sk_error err;
    net_parse_publish(s, b, e, &err);
    json_decref(b);
    json_decref(e);
    uint32_t base;
    int prefix;
    if (ipam_parse_cidr(s, &base, &prefix, false) == 0 && (prefix < 0 || prefix > 32))
        abort();
    return 0;
}

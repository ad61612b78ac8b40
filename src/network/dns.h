/* dns.h - the name server of a container on a user-defined network, as
 * docker's embedded one: it answers on 127.0.0.11:53 (UDP and TCP) inside the
 * container's network namespace, for the names of the containers (and
 * their aliases) on the container's networks, and forwards every other
 * question to upstream servers from the host's namespace (so that even a
 * host resolver on 127.0.0.53 serves containers).  Its two sockets live in
 * the container's monitor; the full monitor serves them in its poll loop,
 * skiff-monitor (the steady state) hands them to a `skiff monitor --dns`
 * started when a question comes and ending when none has come for a while.
 *
 * The packet code is pure and fuzzed: a question is hostile input. */
#ifndef SKIFF_NETWORK_DNS_H
#define SKIFF_NETWORK_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define DNS_NAME_MAX 256
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_ANY 255

/* An address of a name: len 4 (IPv4) or 16 (IPv6), network order. */
struct dns_addr {
    uint8_t len;
    uint8_t b[16];
};

struct dns_question {
    uint16_t id;
    bool rd;                   /* recursion desired */
    char name[DNS_NAME_MAX];   /* lowercase, dotted, no trailing dot */
    uint16_t qtype, qclass;
    size_t end;                /* where the question section ends */
};

/* A standard query with one question; -1 for anything else. */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q);
/* The answer to q (whose packet is msg): rcode, and one A record per IPv4
 * address for A/ANY questions, one AAAA record per IPv6 address for
 * AAAA/ANY (none for other types: no data, no error).  Returns its length,
 * 0 when it does not fit. */
size_t dns_build_answer(const uint8_t *msg, const struct dns_question *q, int rcode,
                        const struct dns_addr *addrs, size_t n, uint8_t *out, size_t cap);

/* The addresses (up to max, both families) that name has for the
 * container; 0: not a name of ours (the question is forwarded). */
typedef size_t (*dns_lookup_fn)(void *ud, const char *name, struct dns_addr *addrs, size_t max);

struct dns_server;
/* Listen on 127.0.0.11:53 in the namespace at nspath; upstreams are IPv4 or
 * IPv6 addresses ("10.0.0.53"), reached from the caller's namespace. */
int dns_open(const char *nspath, char *const *upstreams, dns_lookup_fn lookup, void *ud,
             struct dns_server **out, sk_error *err);
/* The sockets of a server: 127.0.0.11:53 in the namespace at nspath, UDP
 * (fds[0]) and TCP (fds[1], listening) (EADDRINUSE: one is there already),
 * and the upstream one here. */
int dns_listen_socket(const char *nspath, int fds[2], sk_error *err);
int dns_upstream_socket(sk_error *err);
/* A server on the sockets dns_open made, handed on to this process
 * (dns_fds: UDP, upstream, TCP - which may be -1); they are the server's now. */
int dns_adopt(const int fds[3], char *const *upstreams, dns_lookup_fn lookup, void *ud,
              struct dns_server **out, sk_error *err);
void dns_close(struct dns_server *d);
/* The ud given to dns_open (the caller's to free). */
void *dns_userdata(struct dns_server *d);
/* The descriptors to poll for input (UDP, upstream, TCP: -1 when none). */
void dns_fds(struct dns_server *d, int fds[3]);
/* Serve what arrived on them (never blocks).  A TCP connection is served
 * by a child process of its own (the caller reaps it): its questions, and
 * over TCP to the upstreams the ones that are not ours. */
void dns_serve(struct dns_server *d);

#endif

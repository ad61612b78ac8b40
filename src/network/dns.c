/* dns.c - a container's name server (see dns.h). */
#define _GNU_SOURCE
#include "network/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "network/netns.h"

#define HDR 12
#define MAX_UPSTREAMS 3
#define MAX_PENDING 64
#define PENDING_SECONDS 5
#define TCP_SECONDS 3     /* each read, write and connect of a TCP session */
#define TCP_QUERIES 32    /* a session's questions at most */

/* ---- packets ---------------------------------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q)
{
    if (len < HDR || len > 65535)
        return -1;
    uint16_t flags = get16(msg + 2);
    /* a query (QR 0), opcode QUERY, exactly one question, no answers */
    if ((flags & 0x8000) || ((flags >> 11) & 0xf) != 0 || get16(msg + 4) != 1 || get16(msg + 6) != 0)
        return -1;
    q->id = get16(msg);
    q->rd = (flags & 0x0100) != 0;
    size_t off = HDR, out = 0;
    for (;;) {
        if (off >= len)
            return -1;
        uint8_t l = msg[off++];
        if (l == 0)
            break;
        if (l > 63 || off + l > len) /* compression pointers have no place in a question */
            return -1;
        if (out + l + 1 >= sizeof q->name)
            return -1;
        if (out > 0)
            q->name[out++] = '.';
        for (uint8_t i = 0; i < l; i++) {
            char c = (char)msg[off + i];
            if (c == '\0' || c == '.')
                return -1;
            q->name[out++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        off += l;
    }
    q->name[out] = '\0';
    if (off + 4 > len)
        return -1;
    q->qtype = get16(msg + off);
    q->qclass = get16(msg + off + 2);
    q->end = off + 4;
    return 0;
}

size_t dns_build_answer(const uint8_t *msg, const struct dns_question *q, int rcode,
                        const struct dns_addr *addrs, size_t n, uint8_t *out, size_t cap)
{
    if (q->end > cap || q->end < HDR)
        return 0;
    bool a = q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_ANY;
    bool aaaa = q->qtype == DNS_TYPE_AAAA || q->qtype == DNS_TYPE_ANY;
    if (rcode != 0)
        n = 0;
    memcpy(out, msg, q->end);
    /* QR, the opcode and RD kept, AA, RA; no additional records we did not read */
    put16(out + 2, (uint16_t)(0x8000 | 0x0400 | (q->rd ? 0x0100 : 0) | 0x0080 | (rcode & 0xf)));
    put16(out + 8, 0);
    put16(out + 10, 0);
    size_t off = q->end;
    uint16_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool v4 = addrs[i].len == 4;
        if (!(v4 ? a : aaaa) || (!v4 && addrs[i].len != 16))
            continue;
        if (off + 12 + addrs[i].len > cap)
            return 0;
        put16(out + off, 0xc00c); /* the name: the question's */
        put16(out + off + 2, v4 ? DNS_TYPE_A : DNS_TYPE_AAAA);
        put16(out + off + 4, 1);  /* IN */
        put16(out + off + 6, 0);  /* TTL 600 */
        put16(out + off + 8, 600);
        put16(out + off + 10, addrs[i].len);
        memcpy(out + off + 12, addrs[i].b, addrs[i].len);
        off += 12u + addrs[i].len;
        count++;
    }
    put16(out + 6, count);
    return off;
}

/* ---- the server ------------------------------------------------------------------------- */

struct pending {
    bool used;
    uint16_t id, client_id;
    struct sockaddr_storage client;
    socklen_t client_len;
    time_t deadline;
};

struct dns_server {
    int listen_fd, up_fd, tcp_fd; /* tcp_fd: 127.0.0.11:53 over TCP, -1 when none */
    struct sockaddr_in6 up[MAX_UPSTREAMS];
    size_t nup;
    dns_lookup_fn lookup;
    void *ud;
    struct pending pend[MAX_PENDING];
};

static int upstream_addr(const char *s, struct sockaddr_in6 *a)
{
    memset(a, 0, sizeof *a);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(53);
    if (inet_pton(AF_INET6, s, &a->sin6_addr) == 1)
        return 0;
    struct in_addr v4;
    if (inet_pton(AF_INET, s, &v4) != 1)
        return -1;
    a->sin6_addr.s6_addr[10] = 0xff; /* ::ffff:a.b.c.d */
    a->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    return 0;
}

static struct dns_server *server_new(char *const *upstreams, dns_lookup_fn lookup, void *ud)
{
    struct dns_server *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->listen_fd = d->up_fd = d->tcp_fd = -1;
    d->lookup = lookup;
    d->ud = ud;
    for (size_t i = 0; upstreams && upstreams[i] && d->nup < MAX_UPSTREAMS; i++)
        if (upstream_addr(upstreams[i], &d->up[d->nup]) == 0)
            d->nup++;
    return d;
}

int dns_upstream_socket(sk_error *err)
{
    /* the upstream side in our namespace, dual-stack */
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int off = 0;
    if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return sk_err(err, e, "dns: upstream socket");
    }
    return fd;
}

static int bound_socket(int type)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "127.0.0.11", &a.sin_addr);
    if (fd >= 0 && type == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        (type == SOCK_STREAM && listen(fd, 16) < 0)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int dns_listen_socket(const char *nspath, int fds[2], sk_error *err)
{
    int saved;
    if (netns_enter(nspath, &saved, err) < 0)
        return -1;
    fds[0] = bound_socket(SOCK_DGRAM);
    int e = fds[0] < 0 ? errno : 0;
    fds[1] = fds[0] < 0 ? -1 : bound_socket(SOCK_STREAM);
    e = e ? e : fds[1] < 0 ? errno : 0;
    netns_leave(saved);
    if (e != 0) {
        if (fds[0] >= 0)
            close(fds[0]);
        fds[0] = fds[1] = -1;
        return sk_err(err, e, "dns: listen on 127.0.0.11:53");
    }
    return 0;
}

int dns_open(const char *nspath, char *const *upstreams, dns_lookup_fn lookup, void *ud,
             struct dns_server **out, sk_error *err)
{
    struct dns_server *d = server_new(upstreams, lookup, ud);
    if (d == NULL)
        return sk_err(err, ENOMEM, "dns");
    int fds[2];
    if ((d->up_fd = dns_upstream_socket(err)) < 0 || dns_listen_socket(nspath, fds, err) < 0) {
        dns_close(d);
        return -1;
    }
    d->listen_fd = fds[0];
    d->tcp_fd = fds[1];
    *out = d;
    return 0;
}

static bool is_socket(int fd, int domain, int type)
{
    int dom = 0, ty = 0;
    return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &(socklen_t){sizeof dom}) == 0 &&
           getsockopt(fd, SOL_SOCKET, SO_TYPE, &ty, &(socklen_t){sizeof ty}) == 0 &&
           (domain == 0 || dom == domain) && ty == type;
}

int dns_adopt(const int fds[3], char *const *upstreams, dns_lookup_fn lookup, void *ud,
              struct dns_server **out, sk_error *err)
{
    if (!is_socket(fds[0], AF_INET, SOCK_DGRAM) || !is_socket(fds[1], 0, SOCK_DGRAM) ||
        (fds[2] >= 0 && !is_socket(fds[2], AF_INET, SOCK_STREAM)))
        return sk_err(err, EBADF, "dns: the sockets handed on");
    struct dns_server *d = server_new(upstreams, lookup, ud);
    if (d == NULL)
        return sk_err(err, ENOMEM, "dns");
    d->listen_fd = fds[0];
    d->up_fd = fds[1];
    d->tcp_fd = fds[2];
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            fcntl(fds[i], F_SETFL, O_NONBLOCK);
    *out = d;
    return 0;
}

void dns_close(struct dns_server *d)
{
    if (d == NULL)
        return;
    if (d->listen_fd >= 0)
        close(d->listen_fd);
    if (d->up_fd >= 0)
        close(d->up_fd);
    if (d->tcp_fd >= 0)
        close(d->tcp_fd);
    free(d);
}

void *dns_userdata(struct dns_server *d)
{
    return d->ud;
}

void dns_fds(struct dns_server *d, int fds[3])
{
    fds[0] = d->listen_fd;
    fds[1] = d->up_fd;
    fds[2] = d->tcp_fd;
}

static void reply(struct dns_server *d, const uint8_t *buf, size_t len,
                  const struct sockaddr_storage *to, socklen_t tolen)
{
    if (len > 0)
        sendto(d->listen_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to, tolen);
}

static struct pending *pending_slot(struct dns_server *d)
{
    time_t now = time(NULL);
    struct pending *free_slot = NULL;
    for (int i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &d->pend[i];
        if (p->used && p->deadline < now)
            p->used = false; /* the client has given up too */
        if (!p->used && free_slot == NULL)
            free_slot = p;
    }
    return free_slot;
}

/* Not one of ours: to the first upstream, under an id of our own. */
static void forward(struct dns_server *d, uint8_t *buf, size_t len, const struct dns_question *q,
                    const struct sockaddr_storage *from, socklen_t fromlen)
{
    uint8_t out[512];
    struct pending *p = d->nup > 0 ? pending_slot(d) : NULL;
    if (p == NULL) {
        reply(d, out, dns_build_answer(buf, q, 2 /* SERVFAIL */, NULL, 0, out, sizeof out), from, fromlen);
        return;
    }
    uint16_t id;
    bool clash;
    do { /* unpredictable and not in flight */
        if (getrandom(&id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id)
            id = (uint16_t)(rand() ^ time(NULL));
        clash = false;
        for (int i = 0; i < MAX_PENDING; i++)
            clash |= d->pend[i].used && d->pend[i].id == id;
    } while (clash);
    *p = (struct pending){true, id, q->id, *from, fromlen, time(NULL) + PENDING_SECONDS};
    put16(buf, id);
    sendto(d->up_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&d->up[0], sizeof d->up[0]);
}

static void serve_query(struct dns_server *d)
{
    uint8_t buf[4096], out[4096];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(d->listen_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    if (n <= 0)
        return;
    struct dns_question q;
    if (dns_parse_query(buf, (size_t)n, &q) < 0) {
        if (n >= HDR && !(buf[2] & 0x80)) { /* FORMERR, just the header */
            memcpy(out, buf, HDR);
            put16(out + 2, (uint16_t)(0x8000 | 1));
            memset(out + 4, 0, 8);
            reply(d, out, HDR, &from, fromlen);
        }
        return;
    }
    struct dns_addr addrs[16];
    size_t k = q.qclass == 1 ? d->lookup(d->ud, q.name, addrs, 16) : 0;
    if (k == 0) {
        forward(d, buf, (size_t)n, &q, &from, fromlen);
        return;
    }
    /* ours: the addresses for A and AAAA, no data (but no error) for the rest */
    reply(d, out, dns_build_answer(buf, &q, 0, addrs, k, out, sizeof out), &from, fromlen);
}

static void serve_upstream(struct dns_server *d)
{
    uint8_t buf[4096];
    struct sockaddr_in6 from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(d->up_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    if (n < HDR || !(buf[2] & 0x80))
        return;
    bool known = false;
    for (size_t i = 0; i < d->nup; i++)
        known |= from.sin6_port == d->up[i].sin6_port &&
                 memcmp(&from.sin6_addr, &d->up[i].sin6_addr, sizeof from.sin6_addr) == 0;
    if (!known)
        return;
    uint16_t id = get16(buf);
    for (int i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &d->pend[i];
        if (p->used && p->id == id) {
            put16(buf, p->client_id);
            reply(d, buf, (size_t)n, &p->client, p->client_len);
            p->used = false;
            return;
        }
    }
}

/* ---- TCP: a process of its own per connection ----------------------------------------- */

static bool io_full(int fd, uint8_t *buf, size_t len, bool writing)
{
    while (len > 0) {
        ssize_t n = writing ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static void timeouts(int fd)
{
    struct timeval tv = {TCP_SECONDS, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* connect's too */
}

/* The question (length-prefixed, at q) over TCP to the upstreams in turn;
 * the answer's length (its own prefix at a), 0 when none answered. */
static size_t tcp_forward(struct dns_server *d, uint8_t *q, size_t qlen, uint8_t *a, size_t cap)
{
    for (size_t i = 0; i < d->nup; i++) {
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0;
        if (fd < 0)
            return 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        timeouts(fd);
        size_t len = 0;
        uint8_t lb[2];
        if (connect(fd, (struct sockaddr *)&d->up[i], sizeof d->up[i]) == 0 &&
            io_full(fd, q, qlen + 2, true) && io_full(fd, lb, 2, false) && (len = get16(lb)) >= HDR &&
            len + 2 <= cap && io_full(fd, a + 2, len, false) && get16(a + 2) == get16(q + 2)) {
            close(fd);
            put16(a, (uint16_t)len);
            return len;
        }
        close(fd);
    }
    return 0;
}

/* One connection's questions, answered in turn until it ends (the child of
 * dns_serve: it may block). */
static void tcp_session(struct dns_server *d, int fd)
{
    static uint8_t q[2 + 65535], a[2 + 65535];
    fcntl(fd, F_SETFL, 0);
    timeouts(fd);
    for (int n = 0; n < TCP_QUERIES; n++) {
        size_t len;
        if (!io_full(fd, q, 2, false) || (len = get16(q)) < HDR || !io_full(fd, q + 2, len, false))
            return;
        struct dns_question qq;
        size_t alen = 0;
        if (dns_parse_query(q + 2, len, &qq) < 0) { /* FORMERR, just the header */
            memcpy(a + 2, q + 2, HDR);
            put16(a + 4, (uint16_t)(0x8000 | 1));
            memset(a + 6, 0, 8);
            alen = HDR;
        } else {
            struct dns_addr addrs[16];
            size_t k = qq.qclass == 1 ? d->lookup(d->ud, qq.name, addrs, 16) : 0;
            alen = k > 0 ? dns_build_answer(q + 2, &qq, 0, addrs, k, a + 2, sizeof a - 2)
                         : tcp_forward(d, q, len, a, sizeof a);
            if (alen == 0)
                alen = dns_build_answer(q + 2, &qq, 2 /* SERVFAIL */, NULL, 0, a + 2, sizeof a - 2);
        }
        put16(a, (uint16_t)alen);
        if (!io_full(fd, a, alen + 2, true))
            return;
    }
}

static void serve_tcp(struct dns_server *d)
{
    int fd = accept4(d->tcp_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    pid_t pid = fork(); /* rare, and slow upstreams never hold up the caller's loop */
    if (pid == 0) {
        tcp_session(d, fd);
        _exit(0);
    }
    close(fd); /* no process for it (fork failed): the client sees it closed */
}

void dns_serve(struct dns_server *d)
{
    for (int i = 0; i < 16; i++) /* what is there, fairly */
        serve_query(d);
    for (int i = 0; i < 16; i++)
        serve_upstream(d);
    struct pollfd p = {d->tcp_fd, POLLIN, 0};
    for (int i = 0; i < 4 && d->tcp_fd >= 0 && poll(&p, 1, 0) == 1; i++)
        serve_tcp(d);
}

/* http.c - HTTP/1.1 for the API server: parse, read bodies, respond. */
#define _GNU_SOURCE
#include "api/http.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_CAP (HTTP_MAX_HEAD + 4096)

/* ---- parsing ------------------------------------------------------------------------------ */

static bool is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int http_unescape(char *s, bool plus_is_space)
{
    char *w = s;
    for (char *p = s; *p; p++) {
        if (*p == '%') {
            int hi = hexval((unsigned char)p[1]), lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *w++ = (char)(hi << 4 | lo);
            p += 2;
        } else {
            *w++ = plus_is_space && *p == '+' ? ' ' : *p;
        }
    }
    *w = '\0';
    return 0;
}

static int bad(int *status, int code, char *msg, size_t cap, const char *what)
{
    *status = code;
    snprintf(msg, cap, "%s", what);
    return -1;
}

/* Where the head ends (after the blank line), or 0. */
static size_t head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* The next line of the copied head, its end cut off; NULL at the end. */
static char *next_line(char **cur)
{
    char *s = *cur, *nl = strchr(s, '\n');
    if (nl == NULL)
        return NULL;
    *nl = '\0';
    if (nl > s && nl[-1] == '\r')
        nl[-1] = '\0';
    *cur = nl + 1;
    return s;
}

static int parse_request_line(char *line, struct http_req *r, int *status, char *msg, size_t cap)
{
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (sp1 == NULL || sp2 == NULL || strchr(sp2 + 1, ' ') != NULL)
        return bad(status, 400, msg, cap, "malformed request line");
    *sp1 = *sp2 = '\0';
    if (sp1 - line > 16 || sp1 == line)
        return bad(status, 400, msg, cap, "malformed method");
    for (char *p = line; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return bad(status, 400, msg, cap, "malformed method");
    const char *ver = sp2 + 1;
    if (strncmp(ver, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)ver[7]) || ver[8] != '\0')
        return bad(status, 505, msg, cap, "HTTP version not supported");
    r->minor = ver[7] - '0';
    char *target = sp1 + 1;
    if (target[0] != '/')
        return bad(status, 400, msg, cap, "the request target must be a path");
    for (char *p = target; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return bad(status, 400, msg, cap, "malformed request target");
    char *q = strchr(target, '?');
    r->query = "";
    if (q != NULL) {
        *q = '\0';
        r->query = q + 1;
    }
    if (http_unescape(target, false) < 0)
        return bad(status, 400, msg, cap, "malformed escape in the path");
    r->method = line;
    r->path = target;
    return 0;
}

static int parse_header(char *line, struct http_req *r, int *status, char *msg, size_t cap)
{
    if (line[0] == ' ' || line[0] == '\t')
        return bad(status, 400, msg, cap, "folded header lines are not accepted");
    char *colon = strchr(line, ':');
    if (colon == NULL || colon == line)
        return bad(status, 400, msg, cap, "malformed header line");
    *colon = '\0';
    for (char *p = line; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return bad(status, 400, msg, cap, "malformed header name");
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        v[--vl] = '\0';
    for (char *p = v; *p; p++)
        if (((unsigned char)*p < ' ' && *p != '\t') || *p == 0x7f)
            return bad(status, 400, msg, cap, "malformed header value");
    if (r->nhdr >= HTTP_MAX_HEADERS)
        return bad(status, 431, msg, cap, "too many header lines");
    r->hdr[r->nhdr++] = (struct http_header){line, v};
    return 0;
}

/* Content-Length, Transfer-Encoding and Connection. */
static int framing(struct http_req *r, int *status, char *msg, size_t cap)
{
    bool have_te = false, conn_close = false, conn_keep = false;
    r->content_length = -1;
    for (size_t i = 0; i < r->nhdr; i++) {
        const char *n = r->hdr[i].name, *v = r->hdr[i].value;
        if (strcasecmp(n, "Content-Length") == 0) {
            if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
                return bad(status, 400, msg, cap, "malformed Content-Length");
            int64_t cl = strtoll(v, NULL, 10);
            if (r->content_length >= 0 && r->content_length != cl)
                return bad(status, 400, msg, cap, "conflicting Content-Length headers");
            r->content_length = cl;
        } else if (strcasecmp(n, "Transfer-Encoding") == 0) {
            const char *last = strrchr(v, ',');
            last = last ? last + 1 : v;
            while (*last == ' ')
                last++;
            if (strcasecmp(last, "chunked") != 0)
                return bad(status, 501, msg, cap, "only the chunked transfer coding is supported");
            have_te = true;
        } else if (strcasecmp(n, "Connection") == 0) {
            char tmp[256];
            snprintf(tmp, sizeof tmp, "%s", v);
            for (char *save = NULL, *t = strtok_r(tmp, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                conn_close |= strcasecmp(t, "close") == 0;
                conn_keep |= strcasecmp(t, "keep-alive") == 0;
                r->upgrade |= strcasecmp(t, "upgrade") == 0;
            }
        }
    }
    if (have_te && r->content_length >= 0)
        return bad(status, 400, msg, cap, "both Content-Length and Transfer-Encoding given");
    r->chunked = have_te;
    r->keep_alive = r->minor >= 1 ? !conn_close : conn_keep;
    return 0;
}

int http_parse_head(const char *buf, size_t len, struct http_req *r, size_t *used, int *status,
                    char *msg, size_t cap)
{
    memset(r, 0, sizeof *r);
    size_t skip = 0; /* blank lines before a request are allowed (RFC 9112 2.2) */
    while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
        skip++;
    size_t end = head_end(buf + skip, len - skip);
    if (end == 0) {
        if (len - skip >= HTTP_MAX_HEAD)
            return bad(status, 431, msg, cap, "request head too large");
        if (memchr(buf + skip, '\0', len - skip) != NULL)
            return bad(status, 400, msg, cap, "NUL byte in the request head");
        return 0;
    }
    if (end > HTTP_MAX_HEAD)
        return bad(status, 431, msg, cap, "request head too large");
    if (memchr(buf + skip, '\0', end) != NULL)
        return bad(status, 400, msg, cap, "NUL byte in the request head");
    r->head = malloc(end + 1);
    if (r->head == NULL)
        return bad(status, 500, msg, cap, "out of memory");
    memcpy(r->head, buf + skip, end);
    r->head[end] = '\0';
    char *cur = r->head, *line = next_line(&cur);
    if (line == NULL || parse_request_line(line, r, status, msg, cap) < 0)
        goto fail;
    while ((line = next_line(&cur)) != NULL && *line)
        if (parse_header(line, r, status, msg, cap) < 0)
            goto fail;
    if (framing(r, status, msg, cap) < 0)
        goto fail;
    *used = skip + end;
    return 1;
fail:
    if (*status == 0)
        bad(status, 400, msg, cap, "malformed request");
    http_req_clear(r);
    return -1;
}

void http_req_clear(struct http_req *r)
{
    free(r->head);
    memset(r, 0, sizeof *r);
}

const char *http_header(const struct http_req *r, const char *name)
{
    for (size_t i = 0; i < r->nhdr; i++)
        if (strcasecmp(r->hdr[i].name, name) == 0)
            return r->hdr[i].value;
    return NULL;
}

const char *http_query(const struct http_req *r, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = r->query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        size_t nk = eq ? (size_t)(eq - p) : n;
        if (nk == kl && strncmp(p, key, kl) == 0) {
            size_t vl = eq ? n - nk - 1 : 0;
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, eq ? eq + 1 : "", vl);
            out[vl] = '\0';
            if (http_unescape(out, true) < 0)
                out[0] = '\0';
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

/* ---- reading ------------------------------------------------------------------------------ */

int http_conn_init(struct http_conn *c, int fd)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->buf = malloc(BUF_CAP);
    return c->buf ? 0 : -1;
}

void http_conn_free(struct http_conn *c)
{
    free(c->buf);
    c->buf = NULL;
}

/* More bytes into buf (compacted first).  >0 read, 0 EOF, -1 error. */
static ssize_t fill(struct http_conn *c)
{
    if (c->off > 0) {
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    if (c->len >= BUF_CAP)
        return -1;
    for (;;) {
        ssize_t n = read(c->fd, c->buf + c->len, BUF_CAP - c->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            c->len += (size_t)n;
        return n;
    }
}

int http_read_request(struct http_conn *c, struct http_req *r)
{
    for (;;) {
        size_t used = 0;
        int status = 0;
        char msg[128];
        int p = http_parse_head(c->buf + c->off, c->len - c->off, r, &used, &status, msg, sizeof msg);
        if (p == 1) {
            c->off += used;
            return 1;
        }
        if (p < 0) {
            char body[256];
            int n = snprintf(body, sizeof body, "{\"message\":\"%s\"}\n", msg);
            struct http_req none = {.method = "GET"};
            c->closing = true;
            http_respond(c, &none, status, "application/json", NULL, body, (size_t)n);
            return -1;
        }
        ssize_t n = fill(c);
        if (n <= 0)
            return n == 0 && c->len == c->off ? 0 : -1;
    }
}

/* Up to n bytes: what is buffered first, then the socket.  0 at EOF. */
static ssize_t conn_read(struct http_conn *c, void *p, size_t n)
{
    if (c->off < c->len) {
        size_t k = c->len - c->off < n ? c->len - c->off : n;
        memcpy(p, c->buf + c->off, k);
        c->off += k;
        return (ssize_t)k;
    }
    for (;;) {
        ssize_t k = read(c->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        return k;
    }
}

/* One line of a chunked body (chunk sizes, trailers), bounded. */
static int conn_line(struct http_conn *c, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char ch;
        if (conn_read(c, &ch, 1) != 1)
            return -1;
        if (ch == '\n')
            break;
        if (n + 1 >= cap)
            return -1;
        line[n++] = ch;
    }
    if (n && line[n - 1] == '\r')
        n--;
    line[n] = '\0';
    return 0;
}

/* The size of the next chunk (after the previous chunk's CRLF), -1 if bad. */
static int64_t chunk_size(struct http_conn *c, bool first)
{
    char line[1024];
    if (!first && (conn_line(c, line, sizeof line) < 0 || line[0] != '\0'))
        return -1;
    if (conn_line(c, line, sizeof line) < 0)
        return -1;
    int64_t size = 0;
    const char *p = line;
    if (hexval((unsigned char)*p) < 0)
        return -1;
    for (; hexval((unsigned char)*p) >= 0; p++) {
        if (size > (INT64_MAX >> 4))
            return -1;
        size = size << 4 | hexval((unsigned char)*p);
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '\0' && *p != ';')
        return -1;
    if (size == 0) /* trailers, to the blank line */
        for (int i = 0; i < 64; i++) {
            if (conn_line(c, line, sizeof line) < 0)
                return -1;
            if (line[0] == '\0')
                return 0;
        }
    return size;
}

/* left bytes of the body to the callback; -1 when the body ended early or
 * the callback failed (*cb_failed). */
static int copy_n(struct http_conn *c, int64_t left, int (*cb)(void *ud, const char *p, size_t n),
                  void *ud, bool *cb_failed)
{
    char tmp[65536];
    while (left > 0) {
        ssize_t n = conn_read(c, tmp, left < (int64_t)sizeof tmp ? (size_t)left : sizeof tmp);
        if (n <= 0)
            return -1;
        left -= n;
        if (cb(ud, tmp, (size_t)n) < 0)
            return *cb_failed = true, -1;
    }
    return 0;
}

/* Feed the body to a callback in pieces; -1 when malformed or the
 * callback failed (*cb_failed tells which). */
static int each_piece(struct http_conn *c, const struct http_req *r,
                      int (*cb)(void *ud, const char *p, size_t n), void *ud, bool *cb_failed)
{
    *cb_failed = false;
    if (!r->chunked)
        return copy_n(c, r->content_length > 0 ? r->content_length : 0, cb, ud, cb_failed);
    for (bool first = true;; first = false) {
        int64_t left = chunk_size(c, first);
        if (left <= 0)
            return (int)left; /* 0: the last chunk; -1: malformed */
        if (copy_n(c, left, cb, ud, cb_failed) < 0)
            return -1;
    }
}

struct mem_sink {
    char *p;
    size_t len, max;
};

static int to_mem(void *ud, const char *p, size_t n)
{
    struct mem_sink *m = ud;
    if (m->len + n > m->max)
        return -1;
    char *np = realloc(m->p, m->len + n + 1);
    if (np == NULL)
        return -1;
    memcpy(np + m->len, p, n);
    m->p = np;
    m->len += n;
    m->p[m->len] = '\0';
    return 0;
}

int http_read_body(struct http_conn *c, const struct http_req *r, size_t max, char **out,
                   size_t *len, int *status)
{
    struct mem_sink m = {.max = max};
    *out = NULL;
    *len = 0;
    if (!r->chunked && r->content_length > (int64_t)max) {
        *status = 413;
        c->closing = true;
        return -1;
    }
    bool cb_failed;
    if (each_piece(c, r, to_mem, &m, &cb_failed) < 0) {
        free(m.p);
        *status = cb_failed ? 413 : 400;
        c->closing = true;
        return -1;
    }
    if (m.p == NULL && (m.p = strdup("")) == NULL) {
        *status = 500;
        return -1;
    }
    *out = m.p;
    *len = m.len;
    return 0;
}

static int to_fd(void *ud, const char *p, size_t n)
{
    return http_write_all(*(int *)ud, p, n);
}

int http_copy_body(struct http_conn *c, const struct http_req *r, int fd)
{
    bool cb_failed;
    int rc = each_piece(c, r, to_fd, &fd, &cb_failed);
    if (rc < 0)
        c->closing = true;
    return rc;
}

static int drop(void *ud, const char *p, size_t n)
{
    (void)ud, (void)p, (void)n;
    return 0;
}

int http_discard_body(struct http_conn *c, const struct http_req *r)
{
    bool cb_failed;
    if (each_piece(c, r, drop, NULL, &cb_failed) < 0) {
        c->closing = true;
        return -1;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

int http_write_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
        if (k < 0 && errno == ENOTSOCK)
            k = write(fd, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

const char *http_reason(int status)
{
    switch (status) {
    case 101: return "UPGRADED";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

static void common_headers(char *h, size_t cap, struct http_conn *c)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    snprintf(h, cap, "Api-Version: 1.51\r\nDocker-Experimental: false\r\nOstype: linux\r\n"
             "Server: skiff/1.0 (linux)\r\nDate: %s\r\n%s",
             date, c->closing ? "Connection: close\r\n" : "");
}

int http_respond(struct http_conn *c, const struct http_req *r, int status, const char *ctype,
                 const char *headers, const void *body, size_t len)
{
    char common[512], head[4096];
    common_headers(common, sizeof common, c);
    bool no_body = status == 204 || status == 304;
    char ct[160] = "";
    if (ctype != NULL && !no_body)
        snprintf(ct, sizeof ct, "Content-Type: %s\r\n", ctype);
    char cl[64] = "";
    if (!no_body)
        snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", len);
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n%s%s%s%s\r\n", status, http_reason(status),
                     common, ct, cl, headers ? headers : "");
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    bool send_body = !no_body && len > 0 && !(r && r->method && strcmp(r->method, "HEAD") == 0);
    if (!send_body)
        return http_write_all(c->fd, head, (size_t)n);
    if (len <= 8192) { /* one packet for the usual small JSON answer */
        char *all = malloc((size_t)n + len);
        if (all != NULL) {
            memcpy(all, head, (size_t)n);
            memcpy(all + n, body, len);
            int rc = http_write_all(c->fd, all, (size_t)n + len);
            free(all);
            return rc;
        }
    }
    if (http_write_all(c->fd, head, (size_t)n) < 0)
        return -1;
    return http_write_all(c->fd, body, len);
}

int http_chunked_begin(struct http_conn *c, int status, const char *ctype, const char *headers)
{
    char common[512], head[4096];
    common_headers(common, sizeof common, c);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\n%sContent-Type: %s\r\nTransfer-Encoding: chunked\r\n%s\r\n",
                     status, http_reason(status), common, ctype, headers ? headers : "");
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    return http_write_all(c->fd, head, (size_t)n);
}

int http_chunk(struct http_conn *c, const void *p, size_t n)
{
    if (n == 0)
        return 0; /* a zero chunk would end the body */
    char hdr[32];
    int k = snprintf(hdr, sizeof hdr, "%zx\r\n", n);
    char small[8192 + 32];
    if (n <= 8192) {
        memcpy(small, hdr, (size_t)k);
        memcpy(small + k, p, n);
        memcpy(small + k + n, "\r\n", 2);
        return http_write_all(c->fd, small, (size_t)k + n + 2);
    }
    if (http_write_all(c->fd, hdr, (size_t)k) < 0 || http_write_all(c->fd, p, n) < 0)
        return -1;
    return http_write_all(c->fd, "\r\n", 2);
}

int http_chunked_end(struct http_conn *c)
{
    return http_write_all(c->fd, "0\r\n\r\n", 5);
}

int http_hijack(struct http_conn *c, const struct http_req *r, const char *ctype)
{
    char common[512], head[1024];
    c->closing = false;
    common_headers(common, sizeof common, c);
    int n;
    if (r->upgrade || http_header(r, "Upgrade") != NULL)
        n = snprintf(head, sizeof head,
                     "HTTP/1.1 101 UPGRADED\r\nContent-Type: %s\r\nConnection: Upgrade\r\n"
                     "Upgrade: tcp\r\n%s\r\n", ctype, common);
    else
        n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%s\r\n", ctype, common);
    c->hijacked = true;
    c->closing = true;
    return http_write_all(c->fd, head, (size_t)n);
}

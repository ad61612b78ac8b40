/* http.h - the HTTP/1.1 of the Docker Engine API server: a bounded request
 * parser, responses (plain and chunked), and the raw stream a hijacked
 * connection turns into.
 *
 * The parser never trusts its input: the request line and headers are
 * limited (HTTP_MAX_HEAD bytes, HTTP_MAX_HEADERS lines), every length is
 * checked, and a malformed request is an error with the status to answer
 * (400, 413, 431, 501, 505) and one line saying why.
 *
 * Our own rather than libmicrohttpd (DESIGN.md's suggestion): docker's
 * clients depend on details of the hijack that MHD's upgrade API leaves to
 * chance (the 101 in a write of its own, a chunked request body consumed
 * before the raw stream, half-close passed on), and a connection here is a
 * process of its own, which MHD's threading models do not offer.  The
 * parser is small, bounded and fuzzed (tests/fuzz/fuzz_http.c). */
#ifndef SKIFF_API_HTTP_H
#define SKIFF_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_HEAD (64 * 1024)
#define HTTP_MAX_HEADERS 100
#define HTTP_MAX_BODY (16 * 1024 * 1024) /* a JSON body; uploads stream */

struct http_header {
    const char *name, *value;
};

struct http_req {
    char *head;          /* owned copy of the request head; the strings point into it */
    const char *method;  /* "GET" */
    char *path;          /* percent-decoded, without the query */
    const char *query;   /* raw, without '?' ("" when none) */
    struct http_header hdr[HTTP_MAX_HEADERS];
    size_t nhdr;
    int minor;           /* HTTP/1.<minor> */
    int64_t content_length; /* -1: none given */
    bool chunked;        /* Transfer-Encoding: chunked */
    bool keep_alive;
    bool upgrade;        /* Connection: Upgrade (docker's hijack) */
};

/* Parse a request head from buf.  Returns 1 and sets *used (the head's
 * bytes, through the blank line) when complete, 0 when more bytes are
 * needed, -1 with *status and msg (cap bytes) when it is bad. */
int http_parse_head(const char *buf, size_t len, struct http_req *r, size_t *used, int *status,
                    char *msg, size_t cap);
void http_req_clear(struct http_req *r);
const char *http_header(const struct http_req *r, const char *name);

/* A query parameter, percent-decoded into out; NULL when absent. */
const char *http_query(const struct http_req *r, const char *key, char *out, size_t cap);
/* Decode %XX and (in queries) '+' in place; -1 on a bad escape or a NUL. */
int http_unescape(char *s, bool plus_is_space);

/* One connection: its socket and what was read past the current request. */
struct http_conn {
    int fd;
    char *buf;           /* HTTP_MAX_HEAD + slack */
    size_t len, off;     /* bytes in buf, bytes consumed */
    bool closing;        /* answer with Connection: close, then end */
    bool hijacked;       /* raw stream now */
};
int http_conn_init(struct http_conn *c, int fd);
void http_conn_free(struct http_conn *c);

/* Read the next request (blocking).  1: a request; 0: the peer closed
 * between requests; -1: an error was answered, or the socket failed. */
int http_read_request(struct http_conn *c, struct http_req *r);

/* The request body, at most max bytes, de-chunked ("" when none).  -1 with
 * *status (413 too big, 400 malformed) when it cannot be had. */
int http_read_body(struct http_conn *c, const struct http_req *r, size_t max, char **out,
                   size_t *len, int *status);
/* Copy the body (de-chunked) to fd, however long; -1 on a malformed
 * body or a failed write. */
int http_copy_body(struct http_conn *c, const struct http_req *r, int fd);
/* Read and drop the body (before a hijack, or after an error). */
int http_discard_body(struct http_conn *c, const struct http_req *r);

/* Write all of it (EINTR and short writes handled); -1 on failure. */
int http_write_all(int fd, const void *p, size_t n);

/* A complete response.  headers: extra lines, each ending in "\r\n"
 * (may be NULL).  A HEAD request gets the headers only. */
int http_respond(struct http_conn *c, const struct http_req *r, int status, const char *ctype,
                 const char *headers, const void *body, size_t len);
/* A chunked response, written as it comes. */
int http_chunked_begin(struct http_conn *c, int status, const char *ctype, const char *headers);
int http_chunk(struct http_conn *c, const void *p, size_t n);
int http_chunked_end(struct http_conn *c);
const char *http_reason(int status);

/* The connection becomes a raw stream: "101 UPGRADED" when the client asked
 * for the upgrade (in a write of its own), else "200 OK" and the stream. */
int http_hijack(struct http_conn *c, const struct http_req *r, const char *ctype);

#endif

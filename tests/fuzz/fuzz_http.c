/* fuzz_http - libFuzzer harness for what `skiff serve` reads from clients:
 * the request head (line, headers, framing), query parameters, filters in
 * both of docker's forms, and bodies read through a socket (plain and
 * chunked).  Errors with a 4xx/5xx status, never a crash, a leak or
 * undefined behaviour; what the parser hands out stays inside its copy. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const struct http_req *r)
{
    if (r->method == NULL || r->path == NULL || r->path[0] != '/' || r->query == NULL)
        abort();
    if (r->nhdr > HTTP_MAX_HEADERS || (r->chunked && r->content_length >= 0))
        abort();
    char v[256];
    static const char *const keys[] = {"name", "filters", "all", "tag", "fromImage", ""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (http_query(r, keys[i], v, sizeof v) != NULL && strlen(v) >= sizeof v)
            abort();
    (void)http_header(r, "Content-Type");
}

/* The same bytes through a socket pair: the connection's reader, the
 * body reader and the error answer. */
static void through_socket(const uint8_t *data, size_t size)
{
    int sv[2];
    if (size > 200000 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return;
    int one = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof one);
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &one, sizeof one);
    if (write(sv[0], data, size) != (ssize_t)size) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    shutdown(sv[0], SHUT_WR);
    struct http_conn c;
    if (http_conn_init(&c, sv[1]) == 0) {
        for (int n = 0; n < 4; n++) {
            struct http_req r;
            if (http_read_request(&c, &r) <= 0)
                break;
            check_request(&r);
            char *body;
            size_t len;
            int status = 0;
            int rc = http_read_body(&c, &r, 4096, &body, &len, &status);
            if (rc == 0) {
                if (len > 4096 || body[len] != '\0')
                    abort();
                free(body);
            } else if (status != 400 && status != 413 && status != 500) {
                abort();
            }
            http_req_clear(&r);
            if (rc < 0 || c.closing)
                break;
        }
        http_conn_free(&c);
    }
    close(sv[0]);
    close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_req r;
    size_t used = 0;
    int status = 0;
    char msg[128];
    int rc = http_parse_head((const char *)data, size, &r, &used, &status, msg, sizeof msg);
    if (rc == 1) {
        if (used == 0 || used > size)
            abort();
        check_request(&r);
        http_req_clear(&r);
    } else if (rc < 0 && (status < 400 || status > 505 || strlen(msg) >= sizeof msg)) {
        abort();
    }
    char copy[512];
    size_t l = size < sizeof copy - 1 ? size : sizeof copy - 1;
    memcpy(copy, data, l);
    copy[l] = '\0';
    http_unescape(copy, true);
    through_socket(data, size);
    return 0;
}

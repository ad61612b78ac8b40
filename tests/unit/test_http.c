/* Unit tests: the API server's HTTP parser, query parameters, body
 * framing (plain and chunked) read through a socket, and the error
 * statuses docker's clients map. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/api_int.h"
#include "api/http.h"

static int parse(const char *s, struct http_req *r, int *status)
{
    size_t used = 0;
    char msg[128];
    *status = 0;
    return http_parse_head(s, strlen(s), r, &used, status, msg, sizeof msg);
}

static void test_request_line(void **state)
{
    (void)state;
    struct http_req r;
    int st;
    assert_int_equal(parse("GET /v1.51/containers/json?all=1&filters=%7B%7D HTTP/1.1\r\nHost: d\r\n\r\n", &r, &st), 1);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.path, "/v1.51/containers/json");
    assert_string_equal(r.query, "all=1&filters=%7B%7D");
    assert_true(r.keep_alive);
    assert_int_equal(r.content_length, -1);
    char v[64];
    assert_non_null(http_query(&r, "filters", v, sizeof v));
    assert_string_equal(v, "{}");
    assert_null(http_query(&r, "al", v, sizeof v));
    assert_string_equal(http_header(&r, "host"), "d");
    http_req_clear(&r);
    /* incomplete: more needed */
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: d\r\n", &r, &st), 0);
    /* HTTP/1.0 closes unless asked */
    assert_int_equal(parse("GET / HTTP/1.0\n\n", &r, &st), 1);
    assert_false(r.keep_alive);
    http_req_clear(&r);
    /* an image name escaped in the path */
    assert_int_equal(parse("GET /images/127.0.0.1%3A5000%2Fbb/json HTTP/1.1\r\n\r\n", &r, &st), 1);
    assert_string_equal(r.path, "/images/127.0.0.1:5000/bb/json");
    http_req_clear(&r);
}

static void test_bad_requests(void **state)
{
    (void)state;
    struct http_req r;
    int st;
    assert_int_equal(parse("GET /x HTTP/2.0\r\n\r\n", &r, &st), -1);
    assert_int_equal(st, 505);
    assert_int_equal(parse("GET x HTTP/1.1\r\n\r\n", &r, &st), -1);
    assert_int_equal(st, 400);
    assert_int_equal(parse("GET /a%00b HTTP/1.1\r\n\r\n", &r, &st), -1);
    assert_int_equal(parse("GET /a%zz HTTP/1.1\r\n\r\n", &r, &st), -1);
    assert_int_equal(parse("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", &r, &st), -1);
    assert_int_equal(parse("GET / HTTP/1.1\r\nBad Name: b\r\n\r\n", &r, &st), -1);
    assert_int_equal(parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", &r, &st), -1);
    assert_int_equal(st, 400);
    assert_int_equal(parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &r, &st), -1);
    assert_int_equal(parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &r, &st), -1);
    assert_int_equal(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &r, &st), -1);
    assert_int_equal(st, 501);
    char *big = malloc(HTTP_MAX_HEAD + 64);
    memset(big, 'a', HTTP_MAX_HEAD + 63);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    big[HTTP_MAX_HEAD + 63] = '\0';
    assert_int_equal(parse(big, &r, &st), -1);
    assert_int_equal(st, 431);
    free(big);
}

/* A body through a socket pair, as the server reads it. */
static int body_of(const char *wire, char **out, size_t *len, int *status)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(write(sv[0], wire, strlen(wire)), (ssize_t)strlen(wire));
    shutdown(sv[0], SHUT_WR);
    struct http_conn c;
    assert_int_equal(http_conn_init(&c, sv[1]), 0);
    struct http_req r;
    assert_int_equal(http_read_request(&c, &r), 1);
    int rc = http_read_body(&c, &r, 64, out, len, status);
    http_req_clear(&r);
    http_conn_free(&c);
    close(sv[0]);
    close(sv[1]);
    return rc;
}

static void test_bodies(void **state)
{
    (void)state;
    char *b;
    size_t n;
    int st;
    assert_int_equal(body_of("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", &b, &n, &st), 0);
    assert_int_equal(n, 5);
    assert_string_equal(b, "hello");
    free(b);
    assert_int_equal(body_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n", &b, &n, &st), 0);
    assert_string_equal(b, "abcde");
    free(b);
    assert_int_equal(body_of("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nhello", &b, &n, &st), -1);
    assert_int_equal(st, 413); /* over the 64 allowed here */
    assert_int_equal(body_of("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello", &b, &n, &st), -1);
    assert_int_equal(st, 400); /* ended early */
    assert_int_equal(body_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &b, &n, &st), -1);
    assert_int_equal(st, 400);
    assert_int_equal(body_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "ffffffffffffffffff\r\n", &b, &n, &st), -1);
}

static void test_statuses(void **state)
{
    (void)state;
    assert_int_equal(api_status_of("No such container: x"), 404);
    assert_int_equal(api_status_of("No such image: busybox:latest"), 404);
    assert_int_equal(api_status_of("Conflict. The container name \"/a\" is already in use by container \"b\""), 409);
    assert_int_equal(api_status_of("Container abc is not running"), 409);
    assert_int_equal(api_status_of("an image is required"), 400);
    assert_int_equal(api_status_of("something broke"), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_line),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

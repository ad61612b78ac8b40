/* api_int.h - what the API server's files share (internal). */
#ifndef SKIFF_API_INT_H
#define SKIFF_API_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "api/api.h"
#include "api/http.h"
#include "skiff/engine.h"
#include "util/error.h"

#define API_MAX_PARAMS 2

/* One request being answered. */
struct api_ctx {
    struct sk_engine *e;
    struct http_conn *c;
    struct http_req *r;
    int version;                     /* minor API version: 24..51 */
    const char *param[API_MAX_PARAMS]; /* {id}, {name}: in the request's path */
    bool body_read;                  /* the body was consumed */
};

typedef int (*api_handler)(struct api_ctx *x);

struct api_route {
    const char *method; /* "GET" (HEAD too), "POST", "PUT", "DELETE" */
    const char *pattern; /* "/containers/{}/json"; "{*}" takes one or more segments */
    api_handler fn;
};

/* The routes of each file, each list ending with {NULL}. */
extern const struct api_route api_system_routes[];
extern const struct api_route api_container_routes[];
extern const struct api_route api_stream_routes[];
extern const struct api_route api_image_routes[];
extern const struct api_route api_network_routes[];
extern const struct api_route api_volume_routes[];

/* Answer one request (after routing, errors answered too).  -1 when the
 * connection must end. */
int api_dispatch(struct api_ctx *x);

/* ---- answers (each returns 0, or -1 when the connection failed) ---- */
/* JSON body (j is taken over; NULL answers "null"). */
int api_json(struct api_ctx *x, int status, json_t *j);
int api_empty(struct api_ctx *x, int status);
/* docker's error body {"message": "..."} */
int api_error(struct api_ctx *x, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An engine error, with the status docker gives it (404 No such ..., 409
 * conflicts, 400 invalid input, else 500). */
int api_fail(struct api_ctx *x, const sk_error *err);
int api_status_of(const char *msg);

/* ---- the request ---- */
const char *api_q(struct api_ctx *x, const char *key, char *buf, size_t cap);
/* "1", "true", "True" -> true; "0", "false", "" -> false; absent -> def */
bool api_qbool(struct api_ctx *x, const char *key, bool def);
long long api_qint(struct api_ctx *x, const char *key, long long def);
/* The JSON body (an object; an empty body is an empty object).  -1 when
 * it was answered with 400. */
int api_body_json(struct api_ctx *x, json_t **out);
/* filters= in either form ({"k":{"v":true}} or {"k":["v"]}) as
 * {"k":["v",...]}; -1 when answered with 400. */
int api_filters(struct api_ctx *x, json_t **out);
/* The items of list that pass filters, at most limit (0: all); a kind not
 * in kinds (NULL-terminated) or one match does not know (it sets *bad) is
 * a 400 "invalid filter 'kind'", also for an empty list.  list and filters
 * are taken over.  -1 after answering 400. */
typedef bool (*api_match)(void *ud, json_t *item, json_t *filters, const char **bad);
int api_keep_matching(struct api_ctx *x, json_t *list, json_t *filters, const char *const *kinds,
                      size_t limit, api_match match, void *ud, json_t **out);
/* The value of one filter kind, the first (NULL when absent). */
const char *api_filter_first(json_t *filters, const char *kind);

/* ---- streams ---- */
/* The Content-Type of a container's stream: raw with a terminal (and
 * before 1.42), else multiplexed. */
const char *api_stream_type(struct api_ctx *x, bool tty);
/* Copy between the hijacked client and a stream fd (the monitor's attach
 * connection) until the stream ends; the client's half-close is passed on
 * with shutdown(SHUT_WR) when pass_eof. */
void api_splice(struct http_conn *c, int fd, bool pass_eof);

#endif

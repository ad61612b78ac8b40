/* h_networks.c - /networks: list, inspect, create, remove, connect,
 * disconnect, prune. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "util/json.h"

/* docker says "network x not found" (404) where the engine says "No such
 * network: x", and 403 for a second endpoint of a container. */
static int net_fail(struct api_ctx *x, const sk_error *err)
{
    const char *p = strstr(err->msg, "No such network: ");
    if (p != NULL)
        return api_error(x, 404, "network %s not found", p + strlen("No such network: "));
    if (strstr(err->msg, "endpoint with name ") != NULL) /* libnetwork's is a ForbiddenError */
        return api_error(x, 403, "%s", err->msg);
    return api_fail(x, err);
}

static bool net_match(void *ud, json_t *n, json_t *filters, const char **bad)
{
    (void)ud;
    return sk_network_matches(n, filters, bad);
}

static int net_list(struct api_ctx *x)
{
    json_t *filters, *all = NULL, *out;
    if (api_filters(x, &filters) < 0)
        return 0;
    sk_error err;
    if (sk_network_list(x->e, &all, &err) < 0) {
        json_decref(filters);
        return api_fail(x, &err);
    }
    if (api_keep_matching(x, all, filters, sk_network_filter_kinds, 0, net_match, NULL, &out) < 0)
        return 0;
    return api_json(x, 200, out);
}

static int net_inspect(struct api_ctx *x)
{
    sk_error err;
    json_t *n;
    if (sk_network_inspect(x->e, x->param[0], &n, &err) < 0)
        return net_fail(x, &err);
    return api_json(x, 200, n);
}

static int net_create(struct api_ctx *x)
{
    json_t *b;
    if (api_body_json(x, &b) < 0)
        return 0;
    const char *name = json_string_value(json_object_get(b, "Name"));
    sk_error err;
    json_t *n = NULL;
    int rc;
    if (name == NULL || !*name)
        rc = api_error(x, 400, "invalid network name: a network needs a Name");
    else if (sk_network_create(x->e, b, &n, &err) < 0)
        rc = api_fail(x, &err);
    else
        rc = api_json(x, 201, json_pack("{s:O, s:s}", "Id", json_object_get(n, "Id"), "Warning", ""));
    json_decref(n);
    json_decref(b);
    return rc;
}

static int net_remove(struct api_ctx *x)
{
    sk_error err;
    if (sk_network_remove(x->e, x->param[0], &err) < 0)
        return net_fail(x, &err);
    return api_empty(x, 204);
}

/* {"Container": ref, "EndpointConfig": {"Aliases": [...], "IPAMConfig": {"IPv4Address": ip}}} */
static int net_connect(struct api_ctx *x)
{
    json_t *b;
    if (api_body_json(x, &b) < 0)
        return 0;
    const char *ctr = json_string_value(json_object_get(b, "Container"));
    json_t *ec = json_object_get(b, "EndpointConfig");
    json_t *aliases = json_object_get(ec, "Aliases");
    const char *ip = json_string_value(json_object_get(json_object_get(ec, "IPAMConfig"), "IPv4Address"));
    const char *ip6 = json_string_value(json_object_get(json_object_get(ec, "IPAMConfig"), "IPv6Address"));
    sk_error err;
    int rc;
    if (ctr == NULL || !*ctr)
        rc = api_error(x, 400, "invalid request: no Container given");
    else if (aliases != NULL && !json_is_null(aliases) && !json_is_array(aliases))
        rc = api_error(x, 400, "invalid EndpointConfig.Aliases: expected an array");
    else if (sk_network_connect(x->e, x->param[0], ctr, ip && *ip ? ip : NULL,
                                ip6 && *ip6 ? ip6 : NULL, json_array_size(aliases) ? aliases : NULL, &err) < 0)
        rc = net_fail(x, &err);
    else
        rc = api_empty(x, 200);
    json_decref(b);
    return rc;
}

static int net_disconnect(struct api_ctx *x)
{
    json_t *b;
    if (api_body_json(x, &b) < 0)
        return 0;
    const char *ctr = json_string_value(json_object_get(b, "Container"));
    sk_error err;
    int rc;
    if (ctr == NULL || !*ctr)
        rc = api_error(x, 400, "invalid request: no Container given");
    else if (sk_network_disconnect(x->e, x->param[0], ctr, json_is_true(json_object_get(b, "Force")),
                                   &err) < 0)
        rc = net_fail(x, &err);
    else
        rc = api_empty(x, 200);
    json_decref(b);
    return rc;
}

static int net_prune(struct api_ctx *x)
{
    json_t *filters;
    if (api_filters(x, &filters) < 0)
        return 0;
    sk_error err;
    json_t *gone = NULL;
    int rc = sk_network_prune(x->e, filters, &gone, &err);
    json_decref(filters);
    if (rc < 0)
        return api_fail(x, &err);
    return api_json(x, 200, json_pack("{s:o}", "NetworksDeleted", gone));
}

const struct api_route api_network_routes[] = {
    {"GET", "/networks", net_list},
    {"POST", "/networks/create", net_create},
    {"POST", "/networks/prune", net_prune},
    {"GET", "/networks/{}", net_inspect},
    {"DELETE", "/networks/{}", net_remove},
    {"POST", "/networks/{}/connect", net_connect},
    {"POST", "/networks/{}/disconnect", net_disconnect},
    {NULL, NULL, NULL},
};

/* spec_resources.c - linux.resources: memory, cpu, pids, blkio, devices, ... */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec.h"
#include "oci/spec_internal.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"

static int opt_i64(json_t *o, const char *key, const char *ctx, struct opt_i64 *out, sk_error *err)
{
    int r = sk_json_i64(o, key, ctx, &out->v, err);
    out->set = r > 0;
    return r < 0 ? -1 : 0;
}

static int opt_u64(json_t *o, const char *key, const char *ctx, struct opt_u64 *out, sk_error *err)
{
    int r = sk_json_u64(o, key, ctx, &out->v, err);
    out->set = r > 0;
    return r < 0 ? -1 : 0;
}

static int dup_string(json_t *o, const char *key, const char *ctx, char **out, sk_error *err)
{
    const char *s = NULL;
    int r = sk_json_string(o, key, ctx, &s, err);
    if (r <= 0)
        return r;
    if ((*out = strdup(s)) == NULL)
        return sk_err(err, ENOMEM, "%s.%s", ctx, key);
    return 0;
}

static int parse_memory(json_t *res, struct oci_resources *r, sk_error *err)
{
    json_t *m = NULL;
    int k = sk_json_object(res, "memory", "linux.resources", &m, err);
    if (k <= 0)
        return k;
    const char *ctx = "linux.resources.memory";
    bool b = false;
    if (opt_i64(m, "limit", ctx, &r->memory.limit, err) < 0 ||
        opt_i64(m, "reservation", ctx, &r->memory.reservation, err) < 0 ||
        opt_i64(m, "swap", ctx, &r->memory.swap, err) < 0 ||
        opt_i64(m, "kernel", ctx, &r->memory.kernel, err) < 0 ||
        opt_i64(m, "kernelTCP", ctx, &r->memory.kernel_tcp, err) < 0 ||
        opt_u64(m, "swappiness", ctx, &r->memory.swappiness, err) < 0 ||
        sk_json_bool(m, "disableOOMKiller", ctx, &r->memory.disable_oom_killer, err) < 0 ||
        sk_json_bool(m, "useHierarchy", ctx, &b, err) < 0)
        return -1;
    if (r->memory.swappiness.set && r->memory.swappiness.v > 100 &&
        r->memory.swappiness.v != UINT64_MAX)
        return sk_err(err, 0, "%s.swappiness: %llu is above 100", ctx,
                      (unsigned long long)r->memory.swappiness.v);
    if (r->memory.limit.set && r->memory.limit.v < -1)
        return sk_err(err, 0, "%s.limit: %lld is not a valid limit", ctx,
                      (long long)r->memory.limit.v);
    if (r->memory.swap.set && r->memory.swap.v < -1)
        return sk_err(err, 0, "%s.swap: %lld is not a valid limit", ctx,
                      (long long)r->memory.swap.v);
    if (r->memory.limit.set && r->memory.swap.set && r->memory.limit.v > 0 &&
        r->memory.swap.v > 0 && r->memory.swap.v < r->memory.limit.v)
        return sk_err(err, 0, "%s: swap (memory+swap) %lld must not be below limit %lld", ctx,
                      (long long)r->memory.swap.v, (long long)r->memory.limit.v);
    if (r->memory.kernel.set || r->memory.kernel_tcp.set)
        sk_warn("%s.kernel and kernelTCP are deprecated and ignored", ctx);
    return 0;
}

static int parse_cpu(json_t *res, struct oci_resources *r, sk_error *err)
{
    json_t *c = NULL;
    int k = sk_json_object(res, "cpu", "linux.resources", &c, err);
    if (k <= 0)
        return k;
    const char *ctx = "linux.resources.cpu";
    if (opt_u64(c, "shares", ctx, &r->cpu.shares, err) < 0 ||
        opt_i64(c, "quota", ctx, &r->cpu.quota, err) < 0 ||
        opt_u64(c, "period", ctx, &r->cpu.period, err) < 0 ||
        opt_u64(c, "burst", ctx, &r->cpu.burst, err) < 0 ||
        opt_i64(c, "realtimeRuntime", ctx, &r->cpu.realtime_runtime, err) < 0 ||
        opt_u64(c, "realtimePeriod", ctx, &r->cpu.realtime_period, err) < 0 ||
        opt_i64(c, "idle", ctx, &r->cpu.idle, err) < 0 ||
        dup_string(c, "cpus", ctx, &r->cpu.cpus, err) < 0 ||
        dup_string(c, "mems", ctx, &r->cpu.mems, err) < 0)
        return -1;
    if (r->cpu.period.set && r->cpu.period.v != 0 &&
        (r->cpu.period.v < 1000 || r->cpu.period.v > 1000000))
        return sk_err(err, 0, "%s.period: %llu is outside 1000..1000000", ctx,
                      (unsigned long long)r->cpu.period.v);
    if (r->cpu.quota.set && r->cpu.quota.v > 0 && r->cpu.quota.v < 1000)
        return sk_err(err, 0, "%s.quota: %lld is below the minimum 1000", ctx,
                      (long long)r->cpu.quota.v);
    if (r->cpu.shares.set && r->cpu.shares.v != 0 &&
        (r->cpu.shares.v < 2 || r->cpu.shares.v > 262144))
        return sk_err(err, 0, "%s.shares: %llu is outside 2..262144", ctx,
                      (unsigned long long)r->cpu.shares.v);
    for (const char *p = r->cpu.cpus; p != NULL && *p; p++)
        if (strchr("0123456789,-", *p) == NULL)
            return sk_err(err, 0, "%s.cpus: \"%s\" is not a cpu list", ctx, r->cpu.cpus);
    for (const char *p = r->cpu.mems; p != NULL && *p; p++)
        if (strchr("0123456789,-", *p) == NULL)
            return sk_err(err, 0, "%s.mems: \"%s\" is not a node list", ctx, r->cpu.mems);
    return 0;
}

static int parse_dev_pair(json_t *v, const char *ctx, int64_t *maj, int64_t *min, sk_error *err)
{
    if (oci_req_i64(v, "major", ctx, maj, err) < 0 || oci_req_i64(v, "minor", ctx, min, err) < 0)
        return -1;
    if (*maj < 0 || *min < 0 || *maj > 0xfffff || *min > 0xfffff)
        return sk_err(err, 0, "%s: device number out of range", ctx);
    return 0;
}

static int parse_blkio(json_t *res, struct oci_resources *r, sk_error *err)
{
    json_t *b = NULL;
    int k = sk_json_object(res, "blockIO", "linux.resources", &b, err);
    if (k <= 0)
        return k;
    const char *ctx = "linux.resources.blockIO";
    if (opt_u64(b, "weight", ctx, &r->blkio.weight, err) < 0 ||
        opt_u64(b, "leafWeight", ctx, &r->blkio.leaf_weight, err) < 0)
        return -1;
    if (r->blkio.weight.set && r->blkio.weight.v != 0 &&
        (r->blkio.weight.v < 10 || r->blkio.weight.v > 1000))
        return sk_err(err, 0, "%s.weight: %llu is outside 10..1000", ctx,
                      (unsigned long long)r->blkio.weight.v);
    json_t *arr = NULL;
    k = sk_json_array(b, "weightDevice", ctx, &arr, err);
    if (k < 0)
        return -1;
    if (k > 0) {
        size_t n = json_array_size(arr);
        r->blkio.weight_devices = calloc(n ? n : 1, sizeof *r->blkio.weight_devices);
        if (r->blkio.weight_devices == NULL)
            return sk_err(err, ENOMEM, "%s", ctx);
        for (size_t i = 0; i < n; i++) {
            char c2[80];
            struct oci_weight_device *w = &r->blkio.weight_devices[i];
            json_t *v = json_array_get(arr, i);
            snprintf(c2, sizeof c2, "%s.weightDevice[%zu]", ctx, i);
            if (!json_is_object(v))
                return sk_err(err, 0, "%s: expected an object", c2);
            if (parse_dev_pair(v, c2, &w->major, &w->minor, err) < 0 ||
                opt_u64(v, "weight", c2, &w->weight, err) < 0 ||
                opt_u64(v, "leafWeight", c2, &w->leaf_weight, err) < 0)
                return -1;
            r->blkio.n_weight_devices = i + 1;
        }
    }
    static const char *const tkeys[4] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
                                         "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
    for (int t = 0; t < 4; t++) {
        k = sk_json_array(b, tkeys[t], ctx, &arr, err);
        if (k < 0)
            return -1;
        if (k == 0)
            continue;
        size_t n = json_array_size(arr);
        r->blkio.throttle[t] = calloc(n ? n : 1, sizeof **r->blkio.throttle);
        if (r->blkio.throttle[t] == NULL)
            return sk_err(err, ENOMEM, "%s", ctx);
        for (size_t i = 0; i < n; i++) {
            char c2[80];
            struct oci_throttle_device *d = &r->blkio.throttle[t][i];
            json_t *v = json_array_get(arr, i);
            snprintf(c2, sizeof c2, "%s.%s[%zu]", ctx, tkeys[t], i);
            if (!json_is_object(v))
                return sk_err(err, 0, "%s: expected an object", c2);
            if (parse_dev_pair(v, c2, &d->major, &d->minor, err) < 0 ||
                oci_req_u64(v, "rate", c2, &d->rate, err) < 0)
                return -1;
            r->blkio.n_throttle[t] = i + 1;
        }
    }
    return 0;
}

static int parse_device_rules(json_t *res, struct oci_resources *r, sk_error *err)
{
    json_t *arr = NULL;
    int k = sk_json_array(res, "devices", "linux.resources", &arr, err);
    if (k <= 0)
        return k;
    size_t n = json_array_size(arr);
    r->devices = calloc(n ? n : 1, sizeof *r->devices);
    if (r->devices == NULL)
        return sk_err(err, ENOMEM, "linux.resources.devices");
    for (size_t i = 0; i < n; i++) {
        char ctx[64];
        json_t *v = json_array_get(arr, i);
        struct oci_device_rule *d = &r->devices[i];
        const char *type = NULL, *access = NULL;
        snprintf(ctx, sizeof ctx, "linux.resources.devices[%zu]", i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        int ra = sk_json_bool(v, "allow", ctx, &d->allow, err);
        if (ra < 0)
            return -1;
        if (ra == 0)
            return sk_err(err, 0, "%s.allow: missing", ctx);
        if (sk_json_string(v, "type", ctx, &type, err) < 0 ||
            sk_json_string(v, "access", ctx, &access, err) < 0)
            return -1;
        if (type == NULL || *type == '\0')
            type = "a";
        if (strlen(type) != 1 || strchr("acb", type[0]) == NULL)
            return sk_err(err, 0, "%s.type: must be one of a, c, b", ctx);
        d->type = type[0];
        if (access == NULL || *access == '\0')
            access = "rwm";
        if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
            return sk_err(err, 0, "%s.access: \"%s\" is not a subset of rwm", ctx, access);
        snprintf(d->access, sizeof d->access, "%s", access);
        d->major = d->minor = -1;
        if (sk_json_i64(v, "major", ctx, &d->major, err) < 0 ||
            sk_json_i64(v, "minor", ctx, &d->minor, err) < 0)
            return -1;
        if (d->major < -1 || d->minor < -1 || d->major > 0xfffff || d->minor > 0xfffff)
            return sk_err(err, 0, "%s: device number out of range", ctx);
        r->n_devices = i + 1;
    }
    return 0;
}

static int parse_hugepages(json_t *res, struct oci_resources *r, sk_error *err)
{
    json_t *arr = NULL;
    int k = sk_json_array(res, "hugepageLimits", "linux.resources", &arr, err);
    if (k <= 0)
        return k;
    size_t n = json_array_size(arr);
    r->hugepages.page_sizes = calloc(n + 1, sizeof(char *));
    r->hugepages.limits = calloc(n ? n : 1, sizeof(uint64_t));
    if (r->hugepages.page_sizes == NULL || r->hugepages.limits == NULL)
        return sk_err(err, ENOMEM, "linux.resources.hugepageLimits");
    for (size_t i = 0; i < n; i++) {
        char ctx[64];
        const char *ps = NULL;
        json_t *v = json_array_get(arr, i);
        snprintf(ctx, sizeof ctx, "linux.resources.hugepageLimits[%zu]", i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        if (oci_req_string(v, "pageSize", ctx, &ps, err) < 0)
            return -1;
        for (const char *p = ps; *p; p++)
            if (strchr("0123456789KMGB", *p) == NULL)
                return sk_err(err, 0, "%s.pageSize: \"%s\" is not a page size", ctx, ps);
        if (oci_req_u64(v, "limit", ctx, &r->hugepages.limits[i], err) < 0)
            return -1;
        if ((r->hugepages.page_sizes[i] = strdup(ps)) == NULL)
            return sk_err(err, ENOMEM, "%s", ctx);
        r->hugepages.n = i + 1;
    }
    return 0;
}

static int parse_unified(json_t *res, struct oci_resources *r, sk_error *err)
{
    json_t *obj = NULL;
    int k = sk_json_object(res, "unified", "linux.resources", &obj, err);
    if (k <= 0)
        return k;
    size_t n = json_object_size(obj), i = 0;
    r->unified_keys = calloc(n + 1, sizeof(char *));
    r->unified_values = calloc(n + 1, sizeof(char *));
    if (r->unified_keys == NULL || r->unified_values == NULL)
        return sk_err(err, ENOMEM, "linux.resources.unified");
    const char *key;
    json_t *v = NULL;
    json_object_foreach(obj, key, v)
    {
        if (!json_is_string(v))
            return sk_err(err, 0, "linux.resources.unified.%s: expected a string", key);
        if (*key == '\0' || strchr(key, '/') != NULL || key[0] == '.' ||
            strchr(key, '.') == NULL)
            return sk_err(err, 0, "linux.resources.unified: \"%s\" is not a cgroup file name", key);
        if ((r->unified_keys[i] = strdup(key)) == NULL ||
            (r->unified_values[i] = strdup(json_string_value(v))) == NULL)
            return sk_err(err, ENOMEM, "linux.resources.unified");
        i++;
    }
    return 0;
}

int oci_resources_parse(json_t *res, const char *ctx, struct oci_resources *r, sk_error *err)
{
    if (!json_is_object(res))
        return sk_err(err, 0, "%s: expected an object", ctx);
    if (parse_memory(res, r, err) < 0 || parse_cpu(res, r, err) < 0 ||
        parse_blkio(res, r, err) < 0 || parse_device_rules(res, r, err) < 0 ||
        parse_hugepages(res, r, err) < 0 || parse_unified(res, r, err) < 0)
        return -1;
    json_t *pids = NULL;
    int k = sk_json_object(res, "pids", "linux.resources", &pids, err);
    if (k < 0)
        return -1;
    if (k > 0) {
        if (opt_i64(pids, "limit", "linux.resources.pids", &r->pids_limit, err) < 0)
            return -1;
    }
    json_t *net = NULL;
    if (sk_json_object(res, "network", "linux.resources", &net, err) > 0)
        sk_warn("linux.resources.network (net_cls/net_prio) is not supported and is ignored");
    if (sk_json_object(res, "rdma", "linux.resources", &net, err) > 0)
        sk_warn("linux.resources.rdma is not supported and is ignored");
    return 0;
}

void oci_resources_clear(struct oci_resources *r)
{
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->blkio.weight_devices);
    for (int t = 0; t < 4; t++)
        free(r->blkio.throttle[t]);
    free(r->devices);
    sk_strv_free(r->hugepages.page_sizes);
    free(r->hugepages.limits);
    sk_strv_free(r->unified_keys);
    sk_strv_free(r->unified_values);
    memset(r, 0, sizeof *r);
}

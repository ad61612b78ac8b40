/* update.c - docker update: a container's limits and restart policy,
 * recorded, and applied to its cgroup at once while it runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/json.h"

static const char *const int_keys[] = {"Memory",    "MemorySwap", "MemoryReservation", "NanoCpus",
                                       "CpuShares", "CpuPeriod",  "CpuQuota",          "PidsLimit",
                                       "BlkioWeight"};
static const char *const str_keys[] = {"CpusetCpus", "CpusetMems"};

/* The fields of the body that change something, checked; NULL on error. */
static json_t *changes(json_t *body, sk_error *err)
{
    json_t *out = json_object();
    for (size_t i = 0; i < sizeof int_keys / sizeof int_keys[0]; i++) {
        json_t *v = json_object_get(body, int_keys[i]);
        if (v == NULL || json_is_null(v))
            continue;
        if (!json_is_integer(v)) {
            json_decref(out);
            return sk_err(err, 0, "invalid %s: expected an integer", int_keys[i]), NULL;
        }
        if (json_integer_value(v) == 0 && strcmp(int_keys[i], "PidsLimit") != 0)
            continue; /* docker: 0 leaves it as it is */
        json_object_set(out, int_keys[i], v);
    }
    for (size_t i = 0; i < sizeof str_keys / sizeof str_keys[0]; i++) {
        json_t *v = json_object_get(body, str_keys[i]);
        if (json_is_string(v) && *json_string_value(v))
            json_object_set(out, str_keys[i], v);
    }
    json_t *rp = json_object_get(body, "RestartPolicy");
    const char *name = json_string_value(json_object_get(rp, "Name"));
    if (name != NULL && *name) {
        if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") &&
            strcmp(name, "on-failure")) {
            json_decref(out);
            return sk_err(err, 0, "invalid restart policy '%s'", name), NULL;
        }
        json_object_set(out, "RestartPolicy", rp);
    }
    json_int_t mem = json_integer_value(json_object_get(out, "Memory"));
    if (mem > 0 && mem < 6 * 1024 * 1024) {
        json_decref(out);
        return sk_err(err, 0, "invalid Memory: minimum memory limit allowed is 6MB"), NULL;
    }
    if (json_object_get(out, "NanoCpus") && json_object_get(out, "CpuQuota")) {
        json_decref(out);
        return sk_err(err, 0, "invalid update: conflicting options: Nano CPUs and CPU Period/Quota cannot both be set"), NULL;
    }
    return out;
}

int sk_container_update(struct sk_engine *e, const char *ref, json_t *body, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    _cleanup_json_ json_t *ch = changes(body, err);
    if (ch == NULL)
        return -1;
    int lock = ctr_lock(c, err);
    if (lock < 0)
        return -1;
    json_t *hc = json_object_get(c->cfg, "HostConfig");
    json_object_update(hc, ch);
    json_int_t mem = json_integer_value(json_object_get(hc, "Memory"));
    json_int_t swap = json_integer_value(json_object_get(hc, "MemorySwap"));
    int rc = 0;
    if (mem > 0 && swap > 0 && swap < mem)
        rc = sk_err(err, 0, "invalid update: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
    if (rc == 0)
        rc = ctr_save_config(c, err);
    close(lock);
    ctr_reconcile(e, c);
    if (rc < 0 || !ctr_is_running(c))
        return rc;
    /* the limits, live; the devices stay as they are */
    _cleanup_json_ json_t *res = ctr_resources(hc, json_is_true(json_object_get(hc, "Privileged")));
    json_object_del(res, "devices");
    struct oci_resources r;
    memset(&r, 0, sizeof r);
    if (oci_resources_parse(res, "resources", &r, err) < 0)
        return -1;
    rc = rt_update(&e->rt, c->id, &r, err);
    oci_resources_clear(&r);
    return rc;
}

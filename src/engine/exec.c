/* exec.c - a command inside a running container (docker exec). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "oci/caps.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

/* env: the container's, then ours, a later KEY replacing an earlier one */
static int merge_env(char ***env, char *const *add)
{
    for (size_t i = 0; add && add[i]; i++) {
        size_t klen = strcspn(add[i], "=");
        bool done = false;
        for (size_t k = 0; *env && (*env)[k] && !done; k++)
            if (strncmp((*env)[k], add[i], klen) == 0 && (*env)[k][klen] == '=') {
                char *v = strdup(add[i]);
                if (v == NULL)
                    return -1;
                free((*env)[k]);
                (*env)[k] = v;
                done = true;
            }
        if (!done && sk_strv_push(env, add[i]) < 0)
            return -1;
    }
    return 0;
}

static int set_user(struct sk_engine *e, struct ctr *c, const char *user, struct oci_process *p,
                    sk_error *err)
{
    (void)e;
    char root[64];
    snprintf(root, sizeof root, "/proc/%d/root", (int)json_integer_value(json_object_get(c->state, "Pid")));
    _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return sk_err(err, errno, "container %.12s: its root", c->id);
    _cleanup_json_ json_t *u = NULL;
    if (ctr_resolve_user(rootfd, user, NULL, &u, err) < 0)
        return -1;
    p->uid = (uint32_t)json_integer_value(json_object_get(u, "uid"));
    p->gid = (uint32_t)json_integer_value(json_object_get(u, "gid"));
    json_t *g = json_object_get(u, "additionalGids");
    free(p->additional_gids);
    p->n_additional_gids = json_array_size(g);
    p->additional_gids = calloc(p->n_additional_gids ? p->n_additional_gids : 1, sizeof(gid_t));
    if (p->additional_gids == NULL)
        return sk_err(err, ENOMEM, "exec");
    for (size_t i = 0; i < p->n_additional_gids; i++)
        p->additional_gids[i] = (gid_t)json_integer_value(json_array_get(g, i));
    return 0;
}

int sk_container_exec(struct sk_engine *e, const char *ref, const struct sk_exec_opts *o,
                      int *status, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    ctr_reconcile(e, c);
    if (strcmp(ctr_status(c), "paused") == 0)
        return sk_err(err, 0, "Container %s is paused, unpause the container before exec", c->id);
    if (!ctr_is_running(c))
        return sk_err(err, 0, "Container %s is not running", c->id);
    if (o->cmd == NULL || o->cmd[0] == NULL)
        return sk_err(err, 0, "No exec command specified");
    struct oci_process p;
    memset(&p, 0, sizeof p);
    if (rt_exec_base(&e->rt, c->id, &p, err) < 0)
        return -1;
    int rc = -1;
    char **args = sk_strv_dup(o->cmd);
    if (args == NULL) {
        sk_err(err, ENOMEM, "exec");
        goto out;
    }
    sk_strv_free(p.args);
    p.args = args;
    if (merge_env(&p.env, o->env) < 0) {
        sk_err(err, ENOMEM, "exec");
        goto out;
    }
    if (o->workdir != NULL && *o->workdir) {
        if (o->workdir[0] != '/') {
            sk_err(err, 0, "the working directory '%s' is invalid, it needs to be an absolute path", o->workdir);
            goto out;
        }
        free(p.cwd);
        p.cwd = strdup(o->workdir);
    }
    if (o->user != NULL && *o->user && set_user(e, c, o->user, &p, err) < 0)
        goto out;
    p.terminal = o->tty;
    if (o->privileged) {
        p.has_caps = true;
        uint64_t all = 0;
        for (int cap = 0; cap <= oci_cap_last(); cap++) /* what we have, as docker's --privileged */
            if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
                all |= 1ULL << cap;
        p.caps.bounding = p.caps.effective = p.caps.permitted = all;
        p.caps.inheritable = p.caps.ambient = 0;
    }
    struct rt_exec_opts xo = {.id = c->id, .process = &p, .detach = o->detach};
    int st = 0;
    rc = rt_exec(&e->rt, &xo, &st, err);
    if (rc == 0 && status != NULL)
        *status = st;
out:
    oci_process_clear(&p);
    return rc;
}

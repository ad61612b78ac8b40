/* inspect.c - docker's views of containers: inspect, the list, the logs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/logfile.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strutil.h"
#include "util/timefmt.h"

#define ZERO_TIME "0001-01-01T00:00:00Z"

static json_t *obj(json_t *o, const char *k)
{
    return json_object_get(o, k);
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void set_default(json_t *o, const char *k, json_t *v)
{
    if (obj(o, k) == NULL)
        json_object_set_new(o, k, v);
    else
        json_decref(v);
}

static json_t *state_view(struct ctr *c)
{
    const char *st = ctr_status(c);
    json_t *s = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status", st,
                          "Running", ctr_is_running(c) && strcmp(st, "paused") != 0 ? 1 : 0, "Paused",
                          strcmp(st, "paused") == 0, "Restarting", strcmp(st, "restarting") == 0,
                          "OOMKilled", json_is_true(obj(c->state, "OOMKilled")), "Dead",
                          strcmp(st, "dead") == 0, "Pid",
                          (int)json_integer_value(obj(c->state, "Pid")), "ExitCode",
                          (int)json_integer_value(obj(c->state, "ExitCode")), "Error",
                          str(c->state, "Error") ?: "", "StartedAt",
                          str(c->state, "StartedAt") ?: ZERO_TIME, "FinishedAt",
                          str(c->state, "FinishedAt") ?: ZERO_TIME);
    if (strcmp(st, "paused") == 0) /* docker: a paused container is still Running */
        json_object_set_new(s, "Running", json_true());
    json_t *h = obj(c->state, "Health");
    if (h != NULL)
        json_object_set(s, "Health", h);
    return s;
}

static json_t *mounts_view(struct ctr *c)
{
    json_t *out = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(obj(c->cfg, "MountPoints"), i, m)
    {
        bool ro = json_is_true(obj(m, "ReadOnly"));
        const char *type = str(m, "Type");
        if (sk_streq(type, "volume")) {
            json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "Type",
                                                 "volume", "Name", str(m, "Name") ?: "", "Source",
                                                 str(m, "Source") ?: "", "Destination",
                                                 str(m, "Target") ?: "", "Driver", "local", "Mode",
                                                 ro ? "ro" : "z", "RW", !ro, "Propagation", ""));
            continue;
        }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", type,
                                             "Source", sk_streq(type, "tmpfs") ? "" : str(m, "Source"),
                                             "Destination", str(m, "Target"), "Mode",
                                             sk_streq(type, "bind") ? (ro ? "ro" : "") : "", "RW",
                                             !ro, "Propagation",
                                             sk_streq(type, "bind") ? "rprivate" : ""));
    }
    return out;
}

static json_t *host_config_view(struct ctr *c)
{
    json_t *hc = json_deep_copy(obj(c->cfg, "HostConfig"));
    if (hc == NULL)
        hc = json_object();
    set_default(hc, "NetworkMode", json_string("none"));
    set_default(hc, "RestartPolicy", json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0));
    set_default(hc, "AutoRemove", json_false());
    set_default(hc, "Binds", json_null());
    set_default(hc, "PortBindings", json_object());
    set_default(hc, "Privileged", json_false());
    set_default(hc, "ReadonlyRootfs", json_false());
    set_default(hc, "PublishAllPorts", json_false());
    set_default(hc, "LogConfig", json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
    static const char *const zeros[] = {"Memory", "MemorySwap", "MemoryReservation", "NanoCpus",
                                        "CpuShares", "CpuQuota", "CpuPeriod", "ShmSize", NULL};
    for (const char *const *k = zeros; *k; k++)
        set_default(hc, *k, json_integer(strcmp(*k, "ShmSize") == 0 ? 64 << 20 : 0));
    set_default(hc, "PidsLimit", json_null());
    set_default(hc, "CpusetCpus", json_string(""));
    set_default(hc, "CapAdd", json_null());
    set_default(hc, "CapDrop", json_null());
    set_default(hc, "SecurityOpt", json_null());
    set_default(hc, "Tmpfs", json_object());
    set_default(hc, "Ulimits", json_null());
    set_default(hc, "Init", json_null());
    return hc;
}

/* Ports as docker shows them: the published ones while running, and every
 * exposed port (null when not published). */
static json_t *ports_view(struct ctr *c)
{
    json_t *ports = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(obj(obj(c->cfg, "Config"), "ExposedPorts"), k, v)
    {
        char key[32];
        snprintf(key, sizeof key, "%s%s", k, strchr(k, '/') ? "" : "/tcp");
        json_object_set_new(ports, key, json_null());
    }
    if (ctr_is_running(c))
        json_object_update(ports, obj(c->state, "Ports"));
    return ports;
}

static json_t *network_view(struct sk_engine *e, struct ctr *c)
{
    const char *mode = str(obj(c->cfg, "HostConfig"), "NetworkMode") ?: "none";
    json_t *nets = json_deep_copy(ctr_networks(c));
    if (nets == NULL)
        nets = json_object();
    const char *k;
    json_t *one;
    json_object_foreach(nets, k, one) json_object_del(one, "SkiffIf"); /* ours, not docker's */
    if (json_object_size(nets) == 0 && strncmp(mode, "container:", 10) != 0) {
        json_t *ep = json_pack("{s:n, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i}", "IPAMConfig",
                               "Links", "NetworkID", "", "EndpointID", "", "Gateway", "", "IPAddress",
                               "", "IPPrefixLen", 0, "IPv6Gateway", "", "MacAddress", "",
                               "GlobalIPv6PrefixLen", 0);
        json_object_set_new(ep, "Aliases", json_null());
        json_object_set_new(nets, mode, ep);
    }
    char key[PATH_MAX] = "";
    if (json_object_size(ctr_networks(c)) > 0)
        ctr_net_ns_path(e, c, key, sizeof key, NULL);
    /* the top-level fields are the default bridge network's */
    json_t *br = obj(ctr_networks(c), "bridge");
    json_t *v = json_pack("{s:s, s:s, s:s, s:o, s:b, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:s}",
                          "Bridge", "", "SandboxID", "", "SandboxKey", key, "Ports", ports_view(c),
                          "HairpinMode", 0, "LinkLocalIPv6Address", "", "EndpointID",
                          str(br, "EndpointID") ?: "", "Gateway", str(br, "Gateway") ?: "",
                          "GlobalIPv6Address", str(br, "GlobalIPv6Address") ?: "", "GlobalIPv6PrefixLen",
                          (int)json_integer_value(obj(br, "GlobalIPv6PrefixLen")), "IPAddress",
                          str(br, "IPAddress") ?: "", "IPv6Gateway", str(br, "IPv6Gateway") ?: "", "IPPrefixLen",
                          (int)json_integer_value(obj(br, "IPPrefixLen")), "MacAddress",
                          str(br, "MacAddress") ?: "", "LinkLocalIPv6PrefixLen", "");
    json_object_set_new(v, "LinkLocalIPv6PrefixLen", json_integer(0));
    json_object_set_new(v, "Networks", nets);
    return v;
}

int sk_container_inspect(struct sk_engine *e, const char *ref, json_t **out, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    ctr_reconcile(e, c);
    char p[PATH_MAX + 100];
    json_t *j = json_object();
    json_object_set(j, "Id", obj(c->cfg, "Id"));
    json_object_set(j, "Created", obj(c->cfg, "Created"));
    json_object_set(j, "Path", obj(c->cfg, "Path"));
    json_object_set(j, "Args", obj(c->cfg, "Args"));
    json_object_set_new(j, "State", state_view(c));
    json_object_set(j, "Image", obj(c->cfg, "Image"));
    snprintf(p, sizeof p, "%s/resolv.conf", c->dir);
    json_object_set_new(j, "ResolvConfPath", json_string(p));
    snprintf(p, sizeof p, "%s/hostname", c->dir);
    json_object_set_new(j, "HostnamePath", json_string(p));
    snprintf(p, sizeof p, "%s/hosts", c->dir);
    json_object_set_new(j, "HostsPath", json_string(p));
    snprintf(p, sizeof p, "%s/%s-json.log", c->dir, c->id);
    json_object_set_new(j, "LogPath", json_string(p));
    json_object_set(j, "Name", obj(c->cfg, "Name"));
    json_object_set_new(j, "RestartCount", json_integer(json_integer_value(obj(c->state, "RestartCount"))));
    json_object_set_new(j, "Driver", json_string("overlay"));
    json_object_set_new(j, "Platform", json_string("linux"));
    json_object_set_new(j, "MountLabel", json_string(""));
    json_object_set_new(j, "ProcessLabel", json_string(""));
    json_object_set_new(j, "AppArmorProfile", json_string(""));
    json_object_set_new(j, "ExecIDs", json_null());
    json_object_set_new(j, "HostConfig", host_config_view(c));
    char up[PATH_MAX + 8], work[PATH_MAX + 8], merged[PATH_MAX + 8];
    snprintf(up, sizeof up, "%s/upper", c->dir);
    snprintf(work, sizeof work, "%s/work", c->dir);
    snprintf(merged, sizeof merged, "%s/rootfs", c->rundir);
    json_object_set_new(j, "GraphDriver",
                        json_pack("{s:s, s:{s:s, s:s, s:s}}", "Name", "overlay", "Data", "UpperDir", up,
                                  "WorkDir", work, "MergedDir", merged));
    json_object_set_new(j, "Mounts", mounts_view(c));
    json_t *config = json_deep_copy(obj(c->cfg, "Config"));
    set_default(config, "Domainname", json_string(""));
    set_default(config, "AttachStdin", json_false());
    set_default(config, "AttachStdout", json_true());
    set_default(config, "AttachStderr", json_true());
    set_default(config, "StdinOnce", json_false());
    set_default(config, "OnBuild", json_null());
    json_object_set_new(j, "Config", config);
    json_object_set_new(j, "NetworkSettings", network_view(e, c));
    *out = j;
    return 0;
}

/* ---- the list ------------------------------------------------------------------------ */

static void status_text(struct ctr *c, char *buf, size_t cap)
{
    const char *st = ctr_status(c);
    char d[64];
    int64_t now = time(NULL);
    if (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0) {
        int64_t t = sk_parse_rfc3339(str(c->state, "StartedAt")) / 1000000000LL;
        sk_human_duration(now - t, d, sizeof d);
        const char *hs = str(obj(c->state, "Health"), "Status");
        char health[40] = "";
        if (hs != NULL && strcmp(hs, "starting") == 0)
            snprintf(health, sizeof health, " (health: starting)");
        else if (hs != NULL && *hs)
            snprintf(health, sizeof health, " (%s)", hs);
        snprintf(buf, cap, "Up %s%s%s", d, strcmp(st, "paused") == 0 ? " (Paused)" : "", health);
    } else if (strcmp(st, "restarting") == 0 || strcmp(st, "exited") == 0) {
        int64_t t = sk_parse_rfc3339(str(c->state, "FinishedAt")) / 1000000000LL;
        sk_human_duration(now - t, d, sizeof d);
        snprintf(buf, cap, "%s (%d) %s ago", strcmp(st, "exited") == 0 ? "Exited" : "Restarting",
                 (int)json_integer_value(obj(c->state, "ExitCode")), d);
    } else if (strcmp(st, "removing") == 0) {
        snprintf(buf, cap, "Removal In Progress");
    } else if (strcmp(st, "dead") == 0) {
        snprintf(buf, cap, "Dead");
    } else {
        snprintf(buf, cap, "Created");
    }
}

/* docker's list form: [{IP, PrivatePort, PublicPort, Type}], exposed ones without a host side */
static json_t *ports_list(struct ctr *c)
{
    json_t *out = json_array();
    _cleanup_json_ json_t *ports = ports_view(c);
    const char *k;
    json_t *v;
    json_object_foreach(ports, k, v)
    {
        int priv = atoi(k);
        const char *slash = strchr(k, '/');
        const char *type = slash ? slash + 1 : "tcp";
        if (!json_is_array(v) || json_array_size(v) == 0) {
            json_array_append_new(out, json_pack("{s:i, s:s}", "PrivatePort", priv, "Type", type));
            continue;
        }
        size_t i;
        json_t *b;
        json_array_foreach(v, i, b)
        json_array_append_new(out, json_pack("{s:s, s:i, s:i, s:s}", "IP", str(b, "HostIp") ?: "",
                                             "PrivatePort", priv, "PublicPort",
                                             atoi(str(b, "HostPort") ?: "0"), "Type", type));
    }
    return out;
}

static json_t *list_entry(struct ctr *c)
{
    struct strbuf cmd = {0};
    sb_puts(&cmd, str(c->cfg, "Path") ?: "");
    size_t i;
    json_t *a;
    json_array_foreach(obj(c->cfg, "Args"), i, a)
    {
        sb_puts(&cmd, " ");
        sb_puts(&cmd, json_string_value(a) ?: "");
    }
    char status[128];
    status_text(c, status, sizeof status);
    json_t *labels = obj(obj(c->cfg, "Config"), "Labels");
    json_t *nets = json_deep_copy(ctr_networks(c));
    const char *nk;
    json_t *nep;
    json_object_foreach(nets, nk, nep) json_object_del(nep, "SkiffIf");
    json_t *j = json_pack("{s:O, s:[O], s:s, s:O, s:s, s:I, s:o, s:o, s:s, s:s, s:{s:s}, s:{s:o}, s:o}",
                          "Id", obj(c->cfg, "Id"), "Names", obj(c->cfg, "Name"), "Image",
                          str(c->cfg, "ImageName") ?: "", "ImageID", obj(c->cfg, "Image"), "Command",
                          cmd.s ? cmd.s : "", "Created",
                          (json_int_t)(sk_parse_rfc3339(str(c->cfg, "Created")) / 1000000000LL),
                          "Ports", ports_list(c), "Labels",
                          json_is_object(labels) ? json_incref(labels) : json_object(),
                          "State", ctr_status(c), "Status", status, "HostConfig", "NetworkMode",
                          str(obj(c->cfg, "HostConfig"), "NetworkMode") ?: "none", "NetworkSettings",
                          "Networks", nets ? nets : json_object(), "Mounts", mounts_view(c));
    sb_free(&cmd);
    return j;
}

static int by_created_desc(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "CreatedNs"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "CreatedNs"));
    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(json_string_value(json_object_get(*(json_t *const *)b, "Id")),
                  json_string_value(json_object_get(*(json_t *const *)a, "Id")));
}

int sk_container_list(struct sk_engine *e, bool all, json_t **out, sk_error *err)
{
    _cleanup_json_ json_t *ids = NULL;
    if (ctr_ids(e, &ids, err) < 0)
        return -1;
    size_t n = json_array_size(ids), k = 0, i;
    json_t **rows = calloc(n ? n : 1, sizeof *rows);
    if (rows == NULL)
        return sk_err(err, ENOMEM, "list");
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        struct ctr *c;
        if (ctr_load(e, json_string_value(v), &c, NULL) < 0)
            continue; /* removed meanwhile */
        ctr_reconcile(e, c);
        if (all || ctr_is_running(c)) {
            rows[k] = list_entry(c);
            json_object_set_new(rows[k++], "CreatedNs",
                                json_integer(sk_parse_rfc3339(json_string_value(json_object_get(c->cfg, "Created")))));
        }
        ctr_free(c);
    }
    qsort(rows, k, sizeof *rows, by_created_desc);
    *out = json_array();
    for (i = 0; i < k; i++) {
        json_object_del(rows[i], "CreatedNs");
        json_array_append_new(*out, rows[i]);
    }
    free(rows);
    return 0;
}

/* ---- logs ------------------------------------------------------------------------------ */

struct log_ctx {
    const struct sk_logs_opts *o;
    int (*sink)(void *, int, const char *, const char *, size_t);
    void *ud;
    /* tail: the last n entries, kept in a ring */
    json_t *ring;
    long keep;
};

static bool wanted(const struct log_ctx *x, int stream, const char *time)
{
    if ((stream == 1 && !x->o->stdout_) || (stream == 2 && !x->o->stderr_))
        return false;
    int64_t t = (x->o->since > 0 || x->o->until > 0) ? sk_parse_rfc3339(time) : 0;
    if (x->o->since > 0 && t < x->o->since)
        return false;
    if (x->o->until > 0 && t > x->o->until)
        return false;
    return true;
}

static int emit(void *ud, int stream, const char *time, const char *data, size_t len)
{
    struct log_ctx *x = ud;
    if (!wanted(x, stream, time))
        return 0;
    if (x->ring == NULL)
        return x->sink(x->ud, stream, time, data, len);
    if (x->keep == 0)
        return 0;
    json_array_append_new(x->ring, json_pack("{s:i, s:s, s:s%}", "s", stream, "t", time, "d", data, len));
    if ((long)json_array_size(x->ring) > x->keep)
        json_array_remove(x->ring, 0);
    return 0;
}

int sk_container_logs(struct sk_engine *e, const char *ref, const struct sk_logs_opts *o,
                      int (*sink)(void *ud, int stream, const char *time, const char *data,
                                  size_t len),
                      void *ud, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    const char *driver = str(obj(obj(c->cfg, "HostConfig"), "LogConfig"), "Type");
    if (driver != NULL && strcmp(driver, "json-file") && strcmp(driver, "local") && *driver)
        return sk_err(err, 0, "configured logging driver does not support reading");
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s-json.log", c->dir, c->id);
    struct log_ctx x = {.o = o, .sink = sink, .ud = ud, .keep = o->tail};
    if (o->tail >= 0)
        x.ring = json_array();
    struct log_pos pos = {0};
    struct stat st;
    if (stat(path, &st) == 0) { /* the file the first read starts in */
        pos.dev = st.st_dev;
        pos.ino = st.st_ino;
    }
    int r = logfile_read(path, true, &pos.pos, emit, &x, err);
    if (x.ring != NULL) {
        size_t i;
        json_t *en;
        json_array_foreach(x.ring, i, en) if (r == 0) r = sink(
            ud, (int)json_integer_value(obj(en, "s")), str(en, "t"), str(en, "d"),
            json_string_length(obj(en, "d")));
        json_decref(x.ring);
        x.ring = NULL;
    }
    while (r == 0 && o->follow) {
        /* the state as it is now (a stale one would have a reconcile lock a
         * container being removed); none: removed, the log is all read */
        if (ctr_reload_state(c, NULL) < 0)
            break;
        ctr_reconcile(e, c);
        bool running = ctr_is_running(c);
        struct log_pos before = pos;
        r = logfile_follow(path, &pos, emit, &x, err);
        bool same = pos.pos == before.pos && pos.ino == before.ino;
        if (r != 0 || (!running && same))
            break;
        if (same)
            usleep(50000);
    }
    return r < 0 ? -1 : 0;
}

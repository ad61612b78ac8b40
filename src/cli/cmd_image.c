/* images, image inspect, tag, rmi, image prune, image history */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "skiff/engine.h"
#include "image/image.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/template.h"

static const char *const image_headers[][2] = {
    {"ID", "IMAGE ID"},         {"Repository", "REPOSITORY"}, {"Tag", "TAG"},
    {"Digest", "DIGEST"},       {"CreatedSince", "CREATED"},  {"CreatedAt", "CREATED AT"},
    {"Size", "SIZE"},           {"VirtualSize", "SIZE"},      {"Containers", "CONTAINERS"},
    {"SharedSize", "SHARED SIZE"}, {"UniqueSize", "UNIQUE SIZE"}, {NULL, NULL},
};

struct filters {
    int dangling; /* -1 any, 0 false, 1 true */
    char **labels;
    char **refs;
};

static int parse_filter(const char *f, struct filters *fl)
{
    const char *eq = strchr(f, '=');
    if (eq == NULL)
        return cli_failf("bad format of filter (expected name=value)");
    size_t kl = (size_t)(eq - f);
    const char *v = eq + 1;
    if (kl == 8 && strncmp(f, "dangling", 8) == 0) {
        if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0"))
            return cli_failf("invalid filter 'dangling=%s'", v);
        fl->dangling = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
        return 0;
    }
    if (kl == 5 && strncmp(f, "label", 5) == 0)
        return sk_strv_push(&fl->labels, v) < 0 ? cli_failf("out of memory") : 0;
    if (kl == 9 && strncmp(f, "reference", 9) == 0)
        return sk_strv_push(&fl->refs, v) < 0 ? cli_failf("out of memory") : 0;
    return cli_failf("invalid filter '%.*s'", (int)kl, f);
}

static bool label_match(json_t *labels, char **want)
{
    for (size_t i = 0; want && want[i]; i++) {
        const char *eq = strchr(want[i], '=');
        char key[512];
        snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - want[i]) : (int)strlen(want[i]), want[i]);
        const char *v = json_string_value(json_object_get(labels, key));
        if (v == NULL || (eq != NULL && strcmp(v, eq + 1) != 0))
            return false;
    }
    return true;
}

static bool ref_match(const char *familiar_repo, const char *tag, char **pats)
{
    if (pats == NULL)
        return true;
    char full[1200];
    snprintf(full, sizeof full, "%s:%s", familiar_repo, tag);
    for (size_t i = 0; pats[i]; i++)
        if (fnmatch(pats[i], full, 0) == 0 || fnmatch(pats[i], familiar_repo, 0) == 0)
            return true;
    return false;
}

static json_t *row(const char *id, bool notrunc, const char *repo, const char *tag, const char *digest,
                   json_t *rec)
{
    char idb[80], size[32], since[64], at[64];
    snprintf(idb, sizeof idb, "%s", notrunc ? id : id + 7);
    if (!notrunc)
        idb[12] = '\0';
    human_size((uint64_t)json_integer_value(json_object_get(rec, "size")), size, sizeof size);
    time_t t = parse_time(json_string_value(json_object_get(rec, "created")));
    human_since(t, since, sizeof since);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", idb,
                     "Repository", repo, "Tag", tag, "Digest", digest, "CreatedSince", since,
                     "CreatedAt", t > 0 ? at : "N/A", "Size", size, "VirtualSize", size,
                     "SharedSize", "N/A", "UniqueSize", "N/A", "Containers", "N/A");
}

/* The digest recorded for repo, or "<none>". */
static const char *digest_for(json_t *digests, const char *repo)
{
    size_t i;
    json_t *d;
    size_t rl = strlen(repo);
    json_array_foreach(digests, i, d)
    {
        const char *s = json_string_value(d);
        if (strncmp(s, repo, rl) == 0 && s[rl] == '@')
            return s + rl + 1;
    }
    return "<none>";
}

static void add_rows(json_t *rows, json_t *rec, const struct filters *fl, const char *only_repo,
                     bool notrunc)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    json_t *tags = json_object_get(rec, "repo_tags"), *digests = json_object_get(rec, "repo_digests");
    if (fl->dangling == 1 && json_array_size(tags) > 0)
        return;
    if (fl->dangling == 0 && json_array_size(tags) == 0)
        return;
    if (fl->labels && !label_match(json_object_get(rec, "labels"), fl->labels))
        return;
    if (json_array_size(tags) == 0) {
        if (fl->refs == NULL && only_repo == NULL)
            json_array_append_new(rows, row(id, notrunc, "<none>", "<none>", "<none>", rec));
        return;
    }
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        const char *full = json_string_value(t);
        const char *colon = strrchr(full, ':');
        char repo[800], fam[800];
        snprintf(repo, sizeof repo, "%.*s", (int)(colon - full), full);
        image_repo_familiar(repo, fam, sizeof fam);
        if (only_repo != NULL && strcmp(only_repo, fam) != 0 && strcmp(only_repo, repo) != 0) {
            char onlyfull[1200];
            snprintf(onlyfull, sizeof onlyfull, "%s:%s", fam, colon + 1);
            if (strcmp(only_repo, onlyfull) != 0)
                continue;
        }
        if (!ref_match(fam, colon + 1, fl->refs))
            continue;
        json_array_append_new(rows, row(id, notrunc, fam, colon + 1, digest_for(digests, repo), rec));
    }
}

/* Labels live in the config: copy them onto the record for the filter. */
static void attach_labels(struct image_store *s, json_t *rec)
{
    json_t *cfg;
    const char *id = json_string_value(json_object_get(rec, "id"));
    if (image_config(s, id, &cfg, NULL) == 0) {
        json_t *l = json_object_get(json_object_get(cfg, "config"), "Labels");
        if (l)
            json_object_set(rec, "labels", l);
        json_decref(cfg);
    }
}

struct images_opts {
    bool quiet, digests, notrunc;
    const char *format, *only;
    struct filters fl;
};

static int show_images(struct cli *c, struct images_opts *o)
{
    char only_fam[1024];
    if (o->only != NULL) {
        struct image_ref r;
        char repo[800];
        if (image_ref_parse(o->only, &r, NULL) == 0) {
            image_ref_repo(&r, repo, sizeof repo);
            image_repo_familiar(repo, only_fam, sizeof only_fam);
            if (image_ref_has_tag(o->only) && r.tag[0])
                snprintf(only_fam + strlen(only_fam), sizeof only_fam - strlen(only_fam), ":%s", r.tag);
            o->only = only_fam;
        }
    }
    sk_error err;
    struct image_store *s = cli_store(c, &err);
    _cleanup_json_ json_t *all = NULL;
    if (s == NULL || store_list_images(s, &all, &err) < 0)
        return cli_fail(&err);
    _cleanup_json_ json_t *rows = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec)
    {
        if (o->fl.labels)
            attach_labels(s, rec);
        add_rows(rows, rec, &o->fl, o->only, o->notrunc);
    }
    if (o->quiet) {
        _cleanup_json_ json_t *seen = json_object();
        json_array_foreach(rows, i, rec)
        {
            const char *id = json_string_value(json_object_get(rec, "ID"));
            if (json_object_get(seen, id) == NULL)
                printf("%s\n", id);
            json_object_set_new(seen, id, json_true());
        }
        return 0;
    }
    const char *fmt = o->format;
    if (fmt == NULL)
        fmt = o->digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                         : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    return print_formatted(fmt, rows, image_headers, &err) < 0 ? cli_fail(&err) : 0;
}

static int cmd_images_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                         {"digests", no_argument, NULL, 'd'},
                                         {"no-trunc", no_argument, NULL, 'n'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"filter", required_argument, NULL, 'f'},
                                         {"format", required_argument, NULL, 'F'},
                                         {0}};
    struct images_opts io = {.fl = {.dangling = -1}};
    int o, ret = 0;
    while (ret == 0 && (o = getopt_long(argc, argv, "qaf:", opts, NULL)) != -1) {
        switch (o) {
        case 'q': io.quiet = true; break;
        case 'd': io.digests = true; break;
        case 'n': io.notrunc = true; break;
        case 'a': break;
        case 'f': if (parse_filter(optarg, &io.fl) != 0) ret = 125; break;
        case 'F': io.format = optarg; break;
        default: ret = cli_usage(&cmd_images, true);
        }
    }
    if (ret == 0 && optind < argc - 1)
        ret = cli_usage(&cmd_images, true);
    if (ret == 0) {
        io.only = optind < argc ? argv[optind] : NULL;
        ret = show_images(c, &io);
    }
    sk_strv_free(io.fl.labels);
    sk_strv_free(io.fl.refs);
    return ret;
}

static int cmd_inspect_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
        if (o != 'f')
            return cli_usage(&cmd_image_inspect, true);
        format = optarg;
    }
    if (optind >= argc)
        return cli_usage(&cmd_image_inspect, true);
    sk_error err;
    struct image_store *s = cli_store(c, &err);
    if (s == NULL)
        return cli_fail(&err);
    struct tmpl *t = NULL;
    if (format != NULL && tmpl_parse(format, &t, &err) < 0)
        return cli_fail(&err);
    json_t *all = json_array();
    int ret = 0;
    for (int i = optind; i < argc; i++) {
        char id[72];
        json_t *j;
        if (store_resolve(s, argv[i], id, &err) < 0 || (j = image_inspect(s, id, &err)) == NULL) {
            ret = cli_fail(&err);
            continue;
        }
        if (t != NULL) {
            char *out;
            if (tmpl_exec(t, j, &out, &err) < 0)
                ret = cli_fail(&err);
            else
                printf("%s\n", out), free(out);
            json_decref(j);
        } else {
            json_array_append_new(all, j);
        }
    }
    if (t == NULL) {
        char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        if (text)
            printf("%s\n", text);
        free(text);
    }
    json_decref(all);
    tmpl_free(t);
    return ret;
}

static int cmd_tag_run(struct cli *c, int argc, char **argv)
{
    if (getopt_long(argc, argv, "", (struct option[]){{0}}, NULL) != -1 || optind != argc - 2)
        return cli_usage(&cmd_tag, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL || sk_image_tag(e, argv[optind], argv[optind + 1], &err) < 0)
        return cli_fail(&err);
    return 0;
}

static int cmd_rmi_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"no-prune", no_argument, NULL, 'n'},
                                         {0}};
    bool force = false;
    int o;
    while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (o == 'f')
            force = true;
        else if (o != 'n')
            return cli_usage(&cmd_rmi, true);
    }
    if (optind >= argc)
        return cli_usage(&cmd_rmi, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int ret = 0;
    for (int i = optind; i < argc; i++) {
        json_t *events = json_array();
        if (sk_image_remove(e, argv[i], force, events, &err) < 0)
            ret = cli_fail(&err);
        size_t k;
        json_t *ev;
        json_array_foreach(events, k, ev)
        {
            const char *key;
            json_t *v;
            json_object_foreach(ev, key, v) printf("%s: %s\n", key, json_string_value(v));
        }
        json_decref(events);
    }
    return ret;
}

static bool confirm(const char *warning)
{
    fprintf(stderr, "%s\nAre you sure you want to continue? [y/N] ", warning);
    char line[16] = {0};
    if (fgets(line, sizeof line, stdin) == NULL)
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}

static int cmd_prune_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"filter", required_argument, NULL, 'F'},
                                         {0}};
    static const char *const kinds[] = {"label", "label!", "until", NULL};
    bool all = false, force = false;
    _cleanup_json_ json_t *filters = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "af", opts, NULL)) != -1) {
        if (o == 'a')
            all = true;
        else if (o == 'f')
            force = true;
        else if (o == 'F' && cli_add_filter(filters, optarg, kinds) < 0)
            return 1;
        else if (o != 'F')
            return cli_usage(&cmd_image_prune, true);
    }
    if (optind != argc)
        return cli_usage(&cmd_image_prune, true);
    if (!force && !confirm(all ? "WARNING! This will remove all images without at least one "
                                 "container associated to them."
                               : "WARNING! This will remove all dangling images."))
        return 0;
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    json_t *events = json_array();
    size_t i;
    json_t *rec;
    uint64_t freed = 0;
    if (sk_image_prune(e, all, filters, events, &freed, &err) < 0) {
        json_decref(events);
        return cli_fail(&err);
    }
    if (json_array_size(events) > 0) {
        printf("Deleted Images:\n");
        json_array_foreach(events, i, rec)
        {
            const char *key;
            json_t *v;
            json_object_foreach(rec, key, v)
            {
                char lower[16];
                snprintf(lower, sizeof lower, "%s", key);
                lower[0] = (char)(lower[0] | 0x20);
                printf("%s: %s\n", lower, json_string_value(v));
            }
        }
        printf("\n");
    }
    char size[32];
    human_size(freed, size, sizeof size);
    printf("Total reclaimed space: %s\n", size);
    json_decref(events);
    return 0;
}

static const char *const history_headers[][2] = {
    {"ID", "IMAGE"},          {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
    {"CreatedBy", "CREATED BY"}, {"Size", "SIZE"},         {"Comment", "COMMENT"},
    {NULL, NULL},
};

/* Local time as Go's time.RFC3339 writes it: "Z" for UTC, else +hh:mm. */
static void rfc3339_local(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    localtime_r(&t, &tm);
    char date[48];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff / 60;
    if (off == 0)
        snprintf(buf, cap, "%sZ", date);
    else
        snprintf(buf, cap, "%s%c%02ld:%02ld", date, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* An entry of sk_image_history as docker's CLI shows it: human (sizes and
 * times for people) or not (bytes, RFC 3339), CREATED BY cut at 45. */
static json_t *history_row(json_t *h, bool human, bool no_trunc)
{
    const char *id = json_string_value(json_object_get(h, "Id")) ?: "";
    char idb[80], since[64], at[64], size[32], by[4096];
    snprintf(idb, sizeof idb, "%.*s", no_trunc ? 71 : 12, strncmp(id, "sha256:", 7) || no_trunc ? id : id + 7);
    time_t t = (time_t)json_integer_value(json_object_get(h, "Created"));
    rfc3339_local(t, at, sizeof at);
    human_since(t, since, sizeof since);
    uint64_t bytes = (uint64_t)json_integer_value(json_object_get(h, "Size"));
    if (human)
        human_size(bytes, size, sizeof size);
    else
        snprintf(size, sizeof size, "%llu", (unsigned long long)bytes);
    snprintf(by, sizeof by, "%s", json_string_value(json_object_get(h, "CreatedBy")) ?: "");
    for (char *p = by; *p; p++)
        if (*p == '\t')
            *p = ' ';
    if (!no_trunc && strlen(by) > 45)
        snprintf(by + 44, sizeof by - 44, "…");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", idb, "CreatedSince", human ? since : at,
                     "CreatedAt", at, "CreatedBy", by, "Size", size, "Comment",
                     json_string_value(json_object_get(h, "Comment")) ?: "");
}

static int cmd_history_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                         {"no-trunc", no_argument, NULL, 'n'},
                                         {"human", optional_argument, NULL, 'H'},
                                         {"format", required_argument, NULL, 'F'},
                                         {0}};
    bool quiet = false, no_trunc = false, human = true;
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "qH::", opts, NULL)) != -1) {
        switch (o) {
        case 'q': quiet = true; break;
        case 'n': no_trunc = true; break;
        case 'F': format = optarg; break;
        case 'H':
            if (optarg != NULL && optarg[0] == '=') /* -H=false, as docker's flags take it */
                optarg++;
            if (optarg == NULL || !strcmp(optarg, "true") || !strcmp(optarg, "1"))
                human = true;
            else if (!strcmp(optarg, "false") || !strcmp(optarg, "0"))
                human = false;
            else
                return cli_failf("invalid argument \"%s\" for \"-H, --human\" flag: a boolean", optarg);
            break;
        default: return cli_usage(&cmd_image_history, true);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&cmd_image_history, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *hist = NULL;
    if (e == NULL || sk_image_history(e, argv[optind], &hist, &err) < 0)
        return cli_fail(&err);
    _cleanup_json_ json_t *rows = json_array();
    size_t i;
    json_t *h;
    json_array_foreach(hist, i, h) json_array_append_new(rows, history_row(h, human, no_trunc));
    if (format == NULL)
        format = quiet   ? "{{.ID}}"
                 : human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
                         : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    return print_formatted(format, rows, history_headers, &err) < 0 ? cli_fail(&err) : 0;
}

const struct cli_cmd cmd_images = {
    "images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images",
    "  -a, --all             Show all images (the default; kept for docker's users)\n"
    "      --digests         Show digests\n"
    "  -f, --filter filter   Filter output: dangling=true|false, label=KEY[=VALUE], reference=PATTERN\n"
    "      --format string   Format output using a Go template (\"table ...\" for a table)\n"
    "      --no-trunc        Don't truncate output\n"
    "  -q, --quiet           Only show image IDs\n",
    cmd_images_run};

const struct cli_cmd cmd_image_inspect = {
    "image inspect", "[OPTIONS] IMAGE [IMAGE...]", "Display detailed information on one or more images",
    "  -f, --format string   Format output using a Go template\n", cmd_inspect_run};

const struct cli_cmd cmd_tag = {"tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
                                "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", "",
                                cmd_tag_run};

const struct cli_cmd cmd_rmi = {"rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images",
                                "  -f, --force      Force removal of the image (all its names)\n"
                                "      --no-prune   Accepted for docker's users\n",
                                cmd_rmi_run};

const struct cli_cmd cmd_image_prune = {"image prune", "[OPTIONS]", "Remove unused images",
                                        "  -a, --all             Remove all unused images, not just dangling ones\n"
                                        "      --filter filter   Provide filter values (label=, label!=, until=)\n"
                                        "  -f, --force           Do not prompt for confirmation\n",
                                        cmd_prune_run};

const struct cli_cmd cmd_image_history = {
    "image history", "[OPTIONS] IMAGE", "Show the history of an image",
    "      --format string   Format output using a Go template (\"table ...\" for a table):\n"
    "                        .ID, .CreatedSince, .CreatedAt, .CreatedBy, .Size, .Comment\n"
    "  -H, --human           Print sizes and dates in human readable format (default true;\n"
    "                        --human=false: bytes and RFC 3339 times)\n"
    "      --no-trunc        Don't truncate output\n"
    "  -q, --quiet           Only show image IDs\n",
    cmd_history_run};

/* pull, login, logout */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "image/reference.h"
#include "image/registry.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

/* ---- progress ------------------------------------------------------------------ */

struct layer_line {
    char id[13];
    const char *state;
    uint64_t done, total;
};

struct progress {
    bool tty, quiet;
    char tag[160], path[600];
    struct layer_line *lines;
    size_t n, known; /* lines, lines with a state */
    bool drawn;
    struct timespec last;
};

static void short_id(const char *digest, char out[13])
{
    const char *h = strchr(digest, ':');
    snprintf(out, 13, "%s", h ? h + 1 : digest);
}

static void draw_line(const struct layer_line *l)
{
    printf("\r\033[K%s: %s", l->id, l->state);
    if (strcmp(l->state, "Downloading") == 0 && l->total > 0) {
        char d[32], t[32], bar[52];
        human_size(l->done, d, sizeof d);
        human_size(l->total, t, sizeof t);
        size_t w = (size_t)(50 * (l->done < l->total ? l->done : l->total) / l->total);
        memset(bar, ' ', 50);
        memset(bar, '=', w);
        if (w < 50)
            bar[w] = '>';
        bar[50] = '\0';
        printf(" [%s]  %s/%s", bar, d, t);
    }
    printf("\n");
}

/* Redraw every layer's line and a total, at most ten times a second. */
static void redraw(struct progress *p, bool force)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
    if (!force && p->drawn && ms < 100)
        return;
    p->last = now;
    if (p->drawn)
        printf("\033[%zuA", p->n + 1);
    uint64_t done = 0, total = 0;
    for (size_t i = 0; i < p->n; i++) {
        draw_line(&p->lines[i]);
        done += p->lines[i].done;
        total += p->lines[i].total;
    }
    char d[32], t[32];
    human_size(done, d, sizeof d);
    human_size(total, t, sizeof t);
    printf("\r\033[KTotal: %s/%s\n", d, t);
    p->drawn = true;
    fflush(stdout);
}

static void on_progress(void *ud, const struct pull_event *ev)
{
    struct progress *p = ud;
    if (p->quiet)
        return;
    if (ev->kind == PULL_RESOLVED) {
        printf("%s: Pulling from %s\n", p->tag, p->path);
        free(p->lines);
        p->lines = calloc(ev->n_layers ? ev->n_layers : 1, sizeof *p->lines);
        p->n = p->lines ? ev->n_layers : 0;
        p->known = 0;
        fflush(stdout);
        return;
    }
    if (ev->layer < 0 || (size_t)ev->layer >= p->n)
        return;
    struct layer_line *l = &p->lines[ev->layer];
    short_id(ev->digest, l->id);
    if (l->state == NULL)
        p->known++;
    const char *plain = NULL;
    switch (ev->kind) {
    case PULL_LAYER_EXISTS:
        l->state = plain = "Already exists";
        break;
    case PULL_LAYER_WAITING:
        l->state = plain = "Pulling fs layer";
        l->total = ev->total;
        break;
    case PULL_LAYER_PROGRESS:
        l->state = "Downloading";
        l->done = ev->done;
        l->total = ev->total ? ev->total : ev->done;
        break;
    case PULL_LAYER_DONE:
        l->state = plain = "Pull complete";
        l->done = ev->done;
        l->total = ev->total;
        break;
    default:
        return;
    }
    if (p->tty) {
        if (p->known == p->n) /* every line has something to say */
            redraw(p, ev->kind != PULL_LAYER_PROGRESS);
    } else if (plain != NULL) {
        printf("%s: %s\n", l->id, plain);
        fflush(stdout);
    }
}

/* ---- pull ---------------------------------------------------------------------- */

/* One reference, with docker's lines; 0, or 1 after saying why not. */
static int pull_one(struct sk_engine *e, const struct image_ref *ref, struct pull_opts *po,
                    struct progress *pr)
{
    char full[1200], fam[1200];
    image_ref_string(ref, full, sizeof full);
    image_ref_familiar(ref, fam, sizeof fam);
    snprintf(pr->tag, sizeof pr->tag, "%s", ref->digest[0] ? ref->digest : ref->tag);
    snprintf(pr->path, sizeof pr->path, "%s", ref->path);
    po->progress = on_progress;
    po->ud = pr;
    sk_error err;
    struct pull_result res;
    int r = sk_image_pull(e, full, po, &res, &err);
    free(pr->lines);
    pr->lines = NULL;
    pr->n = pr->known = 0;
    pr->drawn = false;
    if (r < 0)
        return cli_fail(&err);
    if (!pr->quiet) {
        printf("Digest: %s\n", res.digest);
        printf("Status: %s for %s\n", res.fresh ? "Downloaded newer image" : "Image is up to date",
               fam);
    }
    printf("%s\n", res.name);
    return 0;
}

static int cmd_pull_run(struct cli *c, int argc, char **argv)
{
    enum { O_PLATFORM = 256, O_DCT };
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                         {"platform", required_argument, NULL, O_PLATFORM},
                                         {"disable-content-trust", optional_argument, NULL, O_DCT},
                                         {"all-tags", no_argument, NULL, 'a'},
                                         {0}};
    struct pull_opts po = {0};
    struct progress pr = {.tty = isatty(1)};
    bool all = false;
    int o;
    while ((o = getopt_long(argc, argv, "qa", opts, NULL)) != -1) {
        if (o == 'q')
            pr.quiet = true;
        else if (o == O_PLATFORM)
            po.platform = optarg;
        else if (o == 'a')
            all = true;
        else if (o != O_DCT)
            return cli_usage(&cmd_pull, true);
    }
    if (optind != argc - 1)
        return cli_usage(&cmd_pull, true);
    sk_error err;
    struct image_ref ref;
    if (image_ref_parse(argv[optind], &ref, &err) < 0)
        return cli_fail(&err);
    if (all && image_ref_has_tag(argv[optind]))
        return cli_failf("tag can't be used with --all-tags/-a");
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    if (!all) {
        if (!ref.tag[0] && !ref.digest[0])
            snprintf(ref.tag, sizeof ref.tag, "latest");
        return pull_one(e, &ref, &po, &pr);
    }
    char repo[1200];
    image_ref_repo(&ref, repo, sizeof repo);
    _cleanup_json_ json_t *tags = NULL;
    if (sk_image_tags(e, repo, &po, &tags, &err) < 0)
        return cli_fail(&err);
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        snprintf(ref.tag, sizeof ref.tag, "%s", json_string_value(t));
        if (pull_one(e, &ref, &po, &pr) != 0)
            return 1;
    }
    return 0;
}

/* ---- login / logout -------------------------------------------------------------- */

/* "https://host:5000/v2/" -> "host:5000"; Docker Hub's spellings -> "docker.io" */
static void server_name(const char *arg, char *buf, size_t cap)
{
    const char *s = arg ? arg : "docker.io";
    if (strncmp(s, "https://", 8) == 0)
        s += 8;
    else if (strncmp(s, "http://", 7) == 0)
        s += 7;
    snprintf(buf, cap, "%.*s", (int)strcspn(s, "/"), s);
    if (strcmp(buf, "index.docker.io") == 0 || strcmp(buf, "registry-1.docker.io") == 0)
        snprintf(buf, cap, "docker.io");
}

static char *read_line(FILE *f, bool echo)
{
    struct termios old, quiet;
    bool tty = !echo && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(f), TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (tty) {
        tcsetattr(fileno(f), TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

static int cmd_login_run(struct cli *c, int argc, char **argv)
{
    enum { O_STDIN = 256 };
    static const struct option opts[] = {{"username", required_argument, NULL, 'u'},
                                         {"password", required_argument, NULL, 'p'},
                                         {"password-stdin", no_argument, NULL, O_STDIN},
                                         {0}};
    _cleanup_free_ char *user = NULL, *pass = NULL;
    bool from_stdin = false;
    int o;
    while ((o = getopt_long(argc, argv, "u:p:", opts, NULL)) != -1) {
        if (o == 'u') {
            free(user);
            user = strdup(optarg);
        } else if (o == 'p') {
            free(pass);
            pass = strdup(optarg);
        } else if (o == O_STDIN) {
            from_stdin = true;
        } else {
            return cli_usage(&cmd_login, true);
        }
    }
    if (optind < argc - 1)
        return cli_usage(&cmd_login, true);
    char server[512];
    server_name(optind < argc ? argv[optind] : NULL, server, sizeof server);
    if (from_stdin && pass != NULL)
        return cli_failf("--password and --password-stdin are mutually exclusive");
    if (from_stdin && user == NULL)
        return cli_failf("Must provide --username with --password-stdin");
    if (pass != NULL)
        fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (from_stdin) {
        pass = read_line(stdin, true);
        if (pass == NULL)
            return cli_failf("no password on stdin");
    }
    if (user == NULL) {
        if (!isatty(0))
            return cli_failf("Cannot perform an interactive login from a non TTY device");
        fprintf(stderr, "Username: ");
        user = read_line(stdin, true);
    }
    if (pass == NULL && user != NULL) {
        if (!isatty(0))
            return cli_failf("Cannot perform an interactive login from a non TTY device");
        fprintf(stderr, "Password: ");
        pass = read_line(stdin, false);
    }
    if (user == NULL || pass == NULL || !*user)
        return cli_failf("login to %s: a username and a password are required", server);
    if (strchr(user, ':') != NULL)
        return cli_failf("login to %s: a username cannot contain ':'", server);
    sk_error err;
    if (registry_login(server, user, pass, c->insecure, &err) < 0)
        return cli_fail(&err);
    char path[4096];
    registry_auth_path(NULL, path, sizeof path);
    if (registry_auth_store(path, server, user, pass, NULL, &err) < 0)
        return cli_fail(&err);
    fprintf(stderr, "WARNING! Your password will be stored unencrypted in %s.\n", path);
    printf("Login Succeeded\n");
    return 0;
}

static int cmd_logout_run(struct cli *c, int argc, char **argv)
{
    (void)c;
    if (getopt_long(argc, argv, "", (const struct option[]){{0}}, NULL) != -1 || optind < argc - 1)
        return cli_usage(&cmd_logout, true);
    char server[512], path[4096];
    server_name(optind < argc ? argv[optind] : NULL, server, sizeof server);
    registry_auth_path(NULL, path, sizeof path);
    sk_error err;
    bool removed = false;
    _cleanup_free_ char *creds = NULL;
    if (registry_auth_load(path, server, &creds, &err) < 0)
        return cli_fail(&err);
    if (creds == NULL) {
        printf("Not logged in to %s\n", server);
        return 0;
    }
    printf("Removing login credentials for %s\n", server);
    if (registry_auth_store(path, server, NULL, NULL, &removed, &err) < 0)
        return cli_fail(&err);
    return 0;
}

const struct cli_cmd cmd_pull = {
    "pull", "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry",
    "  -a, --all-tags         Download all tagged images in the repository\n"
    "      --platform string  Set platform (os/arch[/variant]) if the image is multi-platform\n"
    "  -q, --quiet            Suppress verbose output\n",
    cmd_pull_run};
const struct cli_cmd cmd_login = {
    "login", "[OPTIONS] [SERVER]",
    "Log in to a registry (docker.io when no server is given)\n\n"
    "The credentials are kept where docker keeps them: $DOCKER_CONFIG/config.json,\n"
    "else ~/.docker/config.json (\"auths\", base64 user:password, mode 0600).",
    "  -p, --password string   Password\n"
    "      --password-stdin    Take the password from stdin\n"
    "  -u, --username string   Username\n",
    cmd_login_run};
const struct cli_cmd cmd_logout = {
    "logout", "[SERVER]", "Log out from a registry (docker.io when no server is given)", "",
    cmd_logout_run};

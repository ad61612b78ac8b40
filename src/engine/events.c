/* events.c - docker's event stream, kept in <root>/events.log: one JSON
 * object a line, appended with O_APPEND (whole lines: a write of a line is
 * atomic between the CLI, the monitors and the API server), the older half
 * rotated into events.log.1 past 4 MiB. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#define EVENTS_MAX (4u << 20)

static void events_path(struct sk_engine *e, char *buf, size_t cap, bool old)
{
    snprintf(buf, cap, "%s/events.log%s", e->root, old ? ".1" : "");
}

void sk_event(struct sk_engine *e, const char *type, const char *action, const char *id,
              json_t *attrs)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    json_int_t nano = (json_int_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    if (attrs == NULL)
        attrs = json_object();
    json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:o}, s:s, s:I, s:I}", "Type", type, "Action",
                           action, "Actor", "ID", id ? id : "", "Attributes", attrs, "scope",
                           "local", "time", (json_int_t)ts.tv_sec, "timeNano", nano);
    if (ev == NULL)
        return;
    if (strcmp(type, "container") == 0 || strcmp(type, "image") == 0) { /* the old fields */
        json_object_set_new(ev, "status", json_string(action));
        json_object_set_new(ev, "id", json_string(id ? id : ""));
        const char *from = json_string_value(json_object_get(attrs, "image"));
        if (from != NULL)
            json_object_set_new(ev, "from", json_string(from));
    }
    char *line = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (line == NULL)
        return;
    char path[PATH_MAX];
    events_path(e, path, sizeof path, false);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && (uint64_t)st.st_size > EVENTS_MAX && flock(fd, LOCK_EX | LOCK_NB) == 0) {
            char old[PATH_MAX];
            events_path(e, old, sizeof old, true);
            rename(path, old); /* writers holding the old file finish there */
            close(fd);
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        }
    }
    if (fd >= 0) {
        size_t n = strlen(line);
        line[n] = '\n';
        if (write(fd, line, n + 1) < 0) {
            /* events are best effort: the operation itself succeeded */
        }
        close(fd);
    }
    free(line);
}

void sk_event_container(struct sk_engine *e, json_t *cfg, const char *action, json_t *extra)
{
    json_t *attrs = json_object();
    const char *name = json_string_value(json_object_get(cfg, "Name"));
    json_object_set_new(attrs, "name", json_string(name && name[0] == '/' ? name + 1 : name ? name : ""));
    json_object_set_new(attrs, "image", json_string(json_string_value(json_object_get(cfg, "ImageName")) ?: ""));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(json_object_get(cfg, "Config"), "Labels"), k, v)
        json_object_set(attrs, k, v);
    if (extra != NULL) {
        json_object_update(attrs, extra);
        json_decref(extra);
    }
    sk_event(e, "container", action, json_string_value(json_object_get(cfg, "Id")), attrs);
}

static bool event_test(void *ud, const char *kind, const char *f)
{
    json_t *ev = ud;
    json_t *actor = json_object_get(ev, "Actor");
    json_t *attrs = json_object_get(actor, "Attributes");
    const char *action = json_string_value(json_object_get(ev, "Action"));
    const char *id = json_string_value(json_object_get(actor, "ID"));
    if (!strcmp(kind, "type"))
        return sk_streq(json_string_value(json_object_get(ev, "Type")), f);
    if (!strcmp(kind, "event"))
        return action != NULL && (strcmp(action, f) == 0 || sk_str_has_prefix(action, f));
    if (!strcmp(kind, "container") || !strcmp(kind, "image"))
        return (id && sk_str_has_prefix(id, f)) ||
               sk_streq(json_string_value(json_object_get(attrs, "name")), f) ||
               (!strcmp(kind, "image") && sk_streq(json_string_value(json_object_get(attrs, "image")), f));
    if (!strcmp(kind, "label"))
        return sk_json_label_match(attrs, f);
    return false;
}

static bool matches(json_t *ev, json_t *filters)
{
    return sk_filters_match(filters, event_test, ev);
}

/* Read one file from *pos, calling sink for each event in [since, until]. */
static int read_events(const char *path, uint64_t *pos, int64_t since, int64_t until, json_t *filters,
                       int (*sink)(void *, json_t *), void *ud, bool *past_until)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    if (pos && *pos && fseeko(f, (off_t)*pos, SEEK_SET) < 0) {
        fclose(f);
        return 0;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    off_t done = pos ? (off_t)*pos : 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n')
            break;
        done += n;
        json_t *ev = json_loadb(line, (size_t)n, 0, NULL);
        int64_t t = (int64_t)json_integer_value(json_object_get(ev, "timeNano"));
        if (until > 0 && t > until)
            *past_until = true;
        else if (ev != NULL && t >= since && matches(ev, filters))
            rc = sink(ud, ev);
        json_decref(ev);
    }
    free(line);
    fclose(f);
    if (pos)
        *pos = (uint64_t)done;
    return rc;
}

int sk_events(struct sk_engine *e, int64_t since, int64_t until, json_t *filters, bool follow,
              int (*sink)(void *ud, json_t *event), void *ud, sk_error *err)
{
    (void)err;
    char path[PATH_MAX], old[PATH_MAX];
    events_path(e, path, sizeof path, false);
    events_path(e, old, sizeof old, true);
    bool past = false;
    struct stat st;
    uint64_t pos = 0;
    ino_t ino = stat(path, &st) == 0 ? st.st_ino : 0;
    if (since > 0 || until > 0) {
        int rc = read_events(old, NULL, since, until, filters, sink, ud, &past);
        if (rc == 0)
            rc = read_events(path, &pos, since, until, filters, sink, ud, &past);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    } else {
        pos = ino ? (uint64_t)st.st_size : 0; /* only what happens from now on */
    }
    while (follow && !past) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (until > 0 && (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec > until)
            break;
        usleep(50000);
        if (stat(path, &st) == 0 && st.st_ino != ino) { /* rotated: the rest of the old one, then the new */
            read_events(old, &pos, since, until, filters, sink, ud, &past);
            ino = st.st_ino;
            pos = 0;
        }
        int rc = read_events(path, &pos, since, until, filters, sink, ud, &past);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    return 0;
}

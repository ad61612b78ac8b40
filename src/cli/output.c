/* output.c - docker's units, tables and --format handling. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/strbuf.h"
#include "util/template.h"

void human_size(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = (double)bytes;
    size_t i = 0;
    while (v >= 1000 && i < 5) {
        v /= 1000;
        i++;
    }
    snprintf(buf, cap, "%.3g%s", v, units[i]);
}

void human_size_binary(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)bytes;
    size_t i = 0;
    while (v >= 1024 && i < 5) {
        v /= 1024;
        i++;
    }
    snprintf(buf, cap, "%.4g%s", v, units[i]);
}

void human_since(time_t then, char *buf, size_t cap)
{
    if (then <= 0) {
        snprintf(buf, cap, "N/A");
        return;
    }
    char d[64];
    sk_human_duration((int64_t)(time(NULL) - then), d, sizeof d);
    snprintf(buf, cap, "%s ago", d);
}

time_t parse_time(const char *s)
{
    struct tm tm = {0};
    if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return 0;
    return timegm(&tm);
}

void table_init(struct table *t, size_t cols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
}

void table_add_row(struct table *t, char *const *cells, size_t n)
{
    if ((t->rows + 1) * t->cols > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : t->cols * 16;
        char **nc = realloc(t->cells, cap * sizeof *nc);
        if (nc == NULL)
            return;
        t->cells = nc;
        t->cap = cap;
    }
    for (size_t c = 0; c < t->cols; c++)
        t->cells[t->rows * t->cols + c] = strdup(c < n && cells[c] ? cells[c] : "");
    t->rows++;
}

void table_add(struct table *t, ...)
{
    char *cells[32];
    va_list ap;
    va_start(ap, t);
    for (size_t c = 0; c < t->cols && c < 32; c++)
        cells[c] = va_arg(ap, char *);
    va_end(ap);
    table_add_row(t, cells, t->cols < 32 ? t->cols : 32);
}

/* Split s at tabs into cells (s is modified). */
static size_t split_tabs(char *s, char **cells, size_t max)
{
    size_t n = 0;
    char *p = s;
    while (p != NULL && n < max) {
        cells[n++] = p;
        p = strchr(p, '\t');
        if (p != NULL)
            *p++ = '\0';
    }
    return n;
}

/* Width in characters (UTF-8 code points), as Go's tabwriter counts. */
static size_t width(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

void table_print(struct table *t)
{
    size_t *w = calloc(t->cols, sizeof *w);
    if (w == NULL)
        return;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            const char *s = t->cells[r * t->cols + c];
            size_t l = width(s);
            if (l + 3 > w[c])
                w[c] = l + 3;
        }
    for (size_t c = 0; c < t->cols; c++)
        if (w[c] < 10)
            w[c] = 10;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++) {
            const char *s = t->cells[r * t->cols + c];
            if (c + 1 == t->cols)
                printf("%s\n", s ? s : "");
            else
                printf("%s%*s", s ? s : "", (int)(w[c] - width(s)), "");
        }
    }
    free(w);
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* "table {{.A}}\t{{.B}}": the header replaces each {{.Field}} by its name. */
static char *header_of(const char *fmt, const char *const headers[][2])
{
    struct strbuf b = {0};
    const char *p = fmt;
    while (*p) {
        const char *o = strstr(p, "{{");
        if (o == NULL) {
            sb_puts(&b, p);
            break;
        }
        sb_add(&b, p, (size_t)(o - p));
        const char *c = strstr(o, "}}");
        if (c == NULL) {
            sb_puts(&b, o);
            break;
        }
        char field[64] = "";
        sscanf(o, "{{ .%63[A-Za-z]", field);
        if (field[0] == '\0')
            sscanf(o, "{{.%63[A-Za-z]", field);
        const char *h = field;
        for (size_t i = 0; headers[i][0] != NULL; i++)
            if (strcmp(headers[i][0], field) == 0)
                h = headers[i][1];
        sb_puts(&b, h);
        p = c + 2;
    }
    return sb_take(&b);
}

void row_labels(json_t *row)
{
    json_t *labels = json_object_get(row, "Labels");
    size_t k;
    const char **keys = sk_json_sorted_keys(labels, &k);
    struct strbuf b = {0};
    for (size_t i = 0; i < k; i++)
        sb_printf(&b, "%s%s=%s", i ? "," : "", keys[i], json_string_value(json_object_get(labels, keys[i])) ?: "");
    free(keys);
    json_object_set_new(row, "Label", json_is_object(labels) ? json_incref(labels) : json_object());
    json_object_set_new(row, "Labels", json_string(b.s ? b.s : ""));
    sb_free(&b);
}

int print_formatted(const char *format, json_t *rows, const char *const headers[][2],
                    sk_error *err)
{
    bool table = strncmp(format, "table", 5) == 0;
    const char *body = table ? format + 5 : format;
    while (table && (*body == ' ' || *body == '\t'))
        body++;
    /* docker unescapes \t and \n in --format */
    struct strbuf f = {0};
    for (const char *p = body; *p; p++) {
        if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
            sb_add(&f, p[1] == 't' ? "\t" : "\n", 1);
            p++;
        } else {
            sb_add(&f, p, 1);
        }
    }
    char *fmt = sb_take(&f);
    struct tmpl *t;
    if (tmpl_parse(fmt ? fmt : "", &t, err) < 0) {
        free(fmt);
        return -1;
    }
    struct table tab;
    size_t ncols = 1;
    for (const char *p = fmt; p && *p; p++)
        ncols += *p == '\t';
    table_init(&tab, table ? ncols : 1);
    int r = 0;
    char *cells[64];
    if (table) {
        char *h = header_of(fmt, headers);
        if (h != NULL)
            table_add_row(&tab, cells, split_tabs(h, cells, 64));
        free(h);
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        char *out;
        if (tmpl_exec(t, row, &out, err) < 0) {
            r = -1;
            break;
        }
        if (table)
            table_add_row(&tab, cells, split_tabs(out, cells, 64));
        else
            printf("%s\n", out);
        free(out);
    }
    if (table && r == 0)
        table_print(&tab);
    table_free(&tab);
    tmpl_free(t);
    free(fmt);
    return r;
}

int cli_add_filter(json_t *filters, const char *arg, const char *const *kinds)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL)
        return cli_failf("bad format of filter (expected name=value)"), -1;
    char kind[64];
    snprintf(kind, sizeof kind, "%.*s", (int)(eq - arg), arg);
    bool ok = kinds == NULL;
    for (const char *const *k = kinds; k && *k; k++)
        ok |= strcmp(*k, kind) == 0;
    if (!ok)
        return cli_failf("invalid filter '%s'", kind), -1;
    json_t *vals = json_object_get(filters, kind);
    if (vals == NULL) {
        vals = json_array();
        json_object_set_new(filters, kind, vals);
    }
    json_array_append_new(vals, json_string(eq + 1));
    return 0;
}

int print_inspected(const char *format, json_t *objects)
{
    if (format == NULL) {
        char *text = json_dumps(objects, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "[]");
        free(text);
        return 0;
    }
    size_t i;
    json_t *j;
    json_array_foreach(objects, i, j)
    {
        char *s = NULL;
        sk_error err;
        if (tmpl_render(format, j, &s, &err) < 0)
            return cli_fail(&err);
        printf("%s\n", s);
        free(s);
    }
    return 0;
}

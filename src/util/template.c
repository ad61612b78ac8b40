/* template.c - a small Go text/template over JSON values. */
#define _GNU_SOURCE
#include "util/template.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/json.h"
#include "util/strbuf.h"

/* ---- the tree ---------------------------------------------------------------- */

enum arg_kind { A_FIELD, A_VAR, A_STRING, A_NUMBER, A_BOOL, A_NIL, A_IDENT, A_PIPE };

struct pipe;

struct arg {
    enum arg_kind kind;
    const char *str;     /* identifier, string, variable name ("$" for the root) */
    const char **fields; /* .A.B after a field, variable or (pipe) */
    size_t n_fields;
    json_t *num;         /* A_NUMBER */
    bool b;
    struct pipe *sub;    /* A_PIPE */
};

struct cmd {
    struct arg *args;
    size_t n;
};

struct pipe {
    const char *decl[2]; /* $k, $v := */
    size_t n_decl;
    struct cmd *cmds;
    size_t n;
};

enum node_kind { N_TEXT, N_ACTION, N_RANGE, N_IF, N_WITH };

struct node {
    enum node_kind kind;
    const char *text;
    size_t len;
    struct pipe *pipe;
    struct node *body, *els;
    size_t n_body, n_els;
};

struct tmpl {
    struct sk_arena arena;
    struct node *nodes;
    size_t n;
    json_t *nums; /* owns the number literals */
};

/* ---- splitting text and actions ------------------------------------------------ */

struct item {
    bool action;
    const char *s;
    size_t len;
};

struct parser {
    struct tmpl *t;
    struct item *items;
    size_t n, pos;
    sk_error *err;
};

static int split_items(struct parser *p, const char *src)
{
    size_t cap = 16;
    p->items = sk_arena_alloc(&p->t->arena, cap * sizeof *p->items);
    const char *s = src;
    while (p->items != NULL && *s) {
        const char *open = strstr(s, "{{");
        const char *text_end = open ? open : s + strlen(s);
        const char *next = text_end;
        struct item act = {0};
        if (open != NULL) {
            const char *a = open + 2;
            bool ltrim = a[0] == '-' && (a[1] == ' ' || a[1] == '\t' || a[1] == '\n');
            if (ltrim)
                a++;
            /* find the closing braces outside string literals */
            const char *c = a;
            char q = 0;
            for (; *c; c++) {
                if (q) {
                    if (*c == '\\' && q == '"' && c[1])
                        c++;
                    else if (*c == q)
                        q = 0;
                } else if (*c == '"' || *c == '`') {
                    q = *c;
                } else if (c[0] == '}' && c[1] == '}') {
                    break;
                }
            }
            if (*c == '\0')
                return sk_err(p->err, 0, "template: unclosed action");
            const char *a_end = c;
            bool rtrim = a_end > a && a_end[-1] == '-' && a_end - 1 > a &&
                         (a_end[-2] == ' ' || a_end[-2] == '\t' || a_end[-2] == '\n');
            if (rtrim)
                a_end--;
            if (ltrim)
                while (text_end > s && isspace((unsigned char)text_end[-1]))
                    text_end--;
            act = (struct item){true, a, (size_t)(a_end - a)};
            next = c + 2;
            if (rtrim)
                while (isspace((unsigned char)*next))
                    next++;
        }
        if (p->n + 2 >= cap) {
            struct item *ni = sk_arena_alloc(&p->t->arena, cap * 2 * sizeof *ni);
            if (ni == NULL)
                return sk_err(p->err, ENOMEM, "template");
            memcpy(ni, p->items, p->n * sizeof *ni);
            p->items = ni;
            cap *= 2;
        }
        if (text_end > s)
            p->items[p->n++] = (struct item){false, s, (size_t)(text_end - s)};
        if (open != NULL)
            p->items[p->n++] = act;
        s = next;
    }
    return p->items == NULL ? sk_err(p->err, ENOMEM, "template") : 0;
}

/* ---- lexing an action ------------------------------------------------------------ */

struct lexer {
    const char *s, *end;
    struct parser *p;
};

static void skip_space(struct lexer *l)
{
    while (l->s < l->end && isspace((unsigned char)*l->s))
        l->s++;
}

static char *dup_range(struct parser *p, const char *a, size_t n)
{
    char *r = sk_arena_alloc(&p->t->arena, n + 1);
    if (r != NULL)
        memcpy(r, a, n);
    return r;
}

/* ".A.B" into fields; l->s at the first '.' */
static int lex_fields(struct lexer *l, struct arg *a)
{
    size_t cap = 0;
    while (l->s < l->end && *l->s == '.' && l->s + 1 < l->end &&
           (isalnum((unsigned char)l->s[1]) || l->s[1] == '_')) {
        const char *b = ++l->s;
        while (l->s < l->end && (isalnum((unsigned char)*l->s) || *l->s == '_'))
            l->s++;
        if (a->n_fields == cap) {
            cap = cap ? cap * 2 : 4;
            const char **nf = sk_arena_alloc(&l->p->t->arena, cap * sizeof *nf);
            if (nf == NULL)
                return sk_err(l->p->err, ENOMEM, "template");
            if (a->n_fields)
                memcpy(nf, a->fields, a->n_fields * sizeof *nf);
            a->fields = nf;
        }
        a->fields[a->n_fields++] = dup_range(l->p, b, (size_t)(l->s - b));
    }
    return 0;
}

static struct pipe *parse_pipe(struct lexer *l, bool in_parens);

static int lex_string(struct lexer *l, struct arg *a)
{
    char q = *l->s++;
    struct strbuf b = {0};
    while (l->s < l->end && *l->s != q) {
        char c = *l->s++;
        if (q == '"' && c == '\\' && l->s < l->end) {
            char e = *l->s++;
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        }
        sb_add(&b, &c, 1);
    }
    if (l->s >= l->end) {
        sb_free(&b);
        return sk_err(l->p->err, 0, "template: unterminated string");
    }
    l->s++;
    char *s = sb_take(&b);
    a->kind = A_STRING;
    a->str = s ? dup_range(l->p, s, strlen(s)) : NULL;
    free(s);
    return a->str ? 0 : sk_err(l->p->err, ENOMEM, "template");
}

/* One operand; 1 when there is none (end of command). */
static int lex_arg(struct lexer *l, struct arg *a)
{
    skip_space(l);
    memset(a, 0, sizeof *a);
    if (l->s >= l->end || *l->s == '|' || *l->s == ')')
        return 1;
    const char *b = l->s;
    char c = *l->s;
    if (c == '"' || c == '`')
        return lex_string(l, a);
    if (c == '(') {
        l->s++;
        a->kind = A_PIPE;
        a->sub = parse_pipe(l, true);
        if (a->sub == NULL)
            return -1;
        if (l->s >= l->end || *l->s != ')')
            return sk_err(l->p->err, 0, "template: missing )");
        l->s++;
        return lex_fields(l, a);
    }
    if (c == '.') {
        a->kind = A_FIELD;
        if (l->s + 1 < l->end && (isalnum((unsigned char)l->s[1]) || l->s[1] == '_'))
            return lex_fields(l, a);
        l->s++; /* "." alone: the dot itself */
        return 0;
    }
    if (c == '$') {
        l->s++;
        while (l->s < l->end && (isalnum((unsigned char)*l->s) || *l->s == '_'))
            l->s++;
        a->kind = A_VAR;
        a->str = dup_range(l->p, b, (size_t)(l->s - b));
        return lex_fields(l, a);
    }
    if (isdigit((unsigned char)c) || ((c == '-' || c == '+') && l->s + 1 < l->end &&
                                      isdigit((unsigned char)l->s[1]))) {
        char *endp;
        char buf[64];
        size_t n = 0;
        while (l->s < l->end && n < sizeof buf - 1 &&
               (isalnum((unsigned char)*l->s) || *l->s == '.' || *l->s == '-' || *l->s == '+'))
            buf[n++] = *l->s++;
        buf[n] = '\0';
        a->kind = A_NUMBER;
        errno = 0;
        long long v = strtoll(buf, &endp, 0);
        if (*endp == '\0' && errno == 0)
            a->num = json_integer(v);
        else
            a->num = json_real(strtod(buf, &endp));
        if (*endp != '\0')
            return sk_err(l->p->err, 0, "template: bad number \"%s\"", buf);
        json_array_append_new(l->p->t->nums, a->num);
        return 0;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        while (l->s < l->end && (isalnum((unsigned char)*l->s) || *l->s == '_'))
            l->s++;
        size_t n = (size_t)(l->s - b);
        if (n == 4 && strncmp(b, "true", 4) == 0)
            a->kind = A_BOOL, a->b = true;
        else if (n == 5 && strncmp(b, "false", 5) == 0)
            a->kind = A_BOOL, a->b = false;
        else if (n == 3 && strncmp(b, "nil", 3) == 0)
            a->kind = A_NIL;
        else
            a->kind = A_IDENT, a->str = dup_range(l->p, b, n);
        return 0;
    }
    return sk_err(l->p->err, 0, "template: unexpected \"%c\" in action", c);
}

static struct pipe *parse_pipe(struct lexer *l, bool in_parens)
{
    struct parser *p = l->p;
    struct pipe *pp = sk_arena_alloc(&p->t->arena, sizeof *pp);
    if (pp == NULL) {
        sk_err(p->err, ENOMEM, "template");
        return NULL;
    }
    /* declarations: $x := ... or $k, $v := ... */
    const char *save = l->s;
    skip_space(l);
    if (l->s < l->end && *l->s == '$') {
        for (;;) {
            skip_space(l);
            const char *b = l->s;
            if (l->s >= l->end || *l->s != '$')
                break;
            l->s++;
            while (l->s < l->end && (isalnum((unsigned char)*l->s) || *l->s == '_'))
                l->s++;
            if (pp->n_decl < 2)
                pp->decl[pp->n_decl++] = dup_range(p, b, (size_t)(l->s - b));
            skip_space(l);
            if (l->s < l->end && *l->s == ',') {
                l->s++;
                continue;
            }
            break;
        }
        skip_space(l);
        if (l->end - l->s >= 2 && l->s[0] == ':' && l->s[1] == '=') {
            l->s += 2;
        } else {
            pp->n_decl = 0;
            l->s = save;
        }
    }
    size_t cap = 0;
    for (;;) {
        struct cmd c = {0};
        size_t acap = 0;
        for (;;) {
            struct arg a;
            int r = lex_arg(l, &a);
            if (r < 0)
                return NULL;
            if (r == 1)
                break;
            if (c.n == acap) {
                acap = acap ? acap * 2 : 4;
                struct arg *na = sk_arena_alloc(&p->t->arena, acap * sizeof *na);
                if (na == NULL) {
                    sk_err(p->err, ENOMEM, "template");
                    return NULL;
                }
                if (c.n)
                    memcpy(na, c.args, c.n * sizeof *na);
                c.args = na;
            }
            c.args[c.n++] = a;
        }
        if (c.n == 0) {
            sk_err(p->err, 0, "template: missing value in a pipeline");
            return NULL;
        }
        if (pp->n == cap) {
            cap = cap ? cap * 2 : 2;
            struct cmd *nc = sk_arena_alloc(&p->t->arena, cap * sizeof *nc);
            if (nc == NULL) {
                sk_err(p->err, ENOMEM, "template");
                return NULL;
            }
            if (pp->n)
                memcpy(nc, pp->cmds, pp->n * sizeof *nc);
            pp->cmds = nc;
        }
        pp->cmds[pp->n++] = c;
        skip_space(l);
        if (l->s < l->end && *l->s == '|') {
            l->s++;
            continue;
        }
        break;
    }
    if (!in_parens && l->s < l->end) {
        sk_err(p->err, 0, "template: unexpected \"%.*s\"", (int)(l->end - l->s), l->s);
        return NULL;
    }
    return pp;
}

/* ---- parsing the node list ---------------------------------------------------------- */

static bool keyword(const struct item *it, const char *kw, const char **rest)
{
    const char *s = it->s, *end = it->s + it->len;
    while (s < end && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(kw);
    if ((size_t)(end - s) < n || strncmp(s, kw, n) != 0)
        return false;
    if (s + n < end && !isspace((unsigned char)s[n]) && s[n] != '(')
        return false;
    if (rest != NULL)
        *rest = s + n;
    return true;
}

static int parse_list(struct parser *p, struct node **out, size_t *n, const char **stop);

static struct pipe *action_pipe(struct parser *p, const char *s, const char *end)
{
    struct lexer l = {s, end, p};
    return parse_pipe(&l, false);
}

static int add_node(struct parser *p, struct node **list, size_t *n, size_t *cap, struct node nd)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        struct node *nl = sk_arena_alloc(&p->t->arena, *cap * sizeof *nl);
        if (nl == NULL)
            return sk_err(p->err, ENOMEM, "template");
        if (*n)
            memcpy(nl, *list, *n * sizeof *nl);
        *list = nl;
    }
    (*list)[(*n)++] = nd;
    return 0;
}

/* A block after range/if/with up to its {{end}}, with {{else}} parts. */
static int parse_block(struct parser *p, struct node *nd)
{
    const char *stop;
    if (parse_list(p, &nd->body, &nd->n_body, &stop) < 0)
        return -1;
    if (stop == NULL)
        return sk_err(p->err, 0, "template: missing {{end}}");
    if (strcmp(stop, "end") == 0)
        return 0;
    /* else: the previous item was {{else}} or {{else if ...}} */
    const struct item *it = &p->items[p->pos - 1];
    const char *rest;
    keyword(it, "else", &rest);
    while (isspace((unsigned char)*rest) && rest < it->s + it->len)
        rest++;
    if (nd->kind == N_IF && rest < it->s + it->len && strncmp(rest, "if", 2) == 0) {
        struct node inner = {.kind = N_IF};
        inner.pipe = action_pipe(p, rest + 2, it->s + it->len);
        if (inner.pipe == NULL || parse_block(p, &inner) < 0)
            return -1;
        size_t cap = 0;
        return add_node(p, &nd->els, &nd->n_els, &cap, inner);
    }
    if (parse_list(p, &nd->els, &nd->n_els, &stop) < 0)
        return -1;
    if (stop == NULL || strcmp(stop, "end") != 0)
        return sk_err(p->err, 0, "template: expected {{end}}");
    return 0;
}

static int parse_list(struct parser *p, struct node **out, size_t *n, const char **stop)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (stop != NULL)
        *stop = NULL;
    while (p->pos < p->n) {
        const struct item *it = &p->items[p->pos++];
        if (!it->action) {
            if (add_node(p, out, n, &cap, (struct node){.kind = N_TEXT, .text = it->s, .len = it->len}) < 0)
                return -1;
            continue;
        }
        const char *rest;
        if (keyword(it, "end", NULL) || keyword(it, "else", NULL)) {
            if (stop == NULL)
                return sk_err(p->err, 0, "template: unexpected {{%.*s}}", (int)it->len, it->s);
            *stop = keyword(it, "end", NULL) ? "end" : "else";
            return 0;
        }
        if (keyword(it, "/*", NULL))
            continue; /* a comment */
        struct node nd = {0};
        if (keyword(it, "range", &rest))
            nd.kind = N_RANGE;
        else if (keyword(it, "if", &rest))
            nd.kind = N_IF;
        else if (keyword(it, "with", &rest))
            nd.kind = N_WITH;
        else
            nd.kind = N_ACTION, rest = it->s;
        nd.pipe = action_pipe(p, rest, it->s + it->len);
        if (nd.pipe == NULL)
            return -1;
        if (nd.kind != N_ACTION && parse_block(p, &nd) < 0)
            return -1;
        if (add_node(p, out, n, &cap, nd) < 0)
            return -1;
    }
    return 0;
}

int tmpl_parse(const char *src, struct tmpl **out, sk_error *err)
{
    struct tmpl *t = calloc(1, sizeof *t);
    if (t == NULL)
        return sk_err(err, ENOMEM, "template");
    t->nums = json_array();
    struct parser p = {.t = t, .err = err};
    if (split_items(&p, src) < 0 || parse_list(&p, &t->nodes, &t->n, NULL) < 0) {
        tmpl_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void tmpl_free(struct tmpl *t)
{
    if (t == NULL)
        return;
    json_decref(t->nums);
    sk_arena_free(&t->arena);
    free(t);
}

/* ---- evaluation ------------------------------------------------------------------- */

struct var {
    const char *name;
    json_t *value;
};

struct exec {
    json_t *root;
    json_t *owned; /* values that variables point at */
    struct var vars[32];
    size_t n_vars;
    struct strbuf out;
    sk_error *err;
};

static bool truthy(json_t *v)
{
    if (v == NULL || json_is_null(v) || json_is_false(v))
        return false;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_real(v))
        return json_real_value(v) != 0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    if (json_is_object(v))
        return json_object_size(v) > 0;
    return true;
}

/* Go's fmt %v of a decoded JSON value. */
static void print_value(struct strbuf *b, json_t *v)
{
    if (v == NULL) {
        sb_puts(b, "<no value>");
    } else if (json_is_string(v)) {
        sb_add(b, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        sb_printf(b, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == (double)(long long)d && d < 1e21 && d > -1e21)
            sb_printf(b, "%.0f", d);
        else
            sb_printf(b, "%g", d);
    } else if (json_is_boolean(v)) {
        sb_puts(b, json_is_true(v) ? "true" : "false");
    } else if (json_is_null(v)) {
        sb_puts(b, "<nil>");
    } else if (json_is_array(v)) {
        sb_puts(b, "[");
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                sb_puts(b, " ");
            print_value(b, json_array_get(v, i));
        }
        sb_puts(b, "]");
    } else if (json_is_object(v)) {
        size_t n;
        const char **keys = sk_json_sorted_keys(v, &n);
        sb_puts(b, "map[");
        for (size_t i = 0; i < n; i++) {
            sb_printf(b, "%s%s:", i ? " " : "", keys[i]);
            print_value(b, json_object_get(v, keys[i]));
        }
        sb_puts(b, "]");
        free(keys);
    }
}

static json_t *eval_pipe(struct exec *x, const struct pipe *p, json_t *dot);

/* A Go template reads struct fields where we hold their JSON: docker's
 * events have "time", "timeNano", "id", "status" for the fields Time,
 * TimeNano, ID, Status.  A field not found by its name is looked up by its
 * json name: the first letter lowered, or an all-capitals name in lower
 * case. */
static json_t *member(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    if (v != NULL || name[0] < 'A' || name[0] > 'Z')
        return v;
    char low[128];
    size_t n = strlen(name);
    if (n >= sizeof low)
        return NULL;
    memcpy(low, name, n + 1);
    low[0] = (char)(low[0] - 'A' + 'a');
    if ((v = json_object_get(obj, low)) != NULL)
        return v;
    for (size_t i = 1; i < n; i++)
        if (low[i] >= 'A' && low[i] <= 'Z')
            low[i] = (char)(low[i] - 'A' + 'a');
        else
            return NULL; /* not all capitals */
    return json_object_get(obj, low);
}

static json_t *walk_fields(struct exec *x, json_t *v, const char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v == NULL || json_is_null(v))
            return NULL; /* missing: "<no value>" */
        if (!json_is_object(v)) {
            sk_err(x->err, 0, "template: can't evaluate field %s in a %s", fields[i],
                   json_is_array(v) ? "list" : "value");
            return NULL;
        }
        v = member(v, fields[i]);
    }
    return v;
}

static json_t *lookup_var(struct exec *x, const char *name)
{
    if (strcmp(name, "$") == 0)
        return x->root;
    for (size_t i = x->n_vars; i-- > 0;)
        if (strcmp(x->vars[i].name, name) == 0)
            return x->vars[i].value;
    sk_err(x->err, 0, "template: undefined variable %s", name);
    return NULL;
}

/* Evaluate an operand: a new reference, or NULL for "no value" (then
 * x->err->msg[0] tells an error from a missing field). */
static json_t *eval_arg(struct exec *x, const struct arg *a, json_t *dot)
{
    json_t *v = NULL;
    switch (a->kind) {
    case A_FIELD:
        v = walk_fields(x, dot, a->fields, a->n_fields);
        return v ? json_incref(v) : NULL;
    case A_VAR: {
        json_t *base = lookup_var(x, a->str);
        if (base == NULL)
            return NULL;
        v = walk_fields(x, base, a->fields, a->n_fields);
        return v ? json_incref(v) : NULL;
    }
    case A_STRING:
        return json_string(a->str);
    case A_NUMBER:
        return json_incref(a->num);
    case A_BOOL:
        return json_boolean(a->b);
    case A_NIL:
        return json_null();
    case A_PIPE: {
        json_t *r = eval_pipe(x, a->sub, dot);
        if (r == NULL || a->n_fields == 0)
            return r;
        v = walk_fields(x, r, a->fields, a->n_fields);
        if (v)
            json_incref(v);
        json_decref(r);
        return v;
    }
    case A_IDENT:
        sk_err(x->err, 0, "template: %s is not a value", a->str);
        return NULL;
    }
    return NULL;
}

static json_t *call(struct exec *x, const char *fn, json_t **av, size_t ac);

/* `.Label "key"`: docker's format methods that take a key (ps, volume and
 * network ls) as a field holding an object, given the key: its member, ""
 * when there is none.  A field of any other kind takes no arguments. */
static json_t *eval_method(struct exec *x, const struct cmd *c, json_t *dot)
{
    json_t *obj = eval_arg(x, &c->args[0], dot);
    if (!json_is_object(obj)) {
        json_decref(obj);
        if (!x->err->msg[0])
            sk_err(x->err, 0, "template: a value cannot take arguments");
        return NULL;
    }
    json_t *key = eval_arg(x, &c->args[1], dot), *v = NULL;
    if (json_is_string(key))
        v = json_object_get(obj, json_string_value(key));
    else if (!x->err->msg[0])
        sk_err(x->err, 0, "template: the key must be a string");
    json_t *r = v ? json_incref(v) : x->err->msg[0] ? NULL : json_string("");
    json_decref(key);
    json_decref(obj);
    return r;
}

static json_t *eval_cmd(struct exec *x, const struct cmd *c, json_t *dot, json_t *piped, bool has_piped)
{
    if (c->args[0].kind != A_IDENT) {
        if (c->n == 2 && !has_piped && c->args[0].kind == A_FIELD)
            return eval_method(x, c, dot);
        if (c->n > 1 || has_piped) {
            sk_err(x->err, 0, "template: a value cannot take arguments");
            return NULL;
        }
        return eval_arg(x, &c->args[0], dot);
    }
    json_t *av[16];
    size_t ac = 0;
    for (size_t i = 1; i < c->n && ac < 15; i++) {
        av[ac] = eval_arg(x, &c->args[i], dot);
        if (av[ac] == NULL && x->err->msg[0]) {
            for (size_t k = 0; k < ac; k++)
                json_decref(av[k]);
            return NULL;
        }
        ac++;
    }
    if (has_piped && ac < 16)
        av[ac++] = piped ? json_incref(piped) : NULL;
    json_t *r = call(x, c->args[0].str, av, ac);
    for (size_t k = 0; k < ac; k++)
        json_decref(av[k]);
    return r;
}

static json_t *eval_pipe(struct exec *x, const struct pipe *p, json_t *dot)
{
    json_t *v = NULL;
    for (size_t i = 0; i < p->n; i++) {
        json_t *nv = eval_cmd(x, &p->cmds[i], dot, v, i > 0);
        json_decref(v);
        v = nv;
        if (v == NULL && x->err->msg[0])
            return NULL;
    }
    return v;
}

/* ---- functions ----------------------------------------------------------------------- */

static double num(json_t *v)
{
    return json_is_integer(v) ? (double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : 0;
}

static int compare(json_t *a, json_t *b)
{
    if (json_is_string(a) && json_is_string(b))
        return strcmp(json_string_value(a), json_string_value(b));
    double x = num(a), y = num(b);
    return x < y ? -1 : x > y;
}

static json_t *fn_printf(struct exec *x, json_t **av, size_t ac)
{
    if (ac < 1 || !json_is_string(av[0])) {
        sk_err(x->err, 0, "template: printf needs a format string");
        return NULL;
    }
    struct strbuf b = {0};
    const char *f = json_string_value(av[0]);
    size_t arg = 1;
    while (*f) {
        if (*f != '%') {
            sb_add(&b, f++, 1);
            continue;
        }
        if (f[1] == '%') {
            sb_puts(&b, "%");
            f += 2;
            continue;
        }
        char spec[32] = "%";
        size_t n = 1;
        f++;
        while (*f && strchr("-+ #0123456789.", *f) && n < 20)
            spec[n++] = *f++;
        char verb = *f ? *f++ : 'v';
        json_t *v = arg < ac ? av[arg++] : NULL;
        struct strbuf tmp = {0};
        if (verb == 'd' && (json_is_integer(v) || json_is_real(v))) {
            spec[n++] = 'l', spec[n++] = 'l', spec[n++] = 'd';
            sb_printf(&b, spec, (long long)num(v));
            continue;
        }
        if (verb == 'q') {
            sb_puts(&tmp, "\"");
            print_value(&tmp, v);
            sb_puts(&tmp, "\"");
        } else {
            print_value(&tmp, v);
        }
        spec[n++] = 's';
        sb_printf(&b, spec, tmp.s ? tmp.s : "");
        sb_free(&tmp);
    }
    char *s = sb_take(&b);
    json_t *r = json_string(s ? s : "");
    free(s);
    return r;
}

static json_t *call(struct exec *x, const char *fn, json_t **av, size_t ac)
{
    if (strcmp(fn, "json") == 0) {
        if (ac != 1)
            goto arity;
        char *s = av[0] ? json_dumps(av[0], JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");
        json_t *r = json_string(s ? s : "");
        free(s);
        return r;
    }
    if (strcmp(fn, "len") == 0) {
        if (ac != 1)
            goto arity;
        json_t *v = av[0];
        size_t n = json_is_string(v) ? json_string_length(v) : json_is_array(v) ? json_array_size(v)
                   : json_is_object(v) ? json_object_size(v) : 0;
        return json_integer((json_int_t)n);
    }
    if (strcmp(fn, "index") == 0) {
        if (ac < 2)
            goto arity;
        json_t *v = av[0];
        for (size_t i = 1; i < ac && v != NULL; i++) {
            if (json_is_array(v) && (json_is_integer(av[i]) || json_is_real(av[i]))) {
                long long k = (long long)num(av[i]);
                if (k < 0 || (size_t)k >= json_array_size(v)) {
                    sk_err(x->err, 0, "template: index %lld out of range", k);
                    return NULL;
                }
                v = json_array_get(v, (size_t)k);
            } else if (json_is_object(v) && json_is_string(av[i])) {
                v = json_object_get(v, json_string_value(av[i]));
            } else {
                sk_err(x->err, 0, "template: cannot index that value");
                return NULL;
            }
        }
        return v ? json_incref(v) : NULL;
    }
    if (strcmp(fn, "printf") == 0)
        return fn_printf(x, av, ac);
    if (strcmp(fn, "print") == 0 || strcmp(fn, "println") == 0) {
        struct strbuf b = {0};
        bool ln = fn[5] == 'l';
        for (size_t i = 0; i < ac; i++) {
            if (i > 0 && (ln || (!json_is_string(av[i]) && !json_is_string(av[i - 1]))))
                sb_puts(&b, " ");
            print_value(&b, av[i]);
        }
        if (ln)
            sb_puts(&b, "\n");
        char *s = sb_take(&b);
        json_t *r = json_string(s ? s : "");
        free(s);
        return r;
    }
    if (strcmp(fn, "join") == 0) {
        if (ac != 2 || !json_is_string(av[1]))
            goto arity;
        struct strbuf b = {0};
        for (size_t i = 0; json_is_array(av[0]) && i < json_array_size(av[0]); i++) {
            if (i)
                sb_puts(&b, json_string_value(av[1]));
            print_value(&b, json_array_get(av[0], i));
        }
        char *s = sb_take(&b);
        json_t *r = json_string(s ? s : "");
        free(s);
        return r;
    }
    if (strcmp(fn, "split") == 0) {
        if (ac != 2 || !json_is_string(av[0]) || !json_is_string(av[1]))
            goto arity;
        json_t *r = json_array();
        const char *s = json_string_value(av[0]), *sep = json_string_value(av[1]);
        size_t sl = strlen(sep);
        while (sl > 0) {
            const char *h = strstr(s, sep);
            if (h == NULL)
                break;
            json_array_append_new(r, json_stringn(s, (size_t)(h - s)));
            s = h + sl;
        }
        json_array_append_new(r, json_string(s));
        return r;
    }
    if (strcmp(fn, "upper") == 0 || strcmp(fn, "lower") == 0 || strcmp(fn, "title") == 0) {
        if (ac != 1)
            goto arity;
        struct strbuf b = {0};
        print_value(&b, av[0]);
        bool start = true;
        for (size_t i = 0; i < b.len; i++) {
            if (fn[0] == 'u')
                b.s[i] = (char)toupper((unsigned char)b.s[i]);
            else if (fn[0] == 'l')
                b.s[i] = (char)tolower((unsigned char)b.s[i]);
            else {
                if (start)
                    b.s[i] = (char)toupper((unsigned char)b.s[i]);
                start = isspace((unsigned char)b.s[i]);
            }
        }
        char *s = sb_take(&b);
        json_t *r = json_string(s ? s : "");
        free(s);
        return r;
    }
    if (strcmp(fn, "not") == 0) {
        if (ac != 1)
            goto arity;
        return json_boolean(!truthy(av[0]));
    }
    if (strcmp(fn, "and") == 0 || strcmp(fn, "or") == 0) {
        if (ac < 1)
            goto arity;
        bool want = fn[0] == 'o';
        for (size_t i = 0; i < ac; i++)
            if (truthy(av[i]) == want || i == ac - 1)
                return av[i] ? json_incref(av[i]) : json_null();
    }
    if (strcmp(fn, "eq") == 0 || strcmp(fn, "ne") == 0) {
        if (ac < 2)
            goto arity;
        bool eq = false;
        for (size_t i = 1; i < ac; i++)
            if ((av[0] == NULL && av[i] == NULL) ||
                (av[0] && av[i] &&
                 (json_equal(av[0], av[i]) ||
                  ((json_is_number(av[0]) && json_is_number(av[i])) && num(av[0]) == num(av[i])))))
                eq = true;
        return json_boolean(fn[0] == 'e' ? eq : !eq);
    }
    if (strcmp(fn, "lt") == 0 || strcmp(fn, "le") == 0 || strcmp(fn, "gt") == 0 ||
        strcmp(fn, "ge") == 0) {
        if (ac != 2)
            goto arity;
        int c = compare(av[0], av[1]);
        bool r = fn[0] == 'l' ? (fn[1] == 't' ? c < 0 : c <= 0) : (fn[1] == 't' ? c > 0 : c >= 0);
        return json_boolean(r);
    }
    sk_err(x->err, 0, "template: function \"%s\" not defined", fn);
    return NULL;
arity:
    sk_err(x->err, 0, "template: wrong arguments for %s", fn);
    return NULL;
}

/* ---- walking the tree ------------------------------------------------------------------- */

static int run(struct exec *x, const struct node *nodes, size_t n, json_t *dot);

static int push_var(struct exec *x, const char *name, json_t *v)
{
    if (x->n_vars >= sizeof x->vars / sizeof x->vars[0])
        return sk_err(x->err, 0, "template: too many variables");
    x->vars[x->n_vars++] = (struct var){name, v};
    return 0;
}

static int run_range(struct exec *x, const struct node *nd, json_t *v)
{
    size_t base = x->n_vars;
    int r = 0;
    if (json_is_array(v) && json_array_size(v) > 0) {
        for (size_t i = 0; i < json_array_size(v) && r == 0; i++) {
            json_t *idx = json_integer((json_int_t)i), *e = json_array_get(v, i);
            x->n_vars = base;
            if (nd->pipe->n_decl == 2)
                r = push_var(x, nd->pipe->decl[0], idx) < 0 || push_var(x, nd->pipe->decl[1], e) < 0 ? -1 : 0;
            else if (nd->pipe->n_decl == 1)
                r = push_var(x, nd->pipe->decl[0], e);
            if (r == 0)
                r = run(x, nd->body, nd->n_body, e);
            json_decref(idx);
        }
    } else if (json_is_object(v) && json_object_size(v) > 0) {
        size_t n;
        const char **keys = sk_json_sorted_keys(v, &n);
        if (keys == NULL)
            r = sk_err(x->err, ENOMEM, "template: range");
        for (size_t i = 0; i < n && r == 0; i++) {
            json_t *key = json_string(keys[i]);
            json_t *e = json_object_get(v, keys[i]);
            x->n_vars = base;
            if (nd->pipe->n_decl == 2)
                r = push_var(x, nd->pipe->decl[0], key) < 0 || push_var(x, nd->pipe->decl[1], e) < 0 ? -1 : 0;
            else if (nd->pipe->n_decl == 1)
                r = push_var(x, nd->pipe->decl[0], e);
            if (r == 0)
                r = run(x, nd->body, nd->n_body, e);
            json_decref(key);
        }
        free(keys);
    } else {
        r = run(x, nd->els, nd->n_els, NULL);
    }
    x->n_vars = base;
    return r;
}

static int run(struct exec *x, const struct node *nodes, size_t n, json_t *dot)
{
    for (size_t i = 0; i < n; i++) {
        const struct node *nd = &nodes[i];
        if (nd->kind == N_TEXT) {
            sb_add(&x->out, nd->text, nd->len);
            continue;
        }
        json_t *v = eval_pipe(x, nd->pipe, dot);
        if (v == NULL && x->err->msg[0])
            return -1;
        int r = 0;
        if (nd->kind == N_ACTION) {
            if (nd->pipe->n_decl >= 1) {
                /* {{$x := ...}}: the variable borrows v; the pool keeps it */
                r = push_var(x, nd->pipe->decl[0], v);
                if (v != NULL)
                    json_array_append(x->owned, v);
            } else {
                print_value(&x->out, v);
            }
        } else if (nd->kind == N_RANGE) {
            r = run_range(x, nd, v);
        } else if (nd->kind == N_IF) {
            r = truthy(v) ? run(x, nd->body, nd->n_body, dot) : run(x, nd->els, nd->n_els, dot);
        } else {
            r = truthy(v) ? run(x, nd->body, nd->n_body, v) : run(x, nd->els, nd->n_els, dot);
        }
        json_decref(v);
        if (r < 0)
            return -1;
    }
    return 0;
}

int tmpl_exec(const struct tmpl *t, json_t *data, char **out, sk_error *err)
{
    sk_error local = {0};
    sk_error *e = err ? err : &local;
    sk_err_clear(e);
    struct exec x = {.root = data, .err = e, .owned = json_array()};
    int r = run(&x, t->nodes, t->n, data);
    json_decref(x.owned);
    if (r < 0) {
        sb_free(&x.out);
        return -1;
    }
    if (x.out.oom) {
        sb_free(&x.out);
        return sk_err(err, ENOMEM, "template");
    }
    *out = sb_take(&x.out);
    return *out ? 0 : sk_err(err, ENOMEM, "template");
}

int tmpl_render(const char *src, json_t *data, char **out, sk_error *err)
{
    struct tmpl *t;
    if (tmpl_parse(src, &t, err) < 0)
        return -1;
    int r = tmpl_exec(t, data, out, err);
    tmpl_free(t);
    return r;
}

/* template.h - the subset of Go's text/template that docker's --format
 * users write, evaluated over JSON values:
 *
 *   {{.Field.Sub}}  {{.}}  {{$}}  {{$var.Field}}
 *   {{range PIPE}}...{{else}}...{{end}}   {{range $k, $v := PIPE}}
 *   {{if PIPE}}...{{else if PIPE}}...{{else}}...{{end}}   {{with PIPE}}...{{end}}
 *   pipelines with |, (parentheses), "strings", `raw`, numbers, true/false
 *   functions: json index printf print println len join split upper lower
 *              title eq ne lt le gt ge and or not
 *   {{- and -}} trim the whitespace next to an action.
 *
 * Missing fields print "<no value>", as Go does for a map. */
#ifndef SKIFF_UTIL_TEMPLATE_H
#define SKIFF_UTIL_TEMPLATE_H

#include <jansson.h>

#include "util/error.h"

struct tmpl;

int tmpl_parse(const char *src, struct tmpl **out, sk_error *err);
/* Render against data; *out is malloc'd. */
int tmpl_exec(const struct tmpl *t, json_t *data, char **out, sk_error *err);
void tmpl_free(struct tmpl *t);

/* Parse, render once, free. */
int tmpl_render(const char *src, json_t *data, char **out, sk_error *err);

#endif

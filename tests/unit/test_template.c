/* Unit tests: the Go-template subset behind --format / -f. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"
#include "util/template.h"

static const char *doc =
    "{\"Id\": \"abc\", \"State\": {\"Running\": true, \"ExitCode\": 3, \"Health\": {\"Status\": \"healthy\"}},"
    " \"NetworkSettings\": {\"Networks\": {\"net2\": {\"IPAddress\": \"10.0.1.5\"}, \"bridge\": {\"IPAddress\": \"172.17.0.2\"}}},"
    " \"IPAM\": {\"Config\": [{\"Subnet\": \"10.1.0.0/24\", \"Gateway\": \"10.1.0.1\"}]},"
    " \"RepoTags\": [\"busybox:latest\", \"bb:1\"], \"Config\": {\"Env\": [\"A=1\", \"B=2\"], \"Cmd\": null, \"Labels\": {\"k\": \"v\"}},"
    " \"Size\": 4261550, \"Name\": \"/web\", \"Empty\": [], \"lower\": \"x\", \"id\": 7}";

static void expect(const char *tmpl, const char *want)
{
    sk_error e;
    json_t *d = sk_json_parse(doc, strlen(doc), "doc", &e);
    char *out = NULL;
    if (tmpl_render(tmpl, d, &out, &e) < 0)
        fail_msg("%s: %s", tmpl, e.msg);
    if (strcmp(out, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", tmpl, out, want);
    free(out);
    json_decref(d);
}

static void expect_error(const char *tmpl, const char *msg)
{
    sk_error e;
    json_t *d = sk_json_parse(doc, strlen(doc), "doc", &e);
    char *out = NULL;
    int r = tmpl_render(tmpl, d, &out, &e);
    free(out);
    json_decref(d);
    if (r == 0)
        fail_msg("%s: expected an error", tmpl);
    if (strstr(e.msg, msg) == NULL)
        fail_msg("%s: \"%s\" lacks \"%s\"", tmpl, e.msg, msg);
}

static void test_seeds(void **state)
{
    (void)state;
    /* every template in the seed documents */
    expect("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "172.17.0.210.0.1.5");
    expect("{{range .IPAM.Config}}{{.Gateway}}{{end}}", "10.1.0.1");
    expect("{{.State.Running}}", "true");
    expect("{{.State.ExitCode}}", "3");
    expect("{{.State.Health.Status}}", "healthy");
}

static void test_fields_and_printing(void **state)
{
    (void)state;
    expect("id={{.Id}} size={{.Size}}", "id=abc size=4261550");
    expect("{{.Config.Env}}", "[A=1 B=2]");
    expect("{{.Config.Labels}}", "map[k:v]");
    expect("{{.Config.Cmd}}", "<nil>");
    expect("{{.Nope}}", "<no value>");
    expect("{{.Nope.Deeper}}", "<no value>");
    expect("{{json .Config.Labels}}", "{\"k\":\"v\"}");
    expect("{{json .Name}}", "\"/web\"");
    expect("{{.}}", "map[Config:map[Cmd:<nil> Env:[A=1 B=2] Labels:map[k:v]] Empty:[] IPAM:map[Config:[map[Gateway:10.1.0.1 Subnet:10.1.0.0/24]]] Id:abc Name:/web NetworkSettings:map[Networks:map[bridge:map[IPAddress:172.17.0.2] net2:map[IPAddress:10.0.1.5]]] RepoTags:[busybox:latest bb:1] Size:4261550 State:map[ExitCode:3 Health:map[Status:healthy] Running:true] id:7 lower:x]");
}

static void test_functions(void **state)
{
    (void)state;
    expect("{{index .RepoTags 1}}", "bb:1");
    expect("{{index .Config.Labels \"k\"}}", "v");
    expect("{{.Config.Labels \"k\"}}|{{.Config.Labels \"nope\"}}|", "v||"); /* docker's .Label "k" */
    /* Go field names over JSON names: .Time for "time", .ID for "id" (docker's events) */
    expect("{{.Lower}} {{.ID}} {{.IPAM.Config}} {{.Nope}}", "x 7 [map[Gateway:10.1.0.1 Subnet:10.1.0.0/24]] <no value>");
    expect("{{len .RepoTags}} {{len .Name}}", "2 4");
    expect("{{join .Config.Env \",\"}}", "A=1,B=2");
    expect("{{upper .Id}} {{lower \"ABC\"}} {{title \"hello world\"}}", "ABC abc Hello World");
    expect("{{printf \"%s:%d|%-5s|\" .Id .State.ExitCode \"x\"}}", "abc:3|x    |");
    expect("{{.Name | printf \"%q\"}}", "\"/web\"");
    expect("{{range split \"a,b\" \",\"}}[{{.}}]{{end}}", "[a][b]");
    expect("{{if eq .State.ExitCode 3}}three{{end}}", "three");
    expect("{{if and .State.Running (ne .Id \"x\")}}ok{{end}}", "ok");
    expect("{{if not .Empty}}empty{{end}}", "empty");
    expect("{{if gt .Size 100}}big{{else}}small{{end}}", "big");
    expect("{{println \"a\" 1}}", "a 1\n");
}

static void test_control(void **state)
{
    (void)state;
    expect("{{range $i, $t := .RepoTags}}{{$i}}={{$t}};{{end}}", "0=busybox:latest;1=bb:1;");
    expect("{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{$v.IPAddress}} {{end}}",
           "bridge:172.17.0.2 net2:10.0.1.5 ");
    expect("{{range .Empty}}x{{else}}none{{end}}", "none");
    expect("{{if .Nope}}a{{else if .Id}}b{{else}}c{{end}}", "b");
    expect("{{with .State.Health}}{{.Status}}{{end}}", "healthy");
    expect("{{$n := .Name}}{{range .RepoTags}}{{$n}}{{end}}", "/web/web");
    expect("a  {{- .Id -}}  b", "aabcb");
    expect("{{range .RepoTags}}{{$.Id}}{{end}}", "abcabc");
    expect("{{/* a comment */}}x", "x");
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{{.Id", "unclosed action");
    expect_error("{{range .RepoTags}}x", "missing {{end}}");
    expect_error("{{end}}", "unexpected {{end}}");
    expect_error("{{nosuch .Id}}", "function \"nosuch\" not defined");
    expect_error("{{index .RepoTags 7}}", "out of range");
    expect_error("{{.RepoTags.Field}}", "can't evaluate field Field");
    expect_error("{{\"unterminated}}", "unclosed action");
    expect_error("{{$undefined}}", "undefined variable");
    expect_error("{{.Id \"x\"}}", "a value cannot take arguments");
    expect_error("{{.Config.Labels 1}}", "the key must be a string");
    expect_error("{{.Config.Labels \"k\" \"l\"}}", "a value cannot take arguments");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),     cmocka_unit_test(test_fields_and_printing),
        cmocka_unit_test(test_functions), cmocka_unit_test(test_control),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* fuzz_spec - libFuzzer harness for everything that reads config.json:
 * the document, a process object (exec --process), resources (update
 * --resources) and the seccomp compiler.  Hostile input must give an error,
 * never a crash, a leak or undefined behaviour. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oci/spec.h"
#include "runtime/seccomp.h"
#include "util/json.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        sk_log_set_level(SK_LOG_ERROR); /* unknown-capability warnings are noise here */
        quiet = 1;
    }
    sk_error err;
    struct oci_spec *s = NULL;
    if (oci_spec_parse((const char *)data, size, "config.json", &s, &err) == 0) {
        struct seccomp_program p;
        if (s->lx.seccomp != NULL && seccomp_compile(s->lx.seccomp, &p, &err) == 0)
            seccomp_program_clear(&p);
        oci_spec_free(s);
    }
    json_t *j = sk_json_parse((const char *)data, size, "fuzz", &err);
    if (j != NULL) {
        struct oci_process proc;
        if (oci_process_parse(j, "process", &proc, &err) == 0)
            oci_process_clear(&proc);
        else
            oci_process_clear(&proc);
        struct oci_resources r = {0};
        oci_resources_parse(j, "resources", &r, &err);
        oci_resources_clear(&r);
        json_decref(j);
    }
    return 0;
}

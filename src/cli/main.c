/* skiff - one binary: the docker-like engine (to come), and the OCI runtime
 * when called as skiff-runc or as `skiff oci ...`. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "oci-cli/oci_cli.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: skiff <command> [options]\n\n"
               "A fast, small, daemonless container engine.\n\n"
               "Commands:\n"
               "  oci        the OCI runtime (runc's command line; also installed as skiff-runc)\n"
               "  version    print the version\n"
               "  help       show this help\n\n"
               "Run 'skiff oci --help' for the runtime's commands.\n");
}

int main(int argc, char **argv)
{
    /* writes to a closed pipe fail with EPIPE instead of killing us; every
     * process we start gets default dispositions back */
    signal(SIGPIPE, SIG_IGN);
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (strcmp(base, "skiff-runc") == 0 || strcmp(base, "runc") == 0)
        return oci_main(argc, argv, "skiff-runc", argv);
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            printf("Usage: skiff version\n\nPrint the version of skiff.\n");
            return 0;
        }
        printf("skiff version %s, commit %s\n", SKIFF_VERSION, SKIFF_COMMIT);
        return 0;
    }
    if (strcmp(argv[1], "oci") == 0)
        return oci_main(argc - 1, argv + 1, "skiff oci", argv);
    fprintf(stderr, "skiff: unknown command \"%s\"\nRun 'skiff help' for the commands.\n", argv[1]);
    return 125;
}

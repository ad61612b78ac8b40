/* runc.c - skiff-runc: the OCI runtime as an executable of its own.
 *
 * It links only the runtime (util, oci, runtime: jansson and libseccomp),
 * not the image and registry code, so that the process an engine starts for
 * every create/start/exec/kill/delete loads in about a millisecond; `skiff
 * oci ...` is the same command line inside the full binary. */
#include <signal.h>

#include "oci-cli/oci_cli.h"

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is EPIPE, as in skiff */
    return oci_main(argc, argv, "skiff-runc", argv);
}

/* save, load, import */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "image/archive.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static int cmd_save_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'}, {0}};
    const char *output = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (o != 'o')
            return cli_usage(&cmd_save, true);
        output = optarg;
    }
    if (optind >= argc)
        return cli_usage(&cmd_save, true);
    if (output == NULL && isatty(1))
        return cli_failf("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int fd = 1;
    char tmp[4200];
    if (output != NULL) {
        snprintf(tmp, sizeof tmp, "%s.tmp%d", output, (int)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            return cli_failf("failed to save to %s: %s", output, strerror(errno));
    }
    int r = sk_image_save(e, argv + optind, (size_t)(argc - optind), fd, &err);
    if (output != NULL) {
        close(fd);
        if (r == 0 && rename(tmp, output) < 0)
            r = sk_err(&err, errno, "failed to save to %s", output);
        if (r < 0)
            unlink(tmp);
    }
    return r < 0 ? cli_fail(&err) : 0;
}

static int cmd_load_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"input", required_argument, NULL, 'i'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {0}};
    const char *input = NULL;
    bool quiet = false;
    int o;
    while ((o = getopt_long(argc, argv, "i:q", opts, NULL)) != -1) {
        if (o == 'i')
            input = optarg;
        else if (o == 'q')
            quiet = true;
        else
            return cli_usage(&cmd_load, true);
    }
    if (optind != argc)
        return cli_usage(&cmd_load, true);
    if (input == NULL && isatty(0))
        return cli_failf("requested load from stdin, but stdin is empty");
    _cleanup_close_ int fd = input ? open(input, O_RDONLY | O_CLOEXEC) : dup(0);
    if (fd < 0)
        return cli_failf("open %s: %s", input ? input : "stdin", strerror(errno));
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    struct fd_source fs = {fd};
    struct byte_source src = {fd_source_read, &fs};
    json_t *loaded = NULL;
    if (sk_image_load(e, &src, &loaded, &err) < 0)
        return cli_fail(&err);
    size_t i;
    json_t *l;
    json_array_foreach(loaded, i, l) if (!quiet || i == 0) printf("%s\n", json_string_value(l));
    json_decref(loaded);
    return 0;
}

static int cmd_import_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"change", required_argument, NULL, 'c'},
                                         {"message", required_argument, NULL, 'm'},
                                         {"platform", required_argument, NULL, 'p'},
                                         {0}};
    _cleanup_strv_ char **changes = NULL;
    const char *message = NULL, *platform = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "c:m:", opts, NULL)) != -1) {
        if (o == 'c') {
            if (sk_strv_push(&changes, optarg) < 0)
                return cli_failf("out of memory");
        } else if (o == 'm') {
            message = optarg;
        } else if (o == 'p') {
            platform = optarg;
        } else {
            return cli_usage(&cmd_import, true);
        }
    }
    if (optind != argc - 1 && optind != argc - 2)
        return cli_usage(&cmd_import, true);
    const char *file = argv[optind];
    const char *ref = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (strncmp(file, "http://", 7) == 0 || strncmp(file, "https://", 8) == 0)
        return cli_failf("importing from a URL is not supported; download the file first");
    _cleanup_close_ int fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cli_failf("open %s: %s", file, strerror(errno));
    const char *arch = NULL;
    char archbuf[64];
    if (platform != NULL) {
        const char *slash = strrchr(platform, '/');
        snprintf(archbuf, sizeof archbuf, "%s", slash ? slash + 1 : platform);
        arch = archbuf;
    }
    char msg[512];
    if (message == NULL) {
        snprintf(msg, sizeof msg, "Imported from %s", file);
        message = msg;
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    struct fd_source fs = {fd};
    struct byte_source src = {fd_source_read, &fs};
    struct import_opts io = {ref, changes, message, arch};
    char id[72];
    if (sk_image_import(e, &src, &io, id, &err) < 0)
        return cli_fail(&err);
    printf("%s\n", id);
    return 0;
}

const struct cli_cmd cmd_save = {"save", "[OPTIONS] IMAGE [IMAGE...]",
                                 "Save one or more images to a tar archive (streamed to STDOUT by default)",
                                 "  -o, --output string   Write to a file, instead of STDOUT\n",
                                 cmd_save_run};
const struct cli_cmd cmd_load = {"load", "[OPTIONS]",
                                 "Load an image from a tar archive or STDIN (docker-archive or OCI layout)",
                                 "  -i, --input string    Read from tar archive file, instead of STDIN\n"
                                 "  -q, --quiet           Suppress the load output\n",
                                 cmd_load_run};
const struct cli_cmd cmd_import = {
    "import", "[OPTIONS] file|- [REPOSITORY[:TAG]]",
    "Import the contents from a tarball to create a filesystem image",
    "  -c, --change list      Apply Dockerfile instruction to the created image\n"
    "                         (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)\n"
    "  -m, --message string   Set commit message for imported image\n"
    "      --platform string  Set platform if server is multi-platform capable\n",
    cmd_import_run};

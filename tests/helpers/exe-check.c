/* exe-check PID - test helper: how is the binary behind /proc/PID/exe
 * protected against being written?  Prints "memfd-sealed", "read-only-mount"
 * or "writable" (what CVE-2019-5736 exploited). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char path[64];
    if (argc != 2) {
        fprintf(stderr, "usage: exe-check PID\n");
        return 2;
    }
    snprintf(path, sizeof path, "/proc/%s/exe", argv[1]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    int seals = fcntl(fd, F_GET_SEALS);
    struct statvfs sv;
    if (seals >= 0 && (seals & F_SEAL_WRITE))
        puts("memfd-sealed");
    else if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
        puts("read-only-mount");
    else
        puts("writable");
    return 0;
}

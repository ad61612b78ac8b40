/* caps.h - Linux capability names, independent of the running kernel. */
#ifndef SKIFF_OCI_CAPS_H
#define SKIFF_OCI_CAPS_H

#include <stdint.h>

#define OCI_CAP_MAX 63

/* "CAP_SYS_ADMIN" (or "SYS_ADMIN", any case) -> 21; -1 when unknown. */
int oci_cap_parse(const char *name);
/* 21 -> "CAP_SYS_ADMIN"; NULL beyond the table. */
const char *oci_cap_name(int cap);
/* Number of names in the table (last known cap + 1). */
int oci_cap_count(void);
/* The kernel's highest capability (/proc/sys/kernel/cap_last_cap). */
int oci_cap_last(void);

/* Docker's default set as a mask. */
uint64_t oci_cap_docker_default(void);

#endif

/* h_volumes.c - the volumes endpoints. */
#include "api/api_int.h"

const struct api_route api_volume_routes[] = {
    {NULL, NULL, NULL},
};

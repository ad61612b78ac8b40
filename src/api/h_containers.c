/* h_containers.c */
#include "api/api_int.h"

const struct api_route api_container_routes[] = {
    {NULL, NULL, NULL},
};

/* h_networks.c - the networks endpoints. */
#include "api/api_int.h"

const struct api_route api_network_routes[] = {
    {NULL, NULL, NULL},
};

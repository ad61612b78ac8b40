/* h_stream.c */
#include "api/api_int.h"

const struct api_route api_stream_routes[] = {
    {NULL, NULL, NULL},
};

/* h_images.c - the images endpoints. */
#include "api/api_int.h"

const struct api_route api_image_routes[] = {
    {NULL, NULL, NULL},
};

/* Routes of the images domain. */
#include "api/api.h"

const struct api_route api_routes_images[] = {
    {NULL, NULL, NULL, 0},
};

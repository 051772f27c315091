/* Routes of the volumes domain. */
#include "api/api.h"

const struct api_route api_routes_volumes[] = {
    {NULL, NULL, NULL, 0},
};

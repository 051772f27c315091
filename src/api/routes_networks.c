/* Routes of the networks domain. */
#include "api/api.h"

const struct api_route api_routes_networks[] = {
    {NULL, NULL, NULL, 0},
};

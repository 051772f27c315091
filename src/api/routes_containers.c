/* Routes of the containers domain. */
#include "api/api.h"

const struct api_route api_routes_containers[] = {
    {NULL, NULL, NULL, 0},
};

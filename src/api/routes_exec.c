/* Routes of the exec domain. */
#include "api/api.h"

const struct api_route api_routes_exec[] = {
    {NULL, NULL, NULL, 0},
};

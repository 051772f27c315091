/* Pure helpers of the API layer, shared by the server and the unit tests. */
#ifndef BERTH_API_INTERNAL_H
#define BERTH_API_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#include "version.h"

/* "1.45" -> 145; -1 when malformed. */
int api_version_number(const char *s);

/* Refuse versions outside [API_VERSION_MIN, API_VERSION_MAX] with dockerd's
 * messages; text is the version as the client wrote it. */
int api_check_version(const char *text, int version, struct berr *err);

/* Docker's query boolean: "", 0, no, false, none (any case) are false. */
bool api_parse_bool(const char *v);

/* filters= JSON in either form to {"key": ["v", ...]}; NULL or "" give {}. */
json_t *api_parse_filters(const char *text, struct berr *err);

/* A JSON request body as dockerd reads it. */
json_t *api_parse_json_body(const char *body, size_t len, const char *content_type,
                            struct berr *err);

#endif

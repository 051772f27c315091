/* Small helpers over jansson for the shapes the Engine API uses. */
#ifndef BERTH_UTIL_JSON_H
#define BERTH_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

void cleanup_json_decrefp(json_t **j);
#define _cleanup_json_ __attribute__((cleanup(cleanup_json_decrefp)))

/* Typed getters: a missing key or a JSON null gives the default. */
const char *json_get_str(const json_t *obj, const char *key, const char *dflt);
int64_t json_get_int(const json_t *obj, const char *key, int64_t dflt);
bool json_get_bool(const json_t *obj, const char *key, bool dflt);

/* Strict getters for validation: return -1 and set *bad to key when the
 * value is present but of the wrong type. */
int json_opt_str(const json_t *obj, const char *key, const char **out);
int json_opt_int(const json_t *obj, const char *key, int64_t *out);
int json_opt_bool(const json_t *obj, const char *key, bool *out);

/* A JSON array of strings from a NULL-terminated vector (NULL gives []). */
json_t *json_strv(char *const *v);
/* A NULL-terminated vector from an array of strings; NULL for non-arrays.
 * Entries that are not strings are skipped. */
char **json_to_strv(const json_t *arr);

/* Serialize compactly; the caller frees. */
char *json_dumps_compact(const json_t *j);

/* RFC 3339 with nanoseconds in UTC, as Go prints time.Time. */
char *json_time_format(int64_t sec, long nsec);
/* Parse the above (or any RFC 3339 with Z or offset); -1 on error. */
int json_time_parse(const char *s, int64_t *sec, long *nsec);

#endif

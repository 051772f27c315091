/* api: the Docker Engine API over HTTP/1.1 (libmicrohttpd).
 *
 * Routes are tables of `struct api_route`, one table a domain
 * (routes_system.c, routes_images.c, ...), listed in routes.c.  A handler
 * reads the request through the accessors below and answers with exactly
 * one api_reply_*() call, or, on an API_ROUTE_STREAM route, by streaming
 * (api_stream_begin/write) or by taking the socket over (api_hijack).
 *
 * Plain handlers run on the connection's own thread; API_ROUTE_STREAM
 * handlers run on a thread of their own so that they may block for as long
 * as the stream lasts.  Handlers must not touch libmicrohttpd directly.
 */
#ifndef BERTH_API_H
#define BERTH_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "version.h"

struct api_req;
struct api_server;
struct engine;

typedef void (*api_handler_fn)(struct api_req *req);

enum api_route_flags {
    API_ROUTE_STREAM = 1u << 0,    /* own thread; may stream or hijack */
    API_ROUTE_BODY_FILE = 1u << 1, /* body spooled to a file: api_body_fd() */
};

/* pattern: literal segments and captures: "{id}" is one segment, "{name*}"
 * one or more segments (image names hold slashes), matched so that the rest
 * of the pattern still matches the tail. */
struct api_route {
    const char *method;
    const char *pattern;
    api_handler_fn handler;
    unsigned flags;
};

/* ---- server lifecycle (berthd.c) ---- */

/* Listen on each of hosts ("unix:///path"; "fd://" and tcp are refused
 * for now) and serve requests for engine e. */
int api_server_start(struct engine *e, char *const *hosts, struct api_server **out,
                     struct berr *err);
/* Stop accepting, finish requests in flight, remove the sockets. */
void api_server_stop(struct api_server *srv);

/* ---- request accessors ---- */

struct engine *api_engine(struct api_req *req);
const char *api_method(struct api_req *req);
/* The path without its /vX.Y prefix. */
const char *api_path(struct api_req *req);
/* Path capture by name ("id" for "{id}"), or NULL. */
const char *api_param(struct api_req *req, const char *name);
/* Query value (first occurrence), or NULL when absent. */
const char *api_query(struct api_req *req, const char *key);
/* All values of a repeated query key, NULL-terminated; free with strv_free. */
char **api_query_all(struct api_req *req, const char *key);
/* Docker's boolean rule: absent gives dflt; "", 0, no, false, none give
 * false (any case); anything else true. */
bool api_query_bool(struct api_req *req, const char *key, bool dflt);
/* Integer query; absent gives dflt; garbage is a 400 in err. */
int api_query_int(struct api_req *req, const char *key, int64_t dflt, int64_t *out,
                  struct berr *err);
/* `filters=` normalised to {"key": ["v", ...]}, both the map and the legacy
 * list form; absent gives {}.  Caller owns the reference. */
json_t *api_query_filters(struct api_req *req, struct berr *err);
const char *api_header(struct api_req *req, const char *name);
/* The version the client asked for (from its /vX.Y prefix, else the
 * maximum), as major*100+minor: 145 for 1.45. */
int api_version(struct api_req *req);

/* The request body: buffered in memory for ordinary routes. */
const char *api_body(struct api_req *req, size_t *len);
/* The body parsed as JSON with dockerd's rules (Content-Type must be
 * application/json when set; empty body is {}).  Caller owns the ref. */
json_t *api_body_json(struct api_req *req, struct berr *err);
/* For API_ROUTE_BODY_FILE routes: a read-only fd at offset 0 of the
 * spooled body (already unlinked, closed by the server). */
int api_body_fd(struct api_req *req);

/* ---- replies ---- */

/* Add a header to the reply (or stream, or 101) this request will send. */
void api_add_header(struct api_req *req, const char *name, const char *value);

/* JSON reply; takes the reference. */
void api_reply_json(struct api_req *req, int status, json_t *body);
/* Error reply from err: {"message": ...} with the kind's status; 304 has
 * no body. */
void api_reply_error(struct api_req *req, const struct berr *err);
void api_reply_status(struct api_req *req, int status);
void api_reply_data(struct api_req *req, int status, const char *content_type, const void *data,
                    size_t len);

/* ---- streams (API_ROUTE_STREAM routes only) ---- */

/* Send the status line and headers now (flushed).  Then api_stream_write
 * the body; it ends when the handler returns.  Returns -1 if the client is
 * gone. */
int api_stream_begin(struct api_req *req, int status, const char *content_type);
int api_stream_write(struct api_req *req, const void *data, size_t len);
int api_stream_printf(struct api_req *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Write a JSON value followed by "\r\n" (pull/load progress, events). */
int api_stream_json(struct api_req *req, json_t *value);
/* True once writing failed or the client closed the connection. */
bool api_stream_gone(struct api_req *req);

/* Answer 101 with Upgrade: tcp and content_type, and hand over the socket.
 * Returns the socket fd (owned by the server: do not close it; use
 * shutdown(SHUT_WR) for a half-close) or -1.  early and early_len receive
 * bytes the client sent after its request that the server already read. */
int api_hijack(struct api_req *req, const char *content_type, const char **early,
               size_t *early_len);

/* ---- route tables ---- */

extern const struct api_route api_routes_system[];
extern const struct api_route api_routes_images[];
extern const struct api_route api_routes_containers[];
extern const struct api_route api_routes_exec[];
extern const struct api_route api_routes_networks[];
extern const struct api_route api_routes_volumes[];

/* Find the route for method and path; captures are stored in req.  Returns
 * NULL when nothing matches (the caller answers 404). */
const struct api_route *api_route_match(const char *method, const char *path, char ***names,
                                        char ***values);

/* Parse "/v1.45/rest": returns 1 with *version and *rest set, 0 when the
 * path has no version prefix, -1 when the prefix is malformed. */
int api_split_version(const char *path, int *version, const char **rest);

#endif
